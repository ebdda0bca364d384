package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor"
)

// splitRow is a row of the numbers pane filtered to split_brain.
var splitRow = regexp.MustCompile(`(?m)^(\+1415555\d{4}) `)

// TestDemoActsOnTheSimulatedNight is the whole loop a first-time user
// can see in `cutover demo` at 80x24: a split_brain alert, o on the
// number, the dry run, a stray Enter that declines, o and y, the fold
// verifying the correction from the night's next calls, then u and y.
func TestDemoActsOnTheSimulatedNight(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	// At 300× split_brain opens about 9 s in, and the script itself
	// fixes the split-brain numbers 22 s in (+110m).
	s := startTmux(t, 80, 24, "demo", "--speed", "300", "--db", db)
	s.waitFor("DEMO", "+1415555")
	s.keys("/", "split_brain", "Enter") // the numbers pane filters on flags too
	scr := s.waitUntil("a split-brain number", func(scr string) bool {
		return strings.Contains(scr, "filter: split_brain") && splitRow.MatchString(scr)
	})
	num := splitRow.FindStringSubmatch(scr)[1]
	s.keys("o")
	scr = s.waitFor("OUTBOUND "+num, "demo SBC (simulated): outbound route of "+num, "- legacy", "+ new", "Apply? y / N")
	t.Logf("o's dry run:\n%s", scr)
	s.keys("Enter") // a stray Enter declines
	s.waitFor("declined: nothing changed")
	s.keys("o")
	s.waitFor("OUTBOUND "+num, "Apply? y / N")
	s.keys("y")
	scr = s.waitUntil("the correction verified", func(scr string) bool { return actionRowShows(scr, "outbound", "verified") })
	t.Logf("verified:\n%s", scr)
	if !strings.Contains(scr, "on the simulated network") {
		t.Errorf("the actions pane does not say the network is simulated:\n%s", scr)
	}
	s.keys("u")
	s.waitFor("UNDO outbound "+num, "Apply? y / N")
	s.keys("y")
	scr = s.waitUntil("the correction undone", func(scr string) bool { return actionRowShows(scr, "outbound", "undone") })
	t.Logf("undone:\n%s", scr)
	s.quit()

	rows, _ := recordedActions(t, db)
	var got []string
	for _, r := range rows {
		got = append(got, r.Type+" "+r.Target+" "+string(r.State))
	}
	if len(rows) != 3 || rows[0].Target != num || rows[0].State != monitor.ActionFailed ||
		rows[1].Target != num || rows[1].State != monitor.ActionUndone || rows[2].Type != "undo" || rows[2].Target != rows[1].ID {
		t.Fatalf("recorded %v, want the declined plan, the correction undone and its undo", got)
	}
}
