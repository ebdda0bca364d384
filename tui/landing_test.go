package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

// landingSnapshot is the test night with the zombie +15551230002
// activated 40 minutes ago: 3 calls on new and 10 on legacy since.
func landingSnapshot() *monitor.Snapshot {
	snap := testSnapshot()
	act := t0 - int64(40*time.Minute)
	curve := []monitor.LandingBin{{Bin: 0, Legacy: 2}, {Bin: 1, New: 1, Legacy: 1}, {Bin: 31, New: 2}, {Bin: 20, Legacy: 7}}
	curve[2], curve[3] = curve[3], curve[2] // in order of Bin
	n := &snap.Numbers[1]
	n.Activated, n.Curve = act, curve
	n.Landing = monitor.Landing{FirstNew: act + int64(90*time.Second), LastLegacy: act + int64(38*time.Minute), New: 3, Legacy: 10}
	snap.Requests = []monitor.RequestView{
		{ID: "PR-1", Numbers: 2, ByState: map[monitor.PortState]int{monitor.PortCompleted: 2},
			FirstActivated: act, LastActivated: act, Landing: n.Landing, Curve: curve},
		{ID: "PR-2", Numbers: 1, ByState: map[monitor.PortState]int{monitor.PortInProgress: 1}},
	}
	return snap
}

// row is a labelled line of a detail view.
func row(label, value string) string { return fmt.Sprintf("%-16s%s", "  "+label, value) }

func TestNumberDetailShowsLanding(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	m = send(m, SnapshotMsg{Snap: landingSnapshot(), Stats: testStats()})
	m = press(m, "down", "enter") // the zombie
	full := stripANSI(strings.Join(m.detail.content(), "\n"))
	mustContain(t, full, "landing since activation", "01:34:00 UTC · 40m00s ago",
		row("first new", "+1m30s after activation · 38m30s ago"),
		row("last legacy", "+38m00s after activation · 2m00s ago"),
		row("calls", "3 new · 10 legacy · 23% on new"),
		row("share on new", "0–10m 25% · 10–30m 0% · 30m–3h 100%"))
	// 32 bins (to 40 minutes), two cells each after the label column:
	// 0% new in bin 0, half in bin 1, none on new in bin 20, all in bin 31.
	lines := strings.Split(full, "\n")
	at := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "  share on new") {
			at = i
		}
	}
	pad := strings.Repeat(" ", 16)
	want := []string{
		pad + "▒▒▒▒" + strings.Repeat(" ", 36) + "▒▒" + strings.Repeat(" ", 20) + "██",
		pad + "▒▒▒▒" + strings.Repeat(" ", 36) + "▒▒" + strings.Repeat(" ", 20) + "██",
		pad + "▒▒██" + strings.Repeat(" ", 36) + "▒▒" + strings.Repeat(" ", 20) + "██",
		pad + "▒▒██" + strings.Repeat(" ", 36) + "▒▒" + strings.Repeat(" ", 20) + "██",
		pad + "╵0                  ╵10m                ╵20m                ╵30m",
	}
	for i, w := range want {
		if got := lines[at+1+i]; got != w {
			t.Errorf("chart row %d:\n got %q\nwant %q", i, got, w)
		}
	}
	if m.c.keys.Request.Enabled() != true {
		t.Fatal("r is not offered on a number with a port request")
	}
	m = press(m, "r")
	if m.detail == nil || m.detail.kind != detailReq || m.detail.id != "PR-1" {
		t.Fatalf("r opened %+v", m.detail)
	}
	full = stripANSI(strings.Join(m.detail.content(), "\n"))
	mustContain(t, full, "PORT REQUEST PR-1  2 numbers", row("numbers", "completed 2"),
		row("activated", "01:34:00 UTC · 40m00s ago"), row("first new", "01:35:30 UTC · 38m30s ago"),
		row("calls", "3 new · 10 legacy · 23% on new"), "0–10m 25%",
		"number          port          to new  to legacy    new  legacy",
		"+15551230002    completed     +1m30s    +38m00s      3      10",
		"+15551230001    completed          —          —      0       0")
	if strings.Index(full, "+15551230002") > strings.Index(full, "+15551230001") {
		t.Error("the number still landing on legacy is not listed first")
	}
	mustContain(t, screen(m), "PORT REQUEST PR-1")
	if m = press(m, "esc"); m.detail != nil {
		t.Fatal("esc does not close the request's detail")
	}
}

func TestLandingDetailBeforeActivation(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	m = send(m, SnapshotMsg{Snap: landingSnapshot(), Stats: testStats()})
	m = press(m, "down", "down", "enter") // +15551230003, in progress
	full := stripANSI(strings.Join(m.detail.content(), "\n"))
	mustContain(t, full, "landing since activation", "port in_progress: counted from its activation")
	m = press(m, "r") // PR-2 has no calls since activation
	full = stripANSI(strings.Join(m.detail.content(), "\n"))
	mustContain(t, full, "PORT REQUEST PR-2", "in_progress 1", row("activated", "not yet"), row("share on new", "no calls since activation"))
	m = press(m, "esc", "down", "enter", "r") // +15551239999: no port request
	if m.detail == nil || m.detail.kind != detailNumber || m.c.keys.Request.Enabled() {
		t.Fatalf("r on a number without a port request: %+v", m.detail)
	}
}
