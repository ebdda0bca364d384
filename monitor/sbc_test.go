package monitor

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// An SBC that mirrors both legs (siptrace, HEP) shows the PBX-side leg
// first, with no trunk at either end, then its leg to the carrier: the call
// belongs to the carrier's trunk, counted once.
func TestCallSeenFirstOnThePBXLegGetsTheCarriersTrunk(t *testing.T) {
	s := NewState(testConfig())
	sbc := netip.MustParseAddrPort("192.0.2.1:5060")
	pbxLeg := newDialog(t, "c1", pbx, sbc, testNum, "+12125550100")
	carrierLeg := newDialog(t, "c1", sbc, newTr, testNum, "+12125550100")
	applyAll(s,
		pbxLeg.invite(at(0), ""),
		carrierLeg.invite(at(time.Millisecond), ""),
		carrierLeg.invite(at(500*time.Millisecond), ""), // a retransmission
		carrierLeg.reply(at(time.Second), 488, "Not Acceptable Here"),
		pbxLeg.reply(at(time.Second+time.Millisecond), 488, "Not Acceptable Here"),
	)
	snap := s.Snapshot()
	w := snap.Trunks[1].Win[Win1m]
	if w.Attempts != 1 || w.Completed != 1 || w.Failed != 1 || len(w.Codes) != 1 || w.Codes[0] != (CodeCount{488, 1}) {
		t.Errorf("new trunk: %+v", w)
	}
	if l := snap.Trunks[0].Win[Win1m]; l.Attempts != 0 {
		t.Errorf("legacy trunk: %+v", l)
	}
	var feed []string
	for _, f := range snap.Feed {
		feed = append(feed, f.Trunk+" "+f.Summary)
	}
	if !strings.Contains(strings.Join(feed, "|"), "new 488") {
		t.Errorf("feed: %v", feed)
	}
}

// The SBC's workers mirror independently: the carrier's 180 and 200 can
// reach the collector before the mirrored INVITE to the carrier.
func TestCarrierAnswerOvertakingTheMirroredInvite(t *testing.T) {
	s := NewState(testConfig())
	sbc := netip.MustParseAddrPort("192.0.2.1:5060")
	pbxLeg := newDialog(t, "c2", pbx, sbc, testNum, "+12125550100")
	carrierLeg := newDialog(t, "c2", sbc, newTr, testNum, "+12125550100")
	invite := carrierLeg.invite(at(10*time.Millisecond), "")
	applyAll(s,
		pbxLeg.invite(at(0), ""),
		carrierLeg.reply(at(30*time.Millisecond), 180, "Ringing"),
		carrierLeg.reply(at(40*time.Millisecond), 200, "OK"),
		invite, // late
		pbxLeg.reply(at(41*time.Millisecond), 200, "OK"),
	)
	w := s.Snapshot().Trunks[1].Win[Win1m]
	if w.Attempts != 1 || w.Answered != 1 || w.Completed != 1 || w.PDDCount != 1 || w.PDD() != 30*time.Millisecond {
		t.Errorf("new trunk: %+v", w)
	}
}

// sbcOutbound sends n outbound calls from num through an SBC that mirrors
// both legs: the PBX's leg to the SBC, then the SBC's leg to trunk dst
// carrying verdict v (nil: no verdict). It returns the time after the last.
func sbcOutbound(t *testing.T, s *State, prefix, num string, dst netip.AddrPort, start int64, n int, v *StirVerdict) int64 {
	t.Helper()
	sbc := netip.MustParseAddrPort("192.0.2.1:5060")
	for i := range n {
		id := fmt.Sprintf("%s%d", prefix, i)
		when := start + int64(i)*int64(10*time.Second)
		pbxLeg := newDialog(t, id, pbx, sbc, num, "+12125550100")
		trunkLeg := newDialog(t, id, sbc, dst, num, "+12125550100")
		inv := trunkLeg.invite(when+int64(time.Millisecond), "")
		inv.SIP.Stir = v
		applyAll(s, pbxLeg.invite(when, ""), inv,
			trunkLeg.reply(when+int64(time.Second), 200, "OK"), pbxLeg.reply(when+int64(time.Second)+1, 200, "OK"))
	}
	return start + int64(n)*int64(10*time.Second)
}

// Issue 13 counting defect 3: outbound calls through an SBC counted their
// attestation on the trunk only: every number showed zeros and the
// number's attestation alert could never open.
func TestOutboundThroughAnSBCCountsTheNumbersAttestation(t *testing.T) {
	s := NewState(testConfig())
	sbcOutbound(t, s, "b", testNum, newTr, at(0), 8, &StirVerdict{Attest: "B", Result: "valid"})
	snap := s.Snapshot()
	if a := snap.Trunks[1].Win[Win15m].Attest; a.B != 8 {
		t.Fatalf("new trunk's attestation: %+v, want B 8", a)
	}
	if a := snap.Numbers[0].Win[Win15m].Attest; a.B != 8 || a.Total() != 8 {
		t.Fatalf("number's attestation: %+v, want B 8", a)
	}
	if !openAlerts(s)[alertKey(RuleAttestation, testNum)] {
		t.Fatalf("no attestation alert on %s: %v", testNum, openAlerts(s))
	}
}

// Issue 13 counting defect 4: on a business's side of its SBC the carrier
// signs after the SBC, so outbound calls without an Identity header are
// expected there. On a trunk marked CarrierSigns they raise no attestation
// alert, on the trunk or the number, whether or not an SBC mirrors the PBX
// leg; a trunk without it still does.
func TestUnsignedOutboundWhereTheCarrierSigns(t *testing.T) {
	cfg := testConfig()
	cfg.Trunks[0].CarrierSigns = true
	cfg.Trunks[1].CarrierSigns = true
	cfg.Thresholds.AttestNumberMinCalls = 6
	s := NewState(cfg)
	end := sbcOutbound(t, s, "n", testNum, newTr, at(0), 12, nil)
	end = sbcOutbound(t, s, "l", testNum, legacy, end, 12, nil)
	for i := range 12 { // and straight from the PBX, no SBC mirroring
		d := newDialog(t, fmt.Sprintf("d%d", i), pbx, newTr, "+15550100002", "+12125550100")
		when := end + int64(i)*int64(5*time.Second)
		applyAll(s, d.invite(when, ""), d.reply(when+int64(time.Second), 200, "OK"))
	}
	for k := range openAlerts(s) {
		if strings.HasPrefix(k, string(RuleAttestation)) {
			t.Errorf("alert %s on unsigned calls where the carrier signs: %v", k, openAlerts(s))
		}
	}
	// The same traffic where signing is expected alerts, as before.
	cfg.Trunks[1].CarrierSigns = false
	s = NewState(cfg)
	sbcOutbound(t, s, "n", testNum, newTr, at(0), 12, nil)
	if a := openAlerts(s); !a[alertKey(RuleAttestation, "new")] || !a[alertKey(RuleAttestation, testNum)] {
		t.Fatalf("unsigned calls where signing is expected: alerts %v", a)
	}
	if a := s.c.Alerts[alertKey(RuleAttestation, "new")]; !strings.Contains(a.Message, "set carrier_signs") {
		t.Fatalf("the alert does not say where the carrier signs: %q", a.Message)
	}
}

// The carrier's answer can overtake the mirrored INVITE that carries the
// call's Identity header: the INVITE, when it comes, still counts the
// attestation of the trunk and of the number (issue 13 defect 3's topology).
func TestAttestationOfAnInviteOvertakenByItsAnswer(t *testing.T) {
	s := NewState(testConfig())
	sbc := netip.MustParseAddrPort("192.0.2.1:5060")
	pbxLeg := newDialog(t, "c3", pbx, sbc, testNum, "+12125550100")
	carrierLeg := newDialog(t, "c3", sbc, newTr, testNum, "+12125550100")
	invite := carrierLeg.invite(at(10*time.Millisecond), "")
	invite.SIP.Stir = &StirVerdict{Attest: "B", Result: "valid"}
	applyAll(s,
		pbxLeg.invite(at(0), ""),
		carrierLeg.reply(at(30*time.Millisecond), 180, "Ringing"),
		carrierLeg.reply(at(40*time.Millisecond), 200, "OK"),
		invite, // late
		pbxLeg.reply(at(41*time.Millisecond), 200, "OK"),
	)
	snap := s.Snapshot()
	if tr, n := snap.Trunks[1].Win[Win1m].Attest, snap.Numbers[0].Win[Win1m].Attest; tr.B != 1 || tr.Total() != 1 || n.B != 1 || n.Total() != 1 {
		t.Fatalf("attestation: trunk %+v, number %+v; want B 1 on both", tr, n)
	}
}

// A call whose PBX leg falls just before a minute's edge and its carrier
// leg just after counts in the minute of its start on the trunk too, as on
// its number, with its answer: trunks and numbers agree minute by minute.
func TestPBXLegCallCountsInTheMinuteItStarted(t *testing.T) {
	s := NewState(testConfig())
	sbc := netip.MustParseAddrPort("192.0.2.1:5060")
	pbxLeg := newDialog(t, "edge", pbx, sbc, testNum, "+12125550100")
	carrierLeg := newDialog(t, "edge", sbc, newTr, testNum, "+12125550100")
	applyAll(s,
		pbxLeg.invite(at(-10*time.Millisecond), ""),
		carrierLeg.invite(at(10*time.Millisecond), ""),
		carrierLeg.reply(at(500*time.Millisecond), 200, "OK"),
		pbxLeg.reply(at(501*time.Millisecond), 200, "OK"),
	)
	trunks, numbers := s.Period(at(-time.Minute), at(0))
	tr, nu := trunks[1], numbers[0]
	if tr.Attempts != 1 || tr.Answered != 1 || nu.Attempts != 1 || nu.Answered != 1 {
		t.Errorf("minute of the start: trunk new %d attempts %d answered, number %d attempts %d answered; want 1 and 1 on both",
			tr.Attempts, tr.Answered, nu.Attempts, nu.Answered)
	}
	if trunks, _ := s.Period(at(0), at(time.Minute)); trunks[1].Attempts != 0 {
		t.Errorf("the next minute counts the call again on trunk new: %+v", trunks[1])
	}
}
