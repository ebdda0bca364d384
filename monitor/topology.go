package monitor

import (
	"time"

	"github.com/cutover/cutover/monitor/sipmsg"
)

// Where cutover watches (Config.Topology) decides which of a call's legs
// counts for which number. A business behind its SBC sees the calls to its
// numbers arrive from the trunks and its own calls leave by them. A
// carrier, CPaaS or transit SBC (the routing authority, after an LNP dip)
// sends the calls to a ported number towards the trunk of the provider
// that serves it, and receives the number's own calls from that
// provider's trunk. Everything below asks landingLeg; nothing else in the
// fold tests a direction to mean "landing".

// transit reports whether the fold watches a transit SBC.
func (s *State) transit() bool { return s.c.Cfg.Topology == TopologyTransit }

// landingLeg reports whether an initial INVITE going dir relative to its
// trunk ("" when it has none) is a call landing on its number: counted for
// the called number (request URI, else To), it drives the number's and
// the trunk's legacy/new landing counters, Serving, LegacyAfter and the
// zombie rule, and its STIR side is the verstat passed on. Otherwise it is
// the number's egress: counted for the calling number (P-Asserted-Identity,
// else From), it drives Egress, split_brain and the attestation mix (the
// signature the call carries on that leg).
//
// business: a call arriving from a trunk lands; one sent to a trunk, and
// one on no trunk (the PBX side of an SBC, whose trunk leg follows), leaves.
// transit: a call sent to a trunk lands, and so does one on no trunk (a
// customer's side, whose trunk leg follows); one arriving from a trunk is
// the calling number's egress.
func (s *State) landingLeg(dir Dir) bool {
	if s.transit() {
		return dir != DirIn
	}
	return dir == DirIn
}

// callDir is the direction of a call's trunk leg, "" before it has one.
func callDir(c *call) Dir {
	switch {
	case c.Trunk < 0:
		return ""
	case c.Inbound:
		return DirIn
	}
	return DirOut
}

// onwardLanding counts a call's second trunk leg, at t on trunk tr in
// direction dir, when its first was egress and this one lands: a transit call from one trunk
// sent on to another (same Call-ID) is the caller's attempt on the first
// trunk, and lands on the called number by the second. It counts there
// what landing drives (the legacy/new share of the trunk and the number,
// Serving, LegacyAfter, zombie) and for an action waiting for calls in
// that direction; the attempt and its outcome stay with the first trunk
// and the calling number.
func (s *State) onwardLanding(t int64, tr int, dir Dir, info *sipmsg.Info) {
	s.landed(t, &s.c.Trunks[tr].W, tr)
	s.c.Trunks[tr].LastSeen = t
	s.closeAlert(t, RuleTrunkSilent, s.trunkName(tr), callsAgain)
	e164 := s.callE164(info, true)
	s.verifyCall(t, t, tr, dir == DirIn, e164)
	if i, ok := s.c.NumIdx[e164]; ok {
		s.numberAttempt(t, i, tr, true)
	}
}

// zombieText says why zombie opens on a number: its calls still land on
// legacy trunk tr, after (since the port completed).
func (s *State) zombieText(tr int, after time.Duration) string {
	if s.transit() {
		return "calls are still sent to legacy trunk " + s.trunkName(tr) + " " + fmtDur(after) + " after the port completed"
	}
	return "calls still land on legacy trunk " + s.trunkName(tr) + " " + fmtDur(after) + " after the port completed"
}

// zombieQuiet says why zombie closes: no landing on legacy for d.
func (s *State) zombieQuiet(d time.Duration) string {
	if s.transit() {
		return "no call sent to a legacy trunk for " + fmtDur(d)
	}
	return "no inbound call on a legacy trunk for " + fmtDur(d)
}

// splitText says why split_brain opens on a number: its own calls still
// leave through legacy trunk tr.
func (s *State) splitText(tr int) string {
	if s.transit() {
		return "calls from a ported number still come from legacy trunk " + s.trunkName(tr)
	}
	return "outbound calls from a ported number leave through legacy trunk " + s.trunkName(tr)
}

// splitQuiet says why split_brain closes: no egress on legacy for d.
func (s *State) splitQuiet(d time.Duration) string {
	if s.transit() {
		return "no call from a legacy trunk for " + fmtDur(d)
	}
	return "no outbound call through a legacy trunk for " + fmtDur(d)
}

// attestWhat names the calls the attestation mix counts: those leaving by
// a trunk on a business's side, those arriving from one in transit.
func (s *State) attestWhat() string {
	if s.transit() {
		return "attestation of calls from the trunk"
	}
	return "outbound attestation"
}
