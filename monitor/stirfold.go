package monitor

import (
	"fmt"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor/sipmsg"
)

// StirResults are the outcomes a StirVerdict.Result can take, in the order
// the verifier's checks run (monitor/stir). StirMix counts them.
var StirResults = [...]string{
	"no-identity", "bad-format", "cert-unavailable", "bad-signature",
	"cert-untrusted", "stale", "orig-mismatch", "dest-mismatch", "valid",
}

// StirMix counts verified outbound INVITEs by verdict, indexed like
// StirResults: why calls were, or were not, verified.
type StirMix [len(StirResults)]int

// Total is the number of verdicts counted.
func (m StirMix) Total() int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// Invalid counts verdicts that are neither valid nor no-identity.
func (m StirMix) Invalid() int { return m.Total() - m[0] - m[len(m)-1] }

// VerstatMix counts inbound INVITEs by the verstat the carrier passed on
// (3GPP TS 24.229 §7.2A.20, vendor suffixes folded in).
type VerstatMix struct{ Passed, Failed, None, Absent int }

// stirIndex is the StirResults index of a result; -1 when unknown.
func stirIndex(r string) int {
	for i, s := range StirResults {
		if s == r {
			return i
		}
	}
	return -1
}

// verstatSlot is the VerstatMix slot of a verstat value: passed, failed,
// none (No-TN-Validation or unrecognised), absent.
func verstatSlot(v string) int {
	switch l := strings.ToLower(v); {
	case l == "":
		return 3
	case strings.HasPrefix(l, "tn-validation-passed"):
		return 0
	case strings.HasPrefix(l, "tn-validation-failed"):
		return 1
	}
	return 2
}

// countStir adds one INVITE's attestation, verdict and verstat to b: the
// verstat the carrier passed on of a landing leg, the attestation and
// verdict of an egress leg (State.landingLeg). carrierSigns leaves an
// unsigned call out of the attestation mix (its verdict still counts): see
// Trunk.CarrierSigns.
func countStir(b *bucket, m *SIPMessage, info *sipmsg.Info, landing, carrierSigns bool) {
	if landing {
		b.Verstat[verstatSlot(info.Verstat)]++
		return
	}
	if pendingVerdict(m) {
		return // counted when the verdict comes (applyLateVerdict)
	}
	if slot := attestSlot(m, info); slot != slotNone || !carrierSigns {
		b.Attest[slot]++
	}
	if m.Stir != nil {
		if i := stirIndex(m.Stir.Result); i >= 0 {
			b.Stir[i]++
		}
	}
}

// attestationRule opens "attestation" on a trunk or number whose outbound
// calls over window w are attested A less often than AttestAMin (with at
// least minCalls calls), or carry invalid verdicts (AttestInvalidMin or
// more). It closes with hysteresis: A share back above AttestAMin plus a
// margin and invalid verdicts below half the threshold, or traffic thinned
// out to under half minCalls.
func (s *State) attestationRule(t int64, subject string, ser *series, w time.Duration, minCalls int) {
	th := s.c.Cfg.Thresholds
	st := ser.sum(t, w)
	mix := st.Attest
	n := mix.Total()
	share := ratio(mix.A, n)
	_, open := s.c.Alerts[alertKey(RuleAttestation, subject)]
	recovered := th.AttestAMin + attestRecovery
	lowA := n >= minCalls && below(share, th.AttestAMin)
	invalid := mix.Invalid >= th.AttestInvalidMin
	if open {
		lowA = n >= halfUp(minCalls) && below(share, recovered)
		invalid = mix.Invalid >= halfUp(th.AttestInvalidMin)
	}
	sev := SevWarning
	if invalid {
		sev = SevCritical
	}
	mixText := func() string {
		return fmt.Sprintf("%s over %s: A %d, B %d, C %d, none %d, invalid %d", s.attestWhat(), fmtDur(w), mix.A, mix.B, mix.C, mix.None, mix.Invalid)
	}
	s.setAlert(t, lowA || invalid, RuleAttestation, subject, sev, func() string {
		msg := mixText()
		switch {
		case lowA && below(share, th.AttestAMin):
			msg += fmt.Sprintf(" — A %s of %d calls, below %s: calls risk being labelled spam", pct(share, th.AttestAMin), n, pct(th.AttestAMin))
			if mix.None == n && !s.transit() { // in transit the originating carrier signed before us, or did not
				msg += " (none signed: if the carrier signs after this point, set carrier_signs on its trunk)"
			}
		case lowA:
			msg += fmt.Sprintf(" — A %s of %d calls: recovering, closes at %s", pct(share, th.AttestAMin, recovered), n, pct(recovered))
		}
		if invalid {
			msg += fmt.Sprintf(" — %d failed verification (%s)", mix.Invalid, topReasons(st.Stir))
		}
		return msg
	}, func() string {
		msg := mixText()
		if n < halfUp(minCalls) {
			return msg + fmt.Sprintf(" — %d calls, under %d: too few to judge", n, halfUp(minCalls))
		}
		return msg + fmt.Sprintf(" — A %s of %d calls, at or above %s", pct(share, recovered), n, pct(recovered))
	})
}

// attestRecovery is how far above AttestAMin the A share must climb before
// an open attestation alert closes.
const attestRecovery = 0.05

// Windows the attestation rule looks at: trunks carry enough calls for 5
// minutes; a single number needs the longest window.
const (
	attestTrunkWindow  = 5 * time.Minute
	attestNumberWindow = 15 * time.Minute
)

func (s *State) trunkAttestation(t int64, tr int) {
	s.attestationRule(t, s.trunkName(tr), &s.c.Trunks[tr].W, attestTrunkWindow, s.c.Cfg.Thresholds.AttestMinCalls)
}

func (s *State) numberAttestation(t int64, num int) {
	n := &s.c.Numbers[num]
	s.attestationRule(t, n.E164, &n.W, attestNumberWindow, s.c.Cfg.Thresholds.AttestNumberMinCalls)
}

// topReasons names the failure outcomes seen, most frequent first.
func topReasons(m StirMix) string {
	var parts []string
	for {
		best := -1
		for i := 1; i < len(m)-1; i++ {
			if m[i] > 0 && (best < 0 || m[i] > m[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", StirResults[best], m[best]))
		m[best] = 0
	}
	if len(parts) == 0 {
		return "unverified claim"
	}
	return strings.Join(parts, ", ")
}

// attestDefaults fills the attestation thresholds' zero fields from d.
func (t Thresholds) attestDefaults(d Thresholds) Thresholds {
	if t.AttestAMin == 0 {
		t.AttestAMin = d.AttestAMin
	}
	if t.AttestMinCalls == 0 {
		t.AttestMinCalls = d.AttestMinCalls
	}
	if t.AttestNumberMinCalls == 0 {
		t.AttestNumberMinCalls = d.AttestNumberMinCalls
	}
	if t.AttestInvalidMin == 0 {
		t.AttestInvalidMin = d.AttestInvalidMin
	}
	return t
}

// StirCounts count what happened to verification outside the attestation
// mix: verdicts that came after their request, and requests that were not
// verified.
type StirCounts struct {
	Late       uint64 // verdicts folded after their request: its certificate had to be fetched
	Orphaned   uint64 // late verdicts with nothing left to count in: the fold had stopped waiting, or the request's minute had left the windows
	Expired    uint64 // requests whose late verdict never came within stirWaitMax
	Overloaded uint64 // requests not verified: the verifier's queue was full (their claim is counted)
	TooMany    uint64 // Identity headers not verified: beyond the verifier's cap per request
}

// stirWait is a request whose verdict follows (StirPending): where its
// attestation counts once the verdict comes. Exported fields: it is part
// of the checkpointed core.
type stirWait struct {
	At     int64 // the request's event time: the buckets it counts in
	Trunk  int   // the trunk whose bucket counts it (-1: none)
	Number int   // the number whose bucket counts it (-1: none)
	Mix    bool  // the verdict's outcome is counted in the Stir mix too, not only the attestation
}

// stirWaitMax is how long the fold waits for a late verdict: far more than
// a certificate fetch's timeout and the verifier's queue.
const stirWaitMax = 5 * time.Minute

// pendingVerdict reports whether m's verdict follows in a KindStirVerdict event.
func pendingVerdict(m *SIPMessage) bool { return m.Stir != nil && m.Stir.Result == StirPending }

// noteVerdict is applySIP's first look at a message's verdict: it counts
// what was not verified and starts waiting for a verdict that follows.
// Where that verdict will count is said by awaitVerdict, if anywhere.
func (s *State) noteVerdict(t int64, m *SIPMessage) {
	v := m.Stir
	if v == nil {
		return
	}
	s.c.Stir.TooMany += uint64(max(v.TooMany, 0))
	switch v.Result {
	case StirOverloaded:
		s.c.Stir.Overloaded++
	case StirPending:
		if s.c.StirWait == nil {
			s.c.StirWait = map[uint64]stirWait{}
		}
		s.c.StirWait[v.Ref] = stirWait{At: t, Trunk: -1, Number: -1}
	}
}

// awaitVerdict says where the pending verdict of m counts: the buckets
// of trunk tr and number num at event time at, as the inline verdict
// would have been counted.
func (s *State) awaitVerdict(m *SIPMessage, at int64, tr, num int, mix bool) {
	if w, ok := s.c.StirWait[m.Stir.Ref]; ok {
		w.At, w.Trunk, w.Number, w.Mix = at, tr, num, mix
		s.c.StirWait[m.Stir.Ref] = w
	}
}

// applyLateVerdict counts a verdict that came after its request where the
// request's inline verdict would have counted, and re-evaluates the
// number's attestation rule now (the trunk's runs on the sweep).
func (s *State) applyLateVerdict(lv *LateVerdict) {
	w, ok := s.c.StirWait[lv.Ref]
	if !ok {
		s.c.Stir.Orphaned++
		return
	}
	delete(s.c.StirWait, lv.Ref)
	v := &lv.Verdict
	s.c.Stir.Late++
	s.c.Stir.TooMany += uint64(max(v.TooMany, 0))
	slot, mix := verdictSlot(v, ""), stirIndex(v.Result)
	attest := w.Trunk < 0 || !unsignedExpected(s.c.Cfg.Trunks[w.Trunk], slot)
	count := func(ser *series) {
		b := ser.at(w.At, s.c.Now)
		if b == nil {
			s.c.Stir.Orphaned++
			return
		}
		if attest {
			b.Attest[slot]++
		}
		if w.Mix && mix >= 0 {
			b.Stir[mix]++
		}
	}
	if w.Trunk >= 0 {
		count(&s.c.Trunks[w.Trunk].W)
	}
	if w.Number >= 0 {
		count(&s.c.Numbers[w.Number].W)
		s.numberAttestation(s.c.Now, w.Number)
	}
}

// expireStirWaits stops waiting for verdicts older than stirWaitMax.
func (s *State) expireStirWaits(t int64) {
	for ref, w := range s.c.StirWait {
		if t-w.At >= int64(stirWaitMax) {
			delete(s.c.StirWait, ref)
			s.c.Stir.Expired++
		}
	}
}
