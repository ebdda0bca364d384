package tui

import (
	"slices"
	"testing"

	"github.com/cutover/cutover/monitor"
)

// o moves a number's outbound calls to a trunk: when that trunk is down,
// the dialog shows it and asks for its name, even for a ported number.
func TestOutboundToADownTrunkNeedsItsName(t *testing.T) {
	t.Parallel()
	a := &fakeActor{}
	m := actorModel(t, a, 100, 30)
	m = send(m, SnapshotMsg{Snap: testSnapshot()}) // new-b down 408, codec488 CRIT
	m = press(m, "o")                              // +15551230001, completed
	scr := screen(m)
	mustContain(t, scr, "new-b (new)  OPTIONS ▼ down 408", "new-b is unhealthy", "type new-b to apply")
	m = press(m, "y", "enter")
	if len(a.applied) != 0 {
		t.Fatalf("y applied an outbound move to a trunk that is down: %v", a.applied)
	}
	m = press(m, "backspace")
	m = typeText(m, "new-b")
	press(m, "enter")
	if !slices.Equal(a.applied, []string{"plan-1"}) {
		t.Fatalf("typed the trunk's name: applied %v", a.applied)
	}
}

// An unported number on a down trunk: both warnings are shown, and the
// trunk's name is the word.
func TestOutboundGuardsBothTrunkAndNumber(t *testing.T) {
	t.Parallel()
	m := actorModel(t, &fakeActor{}, 100, 40)
	m = send(m, SnapshotMsg{Snap: testSnapshot()})
	m = press(m, "down", "down", "o") // +15551230003, in_progress
	mustContain(t, screen(m), "+15551230003 is in_progress", "new-b is unhealthy", "type new-b to apply")
}

// u undoes a failover by sending the calls back to the new trunks, and a
// restore or an outbound move by sending them back to legacy: the trunk
// they go back to is shown, and when it is down, its name is asked for.
func TestUndoGuardsTheTrunkTheCallsGoBackTo(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		typ, want, word string
	}{
		{"failover", "new-b (new)  OPTIONS ▼ down 408", "type new-b to apply"},
		{"restore", "legacy-a (legacy)", "type legacy-a to apply"}, // registration failed 403
		{"outbound", "legacy-a (legacy)", "type legacy-a to apply"},
	} {
		a := &fakeActor{}
		m := actorModel(t, a, 100, 30)
		snap := testSnapshot()
		snap.Actions = []monitor.ActionView{{ActionRecord: monitor.ActionRecord{ID: "x1", Type: c.typ, Target: "sbc-srv",
			State: monitor.ActionDone, Operator: a.Operator(), Undo: "{}"}, Requested: t0 - 9e9}}
		m = send(m, SnapshotMsg{Snap: snap})
		m = press(m, "u")
		mustContain(t, screen(m), c.want, c.word)
		press(m, "y")
		if len(a.applied) != 0 {
			t.Errorf("undo %s: y applied towards a trunk in trouble", c.typ)
		}
	}
}
