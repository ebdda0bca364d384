package monitor

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// boardAt is the event clock of the board tests: an hour after 02:00.
const boardAt = int64(3 * time.Hour)

func boardSnap(alerts []AlertView, nums ...NumberView) *Snapshot {
	return &Snapshot{
		Now:     boardAt,
		Trunks:  []TrunkView{{Name: "old", Role: RoleLegacy}, {Name: "new-a", Role: RoleNew}},
		Numbers: nums,
		Alerts:  alerts,
	}
}

// moved is a number that has moved: completed an hour ago, calls landed
// on new, outbound left by new.
func moved(e164 string) NumberView {
	return NumberView{
		E164: e164, PortRequestID: "PR-1", PortState: PortCompleted, Activated: boardAt - int64(time.Hour),
		Serving: "new-a", ServingRole: RoleNew, Egress: "new-a", EgressRole: RoleNew, LastSeen: boardAt,
		Landing: Landing{New: 4, FirstNew: boardAt - int64(50*time.Minute)},
	}
}

func TestBoardRules(t *testing.T) {
	th := DefaultThresholds()
	outage := []AlertView{{AlertChange: AlertChange{Rule: RuleOptionsDown, Subject: "new-a", Open: true, Severity: SevCritical}, Opened: 1}}
	legacyOutage := []AlertView{{AlertChange: AlertChange{Rule: RuleTimeoutBurst, Subject: "old", Open: true, Severity: SevCritical}, Opened: 1}}
	closedOutage := []AlertView{{AlertChange: AlertChange{Rule: RuleOptionsDown, Subject: "new-a", Severity: SevCritical}, Opened: 1, Closed: 2}}
	with := func(f func(n *NumberView)) NumberView {
		n := moved("+15550001")
		f(&n)
		return n
	}
	cases := []struct {
		name    string
		n       NumberView
		alerts  []AlertView
		rule    string
		verdict Verdict
		key     string
	}{
		{"denied", with(func(n *NumberView) { n.PortState, n.Activated = PortDenied, 0 }), nil, "port_failed", VerdictNoGo, "p"},
		{"cancelled", with(func(n *NumberView) { n.PortState = PortCancelled }), nil, "port_failed", VerdictNoGo, "p"},
		{"backwards", with(func(n *NumberView) { n.Flags = []string{"port_backwards"} }), nil, "port_backwards", VerdictNoGo, "p"},
		{"new trunk down", moved("+15550001"), outage, "trunk_outage", VerdictNoGo, "f"},
		{"legacy trunk down", with(func(n *NumberView) { n.Egress, n.EgressRole = "old", RoleLegacy }), legacyOutage, "trunk_outage", VerdictNoGo, "F"},
		{"outage closed", moved("+15550001"), closedOutage, "moved", VerdictGo, ""},
		{"split brain", with(func(n *NumberView) { n.Flags = []string{"split_brain"} }), nil, "split_brain", VerdictNoGo, "o"},
		{"sweep left legacy", with(func(n *NumberView) { n.SweepOut = SweepResult{Verdict: SweepLeftLegacy, Trunk: "old"} }), nil, "egress_legacy", VerdictNoGo, "o"},
		{"zombie", with(func(n *NumberView) { n.Flags = []string{"zombie"} }), nil, "zombie", VerdictNoGo, ""},
		{"sweep landed legacy", with(func(n *NumberView) { n.SweepIn = SweepResult{Verdict: SweepLandedLegacy, Trunk: "old"} }), nil, "sweep_legacy", VerdictNoGo, ""},
		{"sweep never arrived", with(func(n *NumberView) { n.SweepIn = SweepResult{Verdict: SweepNeverArrived} }), nil, "sweep_lost", VerdictNoGo, ""},
		{"sweep failed", with(func(n *NumberView) { n.SweepIn = SweepResult{Verdict: SweepFailed, Code: 404} }), nil, "sweep_lost", VerdictNoGo, ""},
		{"pending", with(func(n *NumberView) { n.PortState, n.Activated = PortPending, 0 }), nil, "not_completed", VerdictWatch, ""},
		{"pending sweep on legacy is expected", with(func(n *NumberView) {
			n.PortState, n.Activated, n.SweepIn = PortInProgress, 0, SweepResult{Verdict: SweepLandedLegacy}
		}), nil, "not_completed", VerdictWatch, ""},
		{"propagating", with(func(n *NumberView) {
			n.Activated = boardAt - int64(5*time.Minute)
			n.Landing = Landing{New: 1, Legacy: 2}
		}), nil, "propagating", VerdictWatch, ""},
		{"legacy calls past the window without zombie", with(func(n *NumberView) { n.Landing = Landing{New: 3, Legacy: 2} }), nil, "moved", VerdictGo, ""},
		{"no traffic, no sweep", with(func(n *NumberView) {
			n.Landing, n.Serving, n.ServingRole = Landing{}, "", ""
		}), nil, "no_landing", VerdictWatch, ""},
		{"only legacy since activation", with(func(n *NumberView) { n.Landing = Landing{Legacy: 1} }), nil, "no_landing", VerdictWatch, ""},
		{"landed by sweep only", with(func(n *NumberView) {
			n.Landing, n.Serving, n.ServingRole = Landing{}, "", ""
			n.SweepIn = SweepResult{Verdict: SweepLandedNew, Trunk: "new-a"}
		}), nil, "moved", VerdictGo, ""},
		{"landing not yet filled, last call on new after activation", with(func(n *NumberView) { n.Landing = Landing{} }), nil, "moved", VerdictGo, ""},
		{"attestation share", with(func(n *NumberView) { n.Win[Win15m].Attest = AttestMix{A: 3, B: 5} }), nil, "attestation", VerdictWatch, ""},
		{"attestation too few calls", with(func(n *NumberView) { n.Win[Win15m].Attest = AttestMix{B: 2} }), nil, "moved", VerdictGo, ""},
		{"attestation sweep", with(func(n *NumberView) { n.SweepOut = SweepResult{Verdict: SweepLeftNew, Attest: "B"} }), nil, "attestation", VerdictWatch, ""},
		{"attestation alert", with(func(n *NumberView) { n.Flags = []string{"attestation"} }), nil, "attestation", VerdictWatch, ""},
		{"egress legacy without split brain", with(func(n *NumberView) { n.Egress, n.EgressRole = "old", RoleLegacy }), nil, "egress_unproven", VerdictWatch, ""},
		{"drop rate", with(func(n *NumberView) { n.Flags = []string{"drop_rate"} }), nil, "alert_open", VerdictWatch, ""},
		{"moved", moved("+15550001"), nil, "moved", VerdictGo, ""},
		{"moved, no outbound", with(func(n *NumberView) { n.Egress, n.EgressRole = "", "" }), nil, "moved", VerdictGo, ""},
	}
	hit := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBoard(boardSnap(tc.alerts, tc.n), th)
			if len(b.Groups) != 1 || len(b.Groups[0].Rows) != 1 {
				t.Fatalf("board %+v: want one group of one row", b)
			}
			r := b.Groups[0].Rows[0]
			if r.Rule == "trunk_outage" && r.Outage == "" {
				t.Error("a trunk outage row does not name the trunk")
			}
			if r.Rule != tc.rule || r.Verdict != tc.verdict || r.Key != tc.key {
				t.Errorf("got %s/%s key %q (%s), want %s/%s key %q", r.Rule, r.Verdict, r.Key, r.Reason, tc.rule, tc.verdict, tc.key)
			}
			if r.Reason == "" {
				t.Error("no reason")
			}
		})
		hit[tc.rule] = true
	}
	for _, r := range BoardRules {
		if !hit[r.Name] {
			t.Errorf("rule %s has no case that hits it", r.Name)
		}
	}
}

func TestBoardGroupsAndCounts(t *testing.T) {
	a, b, c, d := moved("+15550001"), moved("+15550002"), moved("+15550003"), moved("+15550004")
	b.Flags = []string{"split_brain"}
	c.PortRequestID, c.PortState, c.Activated = "PR-0", PortPending, 0
	d.PortRequestID = ""
	bd := NewBoard(boardSnap(nil, a, b, c, d), Thresholds{})
	if bd.Go != 2 || bd.Watch != 1 || bd.NoGo != 1 {
		t.Errorf("counts go/watch/no-go = %d/%d/%d, want 2/1/1", bd.Go, bd.Watch, bd.NoGo)
	}
	var ids []string
	for _, g := range bd.Groups {
		ids = append(ids, g.PortRequestID)
	}
	if len(ids) != 3 || ids[0] != "PR-0" || ids[1] != "PR-1" || ids[2] != "" {
		t.Fatalf("groups %q, want PR-0, PR-1, then the numbers without a port request", ids)
	}
	if g := bd.Groups[1]; g.Go != 1 || g.NoGo != 1 || len(g.Rows) != 2 {
		t.Errorf("PR-1: %d go %d no-go %d rows, want 1, 1, 2", g.Go, g.NoGo, len(g.Rows))
	}
	if r := bd.Groups[1].Rows; r[0].E164 != b.E164 || r[1].E164 != a.E164 {
		t.Errorf("PR-1 rows %s, %s: want the no-go first", r[0].E164, r[1].E164)
	}
	if got := bd.Groups[1].Rows[0].Since; got != time.Hour {
		t.Errorf("since activation %v, want 1h", got)
	}
}

// The README's verdict table is BoardRules: a rule added, reordered or
// reworded without the README fails here.
func TestReadmeListsTheBoardRules(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n### The go/no-go board\n")
	if !ok {
		t.Fatal(`README has no "### The go/no-go board" section`)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var got, want strings.Builder
	for _, l := range strings.Split(sec, "\n") {
		if strings.HasPrefix(l, "| `") {
			got.WriteString(l + "\n")
		}
	}
	for _, r := range BoardRules {
		k := "—"
		if r.Key != "" {
			k = "`" + r.Key + "`"
		}
		fmt.Fprintf(&want, "| `%s` | %s | %s | %s |\n", r.Name, r.Verdict, k, r.When)
	}
	if got.String() != want.String() {
		t.Fatalf("README's verdict table differs from BoardRules; it should read:\n%s", want.String())
	}
}
