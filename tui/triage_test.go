package tui

import (
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor"
)

// TestHeaderCountsOpenAlerts: the header counts the open critical and
// warning alerts, shorter at 80 columns; closed ones do not count.
func TestHeaderCountsOpenAlerts(t *testing.T) {
	t.Parallel()
	for w, want := range map[int]string{80: "▲ 1C 1W", 160: "▲ 1 CRIT · 1 WARN"} {
		m := newTestModel(t, Options{}, w, 24)
		snap := testSnapshot()
		snap.Alerts = append(snap.Alerts, monitor.AlertView{AlertChange: monitor.AlertChange{
			Rule: "split_brain", Subject: "+15551230001", Severity: monitor.SevCritical}, Opened: t0 - 1, Closed: t0})
		m = send(m, SnapshotMsg{Snap: snap})
		head := strings.Split(screen(m), "\n")[0]
		mustContain(t, head, want)
	}
	m := newTestModel(t, Options{}, 80, 24)
	snap := testSnapshot()
	snap.Alerts = snap.Alerts[2:] // only the closed one
	m = send(m, SnapshotMsg{Snap: snap})
	mustNotContain(t, strings.Split(screen(m), "\n")[0], "CRIT", "WARN")
}

// TestAlertRowsShowTheirFixKey: an open alert's row shows the key whose
// action fixes it (the rule table's Key), at 80 columns with the rule and
// subject still whole; a closed alert and a rule without a key show none.
func TestAlertRowsShowTheirFixKey(t *testing.T) {
	t.Parallel()
	for _, w := range []int{80, 120, 200} {
		m := newTestModel(t, Options{}, w, 40)
		snap := testSnapshot()
		snap.Alerts = append([]monitor.AlertView{
			{AlertChange: monitor.AlertChange{Rule: monitor.RuleSplitBrain, Subject: "+15551230001", Open: true,
				Severity: monitor.SevCritical}, Opened: t0},
			{AlertChange: monitor.AlertChange{Rule: monitor.RuleTimeoutBurst, Subject: "legacy-a", Open: true,
				Severity: monitor.SevCritical}, Opened: t0},
		}, snap.Alerts...)
		m = send(m, SnapshotMsg{Snap: snap})
		scr := screen(m)
		mustContain(t, lineWith(t, scr, "split_brain"), "CRIT o split_brain", "+15551230001")
		// an outage on a legacy trunk is fixed by F (restore to new), not
		// by f, which would move the calls onto it
		mustContain(t, lineWith(t, scr, "timeout_burst"), "CRIT F timeout_burst", "legacy-a")
		mustContain(t, lineWith(t, scr, "codec488"), "CRIT f codec488")
		mustContain(t, lineWith(t, scr, "WARN", "zombie"), "WARN   zombie") // no key fixes a zombie
		mustContain(t, lineWith(t, scr, "done", "trunk_silent"), "done   trunk_silent")
	}
}

// f fails over to the legacy provider: it answers an outage on a new
// trunk, never one on the legacy trunk it moves the calls to; F answers
// the legacy trunk's.
func TestFailoverLinksOnlyTheOutagesItFixes(t *testing.T) {
	t.Parallel()
	snap := testSnapshot()
	snap.Alerts = append([]monitor.AlertView{{AlertChange: monitor.AlertChange{Rule: monitor.RuleTimeoutBurst, Subject: "legacy-a",
		Open: true, Severity: monitor.SevCritical}, Opened: t0}}, snap.Alerts...)
	for _, c := range []struct {
		key, want string
	}{{"f", ""}, {"F", "timeout_burst:legacy-a"}} {
		a := &fakeActor{targets: []string{"sbc-srv"}}
		m := actorModel(t, a, 80, 24)
		m = send(m, SnapshotMsg{Snap: snap, Stats: testStats()})
		m.focus = focusTrunks // legacy-a is the first trunk
		m = press(m, c.key)
		if len(a.planned) != 1 || a.planned[0].Prompted != c.want {
			t.Errorf("%s on legacy-a planned %+v, want it to answer %q", c.key, a.planned, c.want)
		}
	}
}
