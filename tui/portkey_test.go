package tui

import (
	"slices"
	"testing"
)

// p on the selected number offers each state for the number and for its
// port request (with how many numbers it sets); Enter only plans the
// chosen one, and only y applies it.
func TestPortKeyOnSelectedNumber(t *testing.T) {
	t.Parallel()
	a := &fakeActor{}
	m := actorModel(t, a, 80, 24)
	m = press(m, "p")
	mustContain(t, screen(m), "PORT STATE", "pending · +15551230001 (now completed)")
	if len(a.planned) != 0 || m.dlg == nil {
		t.Fatalf("planned before choosing: %v", a.planned)
	}
	m = press(m, "down", "down", "down") // completed, for the number
	mustContain(t, screen(m), "▶ completed · +15551230001")
	m = press(m, "enter")
	want := ActionRequest{Type: "port", Target: "+15551230001", To: "completed"}
	if len(a.planned) != 1 || a.planned[0] != want || len(a.applied) != 0 {
		t.Fatalf("planned %+v applied %v", a.planned, a.applied)
	}
	mustContain(t, screen(m), "Apply? y / N")
	m = press(m, "y")
	if !slices.Equal(a.applied, []string{"plan-1"}) || len(a.declined) != 0 || m.dlg != nil {
		t.Fatalf("applied %v declined %v", a.applied, a.declined)
	}
	mustContain(t, screen(m), "done: port +15551230001 → completed")

	m = press(m, "p")
	for range 6 + 5 { // the port request's cancelled, after the number's six
		m = press(m, "down")
	}
	mustContain(t, screen(m), "▶ cancelled · port request PR-1 (2 numbers)")
	m = press(m, "enter")
	if got := a.planned[1]; got != (ActionRequest{Type: "port", Target: "PR-1", To: "cancelled"}) {
		t.Fatalf("planned %+v", got)
	}
}

// Only y applies: Enter, Esc, n and any other key at the dry run decline
// it, and the decline is recorded; Esc in the chooser plans nothing.
func TestPortKeyDeclines(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"enter", "esc", "n", "N", "p", "x"} {
		a := &fakeActor{}
		m := actorModel(t, a, 80, 24)
		m = press(m, "p", "enter") // pending, for the number
		mustContain(t, screen(m), "Apply? y / N")
		m = press(m, k)
		if len(a.applied) != 0 || !slices.Equal(a.declined, []string{"plan-1"}) || m.dlg != nil {
			t.Fatalf("%s: applied %v declined %v", k, a.applied, a.declined)
		}
		mustContain(t, screen(m), "declined: nothing changed")
	}
	a := &fakeActor{}
	m := press(actorModel(t, a, 80, 24), "p", "esc")
	if len(a.planned) != 0 || len(a.declined) != 0 || m.dlg != nil {
		t.Fatalf("esc in the chooser: planned %v", a.planned)
	}
}

// A numbers filter like +1555123* names many numbers: p offers them
// (saying how many), the selected number first; the pane shows the same
// numbers. A port request id typed as the filter is a target too.
func TestPortKeyOnFilter(t *testing.T) {
	t.Parallel()
	a := &fakeActor{}
	m := actorModel(t, a, 200, 50)
	m = press(m, "/")
	m = typeText(m, "+155512300*")
	m = press(m, "enter")
	if got := m.numbers.rows; len(got) != 3 {
		t.Fatalf("the filter +155512300* shows %d numbers", len(got))
	}
	m = press(m, "p")
	mustContain(t, screen(m), "completed · +155512300* (3 numbers)", "completed · +15551230001 (now completed)", "port request PR-1 (2 numbers)")
	for range 6 + 3 {
		m = press(m, "down")
	}
	m = press(m, "enter", "y")
	if len(a.planned) != 1 || a.planned[0] != (ActionRequest{Type: "port", Target: "+155512300*", To: "completed"}) || len(a.applied) != 1 {
		t.Fatalf("planned %+v applied %v", a.planned, a.applied)
	}

	m = press(m, "esc", "/")
	m = typeText(m, "PR-2")
	m = press(m, "enter", "p")
	mustContain(t, screen(m), "PORT STATE +15551230003 (now in_progress)") // the filter names the selected number only
}

// Off the numbers pane with no filter, p says what it needs; without an
// Actor it says why there are no actions.
func TestPortKeyNeedsATarget(t *testing.T) {
	t.Parallel()
	a := &fakeActor{}
	m := press(actorModel(t, a, 80, 24), "tab", "p")
	if m.dlg != nil || len(a.planned) != 0 {
		t.Fatal("p off the numbers pane opened a dialog")
	}
	mustContain(t, screen(m), "p: select a number")
	off := press(newTestModel(t, Options{Mode: ModeLive, NoActions: "no [actions] in x.toml"}, 80, 24), "p")
	if off.dlg != nil {
		t.Fatal("p without an Actor opened a dialog")
	}
	mustContain(t, screen(off), "no [actions] in x.toml")
}
