package monitor

import (
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
