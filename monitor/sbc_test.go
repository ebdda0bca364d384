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
