package monitor

import (
	"strconv"
	"time"

	"github.com/cutover/cutover/monitor/sipmsg"
)

// userSide are final responses that reflect the called party, not the
// network: they count as effective for NER (ITU-T E.425, RFC 6076 SEER).
func userSide(code int) bool {
	switch code {
	case 480, 486, 487, 600, 603:
		return true
	}
	return false
}

func (s *State) applySIP(t int64, m *SIPMessage) {
	s.c.SIP++
	tr, dir := s.trunkOf(m.Src), DirIn
	if tr < 0 {
		tr, dir = s.trunkOf(m.Dst), DirOut
		if tr < 0 {
			dir = ""
		}
	}
	s.noteVerdict(t, m)
	info := m.Info
	if info == nil {
		s.c.Malformed++
		s.feed(FeedLine{Time: t, Trunk: s.trunkName(tr), Dir: dir, Summary: "malformed SIP message"})
		return
	}
	line := FeedLine{Time: t, Trunk: s.trunkName(tr), Dir: dir, Code: info.Code, CallID: info.CallID}
	if info.Request {
		line.Summary = info.Method + " " + info.RURIUser
	} else {
		line.Summary = strconv.Itoa(info.Code) + " " + info.Reason + " (" + info.Method + ")"
	}
	switch info.Method {
	case "INVITE":
		if info.Request {
			line.Number = s.inviteRequest(t, tr, dir, m, info)
		} else {
			s.attachFromResponse(t, tr, dir, m, info)
			line.Number = s.inviteResponse(t, info)
		}
	case "BYE":
		if info.Request {
			s.bye(t, info)
		}
	case "REGISTER":
		if !info.Request && tr >= 0 {
			s.registerResponse(t, tr, info)
		}
	case "OPTIONS":
		s.options(t, tr, info)
	}
	s.feed(line)
}

func (s *State) trunkName(i int) string {
	if i < 0 {
		return ""
	}
	return s.c.Cfg.Trunks[i].Name
}

func (s *State) feed(l FeedLine) {
	if len(s.c.Feed) < feedSize {
		s.c.Feed = append(s.c.Feed, l)
		return
	}
	s.c.Feed[s.c.FeedPos] = l
	s.c.FeedPos = (s.c.FeedPos + 1) % feedSize
}

// inviteRequest counts a new call attempt once: retransmissions (same CSeq)
// and authenticated retries (higher CSeq, same Call-ID) are the same attempt.
func (s *State) inviteRequest(t int64, tr int, dir Dir, m *SIPMessage, info *sipmsg.Info) string {
	if info.ToTag != "" { // re-INVITE inside a dialog: not an attempt
		return ""
	}
	s.sweepArrival(t, tr, dir, info)
	if c := s.c.Calls[info.CallID]; c != nil {
		if info.CSeq > c.CSeq {
			c.CSeq = info.CSeq
			s.stillPending(t, c) // an authenticated retry: a new transaction
		}
		if c.Trunk < 0 && tr >= 0 && !c.HasFinal {
			s.attachTrunk(t, c, tr, dir, m, info)
		} else if c.AttestDue && tr == c.Trunk && !s.landingLeg(dir) {
			c.AttestDue = false // the INVITE its answer overtook
			s.attachedAttest(t, c, tr, m, info)
		} else if tr >= 0 && c.Trunk >= 0 && !c.Onward && s.landingLeg(dir) && !s.landingLeg(callDir(c)) {
			c.Onward = true
			s.onwardLanding(t, tr, dir, info)
		}
		return s.numberName(c.Number)
	}
	landing := s.landingLeg(dir)
	num, e164 := -1, s.callE164(info, landing)
	if i, ok := s.c.NumIdx[e164]; ok && e164 != "" {
		num = i
	}
	c := &call{Trunk: tr, Number: num, Inbound: dir == DirIn, Start: t, CSeq: info.CSeq, ExpiresAt: t + int64(callPending)}
	s.addCall(info.CallID, c)
	s.eachBucket(t, c, func(b *bucket) {
		b.Attempts++
		if tr >= 0 {
			countStir(b, m, info, landing, s.c.Cfg.Trunks[tr].CarrierSigns)
		}
	})
	if tr >= 0 {
		if landing {
			s.landed(t, &s.c.Trunks[tr].W, tr)
		} else if pendingVerdict(m) {
			s.awaitVerdict(m, t, c.Trunk, c.Number, true)
		}
		s.c.Trunks[tr].LastSeen = t
		s.closeAlert(t, RuleTrunkSilent, s.trunkName(tr), callsAgain)
		s.verifyCall(t, t, tr, c.Inbound, e164)
	}
	if num >= 0 {
		s.numberAttempt(t, num, tr, landing)
		if !landing && tr >= 0 {
			s.numberAttestation(t, num)
		}
	}
	return s.numberName(num)
}

// attestSlot picks the attestation bucket: the verified verdict when
// ingest produced one, else what the Identity header claims.
func attestSlot(m *SIPMessage, info *sipmsg.Info) int { return verdictSlot(m.Stir, info.Attest) }

// verdictSlot is attestSlot of a verdict and a claimed attestation: the
// claim counts when there is no verdict, or the request was not verified.
func verdictSlot(v *StirVerdict, claimed string) int {
	attest := claimed
	if v != nil && v.Result != StirOverloaded && v.Result != StirPending {
		if v.Result != "" && v.Result != "valid" && v.Result != "no-identity" {
			return 4
		}
		attest = v.Attest
	}
	switch attest {
	case "A":
		return 0
	case "B":
		return 1
	case "C":
		return 2
	}
	return slotNone
}

// slotNone is the attestation slot of a call that claims none: no
// Identity header (or none with an attestation).
const slotNone = 3

// unsignedExpected says whether a call in attestation slot on trunk tr is
// left out of the attestation mix: unsigned, where the carrier signs after
// the point we watch (Trunk.CarrierSigns).
func unsignedExpected(tr Trunk, slot int) bool { return slot == slotNone && tr.CarrierSigns }

// numberAttempt records where a ported number's call landed (landing: its
// landing leg, State.landingLeg) or left from, and raises zombie /
// split_brain when that contradicts a completed port.
func (s *State) numberAttempt(t int64, num, tr int, landing bool) {
	n := &s.c.Numbers[num]
	n.LastSeen = t
	if tr < 0 {
		return
	}
	ported := s.c.Cfg.Trunks[tr].Role == RoleLegacy && n.PortState == PortCompleted && n.Activated != 0
	if !landing {
		n.Egress = tr
		if ported {
			n.LastSplit = t
			s.openAlert(t, RuleSplitBrain, n.E164, SevCritical, s.splitText(tr))
		}
		return
	}
	// The call landed on the number (both topologies come through here).
	n.Serving = tr
	s.landed(t, &n.W, tr)
	s.landingTransition(t, num, tr)
	if ported && t >= n.Activated {
		if b := n.W.at(t, s.c.Now); b != nil {
			b.LegacyAfter++
		}
		if t-n.Activated >= int64(s.c.Cfg.Thresholds.ZombieAfter) {
			n.LastZombie = t
			s.openAlert(t, RuleZombie, n.E164, SevWarning, s.zombieText(tr, time.Duration(t-n.Activated)))
		}
	}
}

// landed counts a call that landed by trunk tr at t (State.landingLeg) in
// ser (the trunk's or the number's series), as landing on legacy or on new.
func (s *State) landed(t int64, ser *series, tr int) {
	b := ser.at(t, s.c.Now)
	if b == nil {
		return
	}
	if s.c.Cfg.Trunks[tr].Role == RoleLegacy {
		b.Legacy++
	} else {
		b.New++
	}
}

func (s *State) numberName(i int) string {
	if i < 0 {
		return ""
	}
	return s.c.Numbers[i].E164
}

// eachBucket runs f on the call's trunk bucket and number bucket at t.
// Every counter of a call attempt (the attempt, its outcome, PDD, short
// call) is counted at t = c.Start, the attempt's first INVITE, so a
// window's outcomes are those of its attempts (README: KPI definitions).
func (s *State) eachBucket(t int64, c *call, f func(*bucket)) {
	if c.Trunk >= 0 {
		if b := s.c.Trunks[c.Trunk].W.at(t, s.c.Now); b != nil {
			f(b)
		}
	}
	if c.Number >= 0 {
		if b := s.c.Numbers[c.Number].W.at(t, s.c.Now); b != nil {
			f(b)
		}
	}
}

// callE164 is the number a call is for, from its INVITE or a response in
// its dialog: the called number of a landing leg (request URI, else To),
// the calling number of an egress leg (P-Asserted-Identity, else From).
func (s *State) callE164(info *sipmsg.Info, landing bool) string {
	user := info.RURIUser
	if user == "" {
		user = info.ToUser
	}
	if !landing {
		user = info.PAIUser
		if user == "" {
			user = info.FromUser
		}
	}
	return sipmsg.NormalizeE164(user, s.c.Cfg.DefaultCountry)
}

// attachTrunk gives a call first seen on a leg without a trunk (the PBX
// side, when an SBC mirrors both legs: caller → SBC, then SBC → carrier)
// the trunk of its next leg, and counts the attempt there in the slice of
// the call's start, where its number counted it and where its outcome will
// count (the report reads a minute only once it has settled:
// SettledMinutes). dir is the INVITE's direction on the trunk leg.
func (s *State) attachTrunk(t int64, c *call, tr int, dir Dir, m *SIPMessage, info *sipmsg.Info) {
	c.Trunk, c.Inbound = tr, dir == DirIn
	landing := s.landingLeg(dir)
	s.attachedCall()
	if b := s.c.Trunks[tr].W.at(c.Start, s.c.Now); b != nil {
		b.Attempts++
	}
	switch {
	case landing:
		s.landed(t, &s.c.Trunks[tr].W, tr)
	case info.Request:
		s.attachedAttest(t, c, tr, m, info)
	default:
		c.AttestDue = true // the carrier's answer overtook the INVITE, which carries the attestation
	}
	s.c.Trunks[tr].LastSeen = t
	s.closeAlert(t, RuleTrunkSilent, s.trunkName(tr), callsAgain)
	if len(s.c.Verify) > 0 { // only while an action waits for its traffic
		e164 := s.numberName(c.Number)
		if e164 == "" { // not a configured number: the trunk leg's message says which
			e164 = s.callE164(info, landing)
		}
		s.verifyCall(t, c.Start, tr, c.Inbound, e164)
	}
	if c.Number >= 0 {
		s.numberAttempt(t, c.Number, tr, landing)
	}
}

// attachedAttest counts the attestation of an outbound call's trunk-leg
// INVITE (m) for trunk tr and for the number the PBX leg named, and runs
// the number's attestation rule: that INVITE carries the attestation the
// call leaves with.
func (s *State) attachedAttest(t int64, c *call, tr int, m *SIPMessage, info *sipmsg.Info) {
	if pendingVerdict(m) {
		s.awaitVerdict(m, t, tr, c.Number, false)
	} else if slot := attestSlot(m, info); !unsignedExpected(s.c.Cfg.Trunks[tr], slot) {
		if b := s.c.Trunks[tr].W.at(t, s.c.Now); b != nil {
			b.Attest[slot]++
		}
		if c.Number >= 0 {
			if b := s.c.Numbers[c.Number].W.at(t, s.c.Now); b != nil {
				b.Attest[slot]++
			}
		}
	}
	if c.Number >= 0 {
		s.numberAttestation(t, c.Number)
	}
}

// attachFromResponse attaches the trunk when the carrier's answer is the
// first message of the trunk leg to arrive: an SBC's workers mirror
// independently, so the carrier's 180 or 200 can overtake the mirrored
// INVITE that caused it. A response from a trunk answers an INVITE sent
// to it (out); one sent to a trunk answers an INVITE from it (in).
func (s *State) attachFromResponse(t int64, tr int, dir Dir, m *SIPMessage, info *sipmsg.Info) {
	c := s.c.Calls[info.CallID]
	if c == nil || c.Trunk >= 0 || tr < 0 || c.HasFinal || info.Code < 101 {
		return
	}
	inv := DirOut
	if dir == DirOut {
		inv = DirIn
	}
	s.attachTrunk(t, c, tr, inv, m, info)
}

func (s *State) inviteResponse(t int64, info *sipmsg.Info) string {
	c := s.c.Calls[info.CallID]
	if c == nil { // a call that began before we started watching
		return ""
	}
	code := info.Code
	if code < 200 {
		s.stillPending(t, c) // a provisional response restarts Timer C
	}
	switch {
	case code == 180 || code == 183:
		if !c.Ringing {
			c.Ringing = true
			s.eachBucket(c.Start, c, func(b *bucket) { b.PDDCount++; b.PDDSum += t - c.Start })
		}
	case code < 200, code == 401, code == 407:
		// 100 Trying and auth challenges are not outcomes.
	case c.HasFinal && c.FinalCSeq == info.CSeq:
		// a retransmitted (or forked) final response of a transaction already counted
	default:
		s.finalResponse(t, c, info)
	}
	return s.numberName(c.Number)
}

func (s *State) finalResponse(t int64, c *call, info *sipmsg.Info) {
	code := info.Code
	c.HasFinal, c.FinalCSeq = true, info.CSeq
	first := c.Outcome == 0
	if first {
		c.Outcome = code
	}
	s.eachBucket(c.Start, c, func(b *bucket) { // an outcome counts in its attempt's window
		b.Codes = addCode(b.Codes, code, 1)
		if !first || (code >= 300 && code < 400) {
			return // 3xx are routing instructions, not outcomes
		}
		b.Completed++
		switch {
		case code < 300:
			b.Answered++
			b.Effective++
		default:
			b.Failed++
			if userSide(code) {
				b.Effective++
			}
		}
	})
	if code < 300 {
		c.Answered = t
		c.ExpiresAt = t + int64(callMaxAge)
	} else {
		c.ExpiresAt = t + int64(callLinger)
	}
	if c.Trunk >= 0 {
		s.trunkRules(t, c.Trunk)
	}
}

// stillPending keeps a call without a final response for callPending
// after t, its latest sign of life.
func (s *State) stillPending(t int64, c *call) {
	if !c.HasFinal && c.Answered == 0 {
		c.ExpiresAt = max(c.ExpiresAt, t+int64(callPending))
	}
}

func (s *State) bye(t int64, info *sipmsg.Info) {
	c := s.c.Calls[info.CallID]
	if c == nil || c.Ended {
		return
	}
	c.Ended = true
	c.ExpiresAt = t + int64(callLinger)
	if c.Answered == 0 {
		return
	}
	if t-c.Answered < int64(s.c.Cfg.Thresholds.ShortCall) {
		s.eachBucket(c.Start, c, func(b *bucket) { b.Short++ })
	}
	if c.Number >= 0 {
		s.dropRule(t, c.Number)
	}
}

func (s *State) registerResponse(t int64, tr int, info *sipmsg.Info) {
	ts := &s.c.Trunks[tr]
	switch code := info.Code; {
	case code < 200:
	case code == 401 || code == 407:
		if ts.Reg != RegRegistered || t >= ts.RegExpiresAt { // a refresh challenge is not a failure
			s.setReg(t, tr, RegChallenged, code, 0)
		}
	case code < 300:
		if info.Expires == 0 {
			s.setReg(t, tr, RegUnregistered, code, 0)
		} else {
			s.setReg(t, tr, RegRegistered, code, time.Duration(max(info.Expires, 0))*time.Second)
		}
	case code == 408:
		s.setReg(t, tr, RegTimeout, code, 0)
	default:
		s.setReg(t, tr, RegFailed, code, 0)
	}
}

func (s *State) options(t int64, tr int, info *sipmsg.Info) {
	key := info.CallID + "/" + strconv.Itoa(int(info.CSeq))
	if info.Request {
		if _, dup := s.c.Options[key]; !dup && tr >= 0 { // retransmissions keep the first send time
			s.c.Options[key] = optionsTx{Sent: t, Trunk: tr}
		}
		return
	}
	tx, ok := s.c.Options[key]
	if !ok || info.Code < 200 {
		return
	}
	delete(s.c.Options, key)
	s.wireOptions(t, tx.Trunk, info.Code, time.Duration(t-tx.Sent))
}

// callsAgain is why trunk_silent closes.
func callsAgain() string { return "a call again" }
