package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/cutover/cutover/monitor"
)

// fakeActor records what the screen asks of it; applying appends the
// action to the snapshot the test feeds back, as the fold would.
type fakeActor struct {
	mu       sync.Mutex
	targets  []string
	planned  []ActionRequest
	applied  []string
	declined []string
	planErr  error
	applyErr error // Apply's answer for the first plan it applies
	noChange bool
}

func (a *fakeActor) Operator() string  { return "Dana (dana@noc)" }
func (a *fakeActor) Targets() []string { return a.targets }

func (a *fakeActor) Plan(_ context.Context, req ActionRequest) (ActionPlan, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.planned = append(a.planned, req)
	if a.planErr != nil {
		return ActionPlan{}, a.planErr
	}
	if a.noChange {
		return ActionPlan{NoChange: true}, nil
	}
	id := fmt.Sprintf("plan-%d", len(a.planned))
	diff := "_sip._udp.porting.test. SRV (" + req.Type + " " + req.Target + ")\n- 10 50 5060 sbc-a.porting.test.\n+ 20 50 5060 sbc-a.porting.test.\n"
	return ActionPlan{ID: id, Diff: diff, Notes: "resolvers see it within TTL 30s"}, nil
}

func (a *fakeActor) Apply(_ context.Context, id string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.applied = append(a.applied, id)
	if err := a.applyErr; err != nil {
		a.applyErr = nil
		return "action-" + id, err
	}
	return "action-" + id, nil
}

func (a *fakeActor) Decline(_ context.Context, id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.declined = append(a.declined, id)
	return nil
}

// actorModel is a screen acting through a, both trunks healthy (see
// healthySnapshot).
func actorModel(t *testing.T, a *fakeActor, w, h int) Model {
	t.Helper()
	m := newTestModel(t, Options{Mode: ModeLive, Actor: a}, w, h)
	return send(m, SnapshotMsg{Snap: healthySnapshot(), Stats: testStats()})
}

// A stray key never applies: Enter, Esc, n, N, q, space and any other key
// decline the dry run (and the decline is recorded); only y applies.
func TestDialogDefaultsToNo(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"enter", "esc", "n", "N", "q", "space", "x", "f", "tab", "ctrl+c"} {
		a := &fakeActor{targets: []string{"sbc-srv"}}
		m := actorModel(t, a, 80, 24)
		m = press(m, "f")
		scr := screen(m)
		mustContain(t, scr, "FAIL OVER", "- 10 50 5060 sbc-a.porting.test.", "+ 20 50 5060", "Apply? y / N", "TTL 30s")
		m = press(m, k)
		if len(a.applied) != 0 || !slices.Equal(a.declined, []string{"plan-1"}) {
			t.Fatalf("%s: applied %v, declined %v", k, a.applied, a.declined)
		}
		if m.dlg != nil {
			t.Fatalf("%s: the dialog stayed open", k)
		}
		mustContain(t, screen(m), "declined: nothing changed")
	}
}

func TestDialogYApplies(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"y", "Y"} {
		a := &fakeActor{targets: []string{"sbc-srv"}}
		m := actorModel(t, a, 80, 24)
		m = press(m, "f", "down", "up", k) // the arrows scroll, they do not decline
		if !slices.Equal(a.applied, []string{"plan-1"}) || len(a.declined) != 0 {
			t.Fatalf("%s: applied %v, declined %v", k, a.applied, a.declined)
		}
		if m.dlg != nil || !m.showActions {
			t.Fatalf("%s: dialog %v, actions pane shown %v", k, m.dlg, m.showActions)
		}
		mustContain(t, screen(m), "done: failover sbc-srv", "ACTIONS")
		if got := a.planned[0]; got.Type != "failover" || got.Target != "sbc-srv" {
			t.Fatalf("planned %+v", got)
		}
	}
}

// F restores; with two targets a chooser comes first, Enter there only
// plans (it never applies), and "every target" plans both.
func TestRestoreChoosesTarget(t *testing.T) {
	t.Parallel()
	a := &fakeActor{targets: []string{"sbc-srv", "sbc-dispatcher"}}
	m := actorModel(t, a, 80, 24)
	m = press(m, "F")
	mustContain(t, screen(m), "RESTORE", "sbc-srv", "sbc-dispatcher", "every target (2)")
	if len(a.planned) != 0 {
		t.Fatalf("planned before choosing: %v", a.planned)
	}
	m = press(m, "down", "down", "enter")
	if len(a.planned) != 2 || a.planned[0].Type != "restore" || a.planned[1].Target != "sbc-dispatcher" {
		t.Fatalf("planned %+v", a.planned)
	}
	mustContain(t, screen(m), "restore sbc-srv", "restore sbc-dispatcher", "Apply? y / N")
	m = press(m, "enter")
	if len(a.applied) != 0 || len(a.declined) != 2 {
		t.Fatalf("enter: applied %v declined %v", a.applied, a.declined)
	}
	m = press(m, "F", "esc") // esc in the chooser: nothing planned
	if len(a.planned) != 2 || m.dlg != nil {
		t.Fatalf("esc in the chooser planned %v", a.planned)
	}
}

// When one of several confirmed plans fails, the ones after it are not
// applied, and are recorded as declined: every confirmed plan is audited.
func TestFailedApplyDeclinesTheRest(t *testing.T) {
	t.Parallel()
	a := &fakeActor{targets: []string{"sbc-srv", "sbc-dispatcher"}, applyErr: errors.New("refused: NOTAUTH")}
	m := actorModel(t, a, 80, 24)
	m = press(m, "f", "down", "down", "enter", "y")
	if !slices.Equal(a.applied, []string{"plan-1"}) || !slices.Equal(a.declined, []string{"plan-2"}) {
		t.Fatalf("applied %v, declined %v", a.applied, a.declined)
	}
	mustContain(t, screen(m), "NOTAUTH")
}

// f on the selected trunk names its most severe open alert.
func TestFailoverPromptedByTrunkAlert(t *testing.T) {
	t.Parallel()
	a := &fakeActor{targets: []string{"sbc-srv"}}
	m := actorModel(t, a, 80, 24)
	m = press(m, "shift+tab", "down", "f") // trunks pane, new-b
	if m.focus != focusTrunks || len(a.planned) != 1 || a.planned[0].Prompted != "codec488:new-b" {
		t.Fatalf("focus %v planned %+v", m.focus, a.planned)
	}
}

// o moves the selected number, else every split-brain number, to the
// trunk of role new.
func TestOutbound(t *testing.T) {
	t.Parallel()
	a := &fakeActor{}
	m := actorModel(t, a, 80, 24)
	m = press(m, "o", "esc")
	if len(a.planned) != 1 || a.planned[0] != (ActionRequest{Type: "outbound", Target: "+15551230001", To: "new-b"}) {
		t.Fatalf("o on the selected number: %+v", a.planned)
	}
	snap := healthySnapshot()
	for _, n := range []string{"+15551230002", "+15551230003"} {
		snap.Alerts = append(snap.Alerts, monitor.AlertView{AlertChange: monitor.AlertChange{Rule: "split_brain", Subject: n, Open: true, Severity: monitor.SevCritical}})
	}
	m = send(m, SnapshotMsg{Snap: snap})
	m = press(m, "tab", "o") // the feed is focused: every split-brain number
	mustContain(t, screen(m), "OUTBOUND 2 split-brain numbers", "outbound +15551230002", "outbound +15551230003")
	got := a.planned[1:]
	if len(got) != 2 || got[0].Prompted != "split_brain:+15551230002" || got[1].To != "new-b" {
		t.Fatalf("o on the split-brain numbers: %+v", got)
	}
}

// u plans the undo of the operator's newest action that changed
// something; another operator's actions, undos and undone ones are left.
func TestUndoLastOfMine(t *testing.T) {
	t.Parallel()
	a := &fakeActor{}
	m := actorModel(t, a, 80, 24)
	m = press(m, "u")
	mustContain(t, screen(m), "no action of yours to undo")
	snap := healthySnapshot()
	me, other := a.Operator(), "Sam (sam@noc)"
	snap.Actions = []monitor.ActionView{
		{ActionRecord: monitor.ActionRecord{ID: "f1", Type: "failover", Target: "sbc-srv", State: monitor.ActionUnverified, Operator: me, Undo: "{}"}, Requested: t0 - 9e9},
		{ActionRecord: monitor.ActionRecord{ID: "f2", Type: "failover", Target: "sbc-b", State: monitor.ActionUndone, Operator: me, Undo: "{}"}, Requested: t0 - 8e9},
		{ActionRecord: monitor.ActionRecord{ID: "u1", Type: "undo", Target: "f2", State: monitor.ActionDone, Operator: me, Undo: "{}"}, Requested: t0 - 7e9},
		{ActionRecord: monitor.ActionRecord{ID: "f3", Type: "failover", Target: "sbc-c", State: monitor.ActionDone, Operator: other, Undo: "{}"}, Requested: t0 - 6e9},
		{ActionRecord: monitor.ActionRecord{ID: "f4", Type: "failover", Target: "sbc-d", State: monitor.ActionFailed, Operator: me, Error: "refused"}, Requested: t0 - 5e9},
	}
	m = send(m, SnapshotMsg{Snap: snap})
	m = press(m, "u")
	if len(a.planned) != 1 || a.planned[0].Type != "undo" || a.planned[0].Target != "f1" || a.planned[0].Undo.ID != "f1" {
		t.Fatalf("u planned %+v", a.planned)
	}
	mustContain(t, screen(m), "UNDO failover sbc-srv (f1)", "Apply? y / N")
	m = press(m, "y")
	if !slices.Equal(a.applied, []string{"plan-1"}) {
		t.Fatalf("applied %v", a.applied)
	}
	// A failed action that changed something (its read-back failed) has
	// undo data: u offers it, not the older one.
	next := *snap // each snapshot is a new one
	next.Actions = append(slices.Clone(snap.Actions), monitor.ActionView{ActionRecord: monitor.ActionRecord{ID: "f5", Type: "failover", Target: "sbc-e",
		State: monitor.ActionFailed, Operator: me, Error: "read-back does not show the change", Undo: "{}"}, Requested: t0 - 4e9})
	m = send(m, SnapshotMsg{Snap: &next})
	press(m, "u")
	if last := a.planned[len(a.planned)-1]; last.Target != "f5" {
		t.Fatalf("u after a half-failed action planned %+v", last)
	}
}

// A failed plan and a plan with nothing to change are shown, not asked.
func TestPlanErrorAndNoChange(t *testing.T) {
	t.Parallel()
	a := &fakeActor{targets: []string{"sbc-srv"}, planErr: errors.New(`TSIG key "ddns-key" was not accepted`)}
	m := actorModel(t, a, 80, 24)
	m = press(m, "f")
	scr := screen(m)
	mustContain(t, scr, "dry run failed, nothing changed: TSIG key", "any key closes")
	mustNotContain(t, scr, "Apply?")
	m = press(m, "y") // y closes it: there is nothing to apply
	if len(a.applied) != 0 || m.dlg != nil {
		t.Fatalf("applied %v after a failed plan", a.applied)
	}
	a.planErr, a.noChange = nil, true
	m = press(m, "f")
	mustContain(t, screen(m), "nothing to change")
	mustNotContain(t, screen(m), "Apply?")
	press(m, "y")
	if len(a.applied) != 0 || len(a.declined) != 0 {
		t.Fatalf("no change: applied %v declined %v", a.applied, a.declined)
	}
}

// Without an Actor (read-only, replay, demo) the keys are off, the help
// does not offer them, and pressing one says why.
func TestActionKeysOffWithoutActor(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{Mode: ModeLive, ReadOnly: true, NoActions: "read-only: started with --read-only"}, 80, 24)
	scr := screen(m)
	mustContain(t, scr, "READ-ONLY")
	mustNotContain(t, scr, "fail over")
	for _, k := range []string{"f", "F", "o", "u"} {
		m2 := press(m, k)
		if m2.dlg != nil {
			t.Fatalf("%s opened a dialog", k)
		}
		mustContain(t, screen(m2), "read-only: started with --read-only")
	}
	on := actorModel(t, &fakeActor{targets: []string{"x"}}, 200, 50)
	mustContain(t, screen(on), "f fail over", "F restore")
	mustNotContain(t, screen(on), "READ-ONLY")
}

// The actions pane lists every action newest first, coloured by state,
// with its progress or error; a toggles it with the alerts; Enter opens
// the action's detail.
func TestActionsPane(t *testing.T) {
	t.Parallel()
	snap := testSnapshot()
	snap.Actions = []monitor.ActionView{
		{ActionRecord: monitor.ActionRecord{ID: "failover-1", Type: "failover", Target: "sbc-srv", State: monitor.ActionUndone, Operator: "dana@noc",
			DryRun: "- 10 50 5060 sbc-a.porting.test.", Result: "20 50 5060 sbc-a.porting.test.", Undo: "{}"}, Requested: t0 - int64(3*time.Minute)},
		{ActionRecord: monitor.ActionRecord{ID: "outbound-2", Type: "outbound", Target: "+15551230002", State: monitor.ActionFailed, Operator: "dana@noc", Error: "refused: 403"}, Requested: t0 - int64(2*time.Minute)},
		{ActionRecord: monitor.ActionRecord{ID: "undo-3", Type: "undo", Target: "failover-1", State: monitor.ActionUnverified, Operator: "dana@noc"}, Requested: t0 - int64(time.Minute),
			Progress: "1 of 3 calls on legacy-a, 2m left"},
	}
	for _, size := range [][2]int{{80, 24}, {200, 50}} {
		m := newTestModel(t, Options{Mode: ModeLive}, size[0], size[1])
		m = send(m, SnapshotMsg{Snap: snap})
		mustContain(t, screen(m), "ALERTS")
		m = press(m, "a")
		scr := screen(m)
		mustContain(t, scr, "ACTIONS & NOTES  3 actions · 0 notes")
		lines := strings.Split(scr, "\n")
		if len(lines) != size[1] {
			t.Fatalf("%v: %d lines", size, len(lines))
		}
		first := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "↶ sbc-srv") })
		undone := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "undone") })
		if first < 0 || undone < first {
			t.Fatalf("%v: not newest first:\n%s", size, scr)
		}
		mustContain(t, lineWith(t, scr, "outbound"), "failed", "refused: 403")
		mustContain(t, lineWith(t, scr, "unverified"), "1 of 3 calls")
		for m.focus != focusAlerts {
			m = press(m, "tab")
		}
		m = press(m, "down", "down", "enter")
		mustContain(t, screen(m), "ACTION failover-1", "dry run", "- 10 50 5060 sbc-a.porting.test.", "read back", "already undone")
	}
}

// Notes are in the operators' log with the actions, newest first: the
// recording's and a replay's side notes up to the screen's clock (a side
// note later than the clock is not shown yet); Enter shows one whole.
func TestNotesInTheLog(t *testing.T) {
	t.Parallel()
	snap := testSnapshot()
	snap.Actions = []monitor.ActionView{{ActionRecord: monitor.ActionRecord{ID: "failover-1", Type: "failover", Target: "sbc-srv",
		State: monitor.ActionVerified, Operator: "dana@noc"}, Requested: t0 - int64(2*time.Minute)}}
	snap.Notes = []monitor.NoteView{{Time: t0 - int64(3*time.Minute), Note: monitor.Note{Author: "dana@noc", Text: "legacy NOC confirms the outage"}}}
	side := []monitor.NoteView{
		{Time: t0 - int64(time.Minute), Note: monitor.Note{Author: "sam@pm", Text: "post-mortem: the 503s began\nbefore the SRV change"}},
		{Time: t0 + int64(time.Minute), Note: monitor.Note{Author: "sam@pm", Text: "not yet on screen"}},
	}
	m := newTestModel(t, Options{Mode: ModeReplay, SideNotes: func() []monitor.NoteView { return side }}, 80, 24)
	m = send(m, SnapshotMsg{Snap: snap})
	m = press(m, "a")
	scr := screen(m)
	mustContain(t, scr, "ACTIONS & NOTES  1 action · 2 notes")
	mustNotContain(t, scr, "not yet on screen")
	lines := strings.Split(scr, "\n")
	pm := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "post-mortem: the 503s began before") })
	act := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "verified") })
	noc := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "legacy NOC confirms") })
	if pm < 0 || act < pm || noc < act {
		t.Fatalf("not newest first (%d %d %d):\n%s", pm, act, noc, scr)
	}
	for m.focus != focusAlerts {
		m = press(m, "tab")
	}
	m = press(m, "enter")
	mustContain(t, screen(m), "NOTE", "sam@pm", "post-mortem: the 503s began", "before the SRV change")
}

// The dialog and the actions pane fit 80×24: every line is 80 wide, and a
// long dry run scrolls.
func TestDialogFits80x24(t *testing.T) {
	t.Parallel()
	a := &longActor{fakeActor{targets: []string{"sbc-srv"}}}
	m := newTestModel(t, Options{Mode: ModeLive, Actor: a}, 80, 24)
	m = send(m, SnapshotMsg{Snap: healthySnapshot(), Stats: testStats()})
	m = press(m, "f")
	scr := screen(m)
	lines := strings.Split(scr, "\n")
	if len(lines) != 24 {
		t.Fatalf("%d lines:\n%s", len(lines), scr)
	}
	for i, l := range lines {
		if w := len([]rune(l)); w != 80 {
			t.Errorf("line %d is %d wide: %q", i, w, l)
		}
	}
	mustContain(t, scr, "line 1 of the diff", "1–13/43 ↑/↓", "Apply? y / N") // the trunk's state, a blank, the 41 lines
	mustNotContain(t, scr, "line 40 of the diff")
	m = press(m, "down", "down", "down", "down", "down")
	mustContain(t, screen(m), "line 4 of the diff")
	mustNotContain(t, screen(m), "line 1 of the diff")
}

type longActor struct{ fakeActor }

func (a *longActor) Plan(ctx context.Context, req ActionRequest) (ActionPlan, error) {
	p, err := a.fakeActor.Plan(ctx, req)
	var b strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "line %d of the diff\n", i)
	}
	p.Diff, p.Notes = b.String(), "TTL 30s"
	return p, err
}

// Esc while the dry run is under way abandons it: the plan that arrives
// afterwards is declined, never shown or applied.
func TestAbandonWhilePlanning(t *testing.T) {
	t.Parallel()
	a := &fakeActor{targets: []string{"sbc-srv"}}
	m := actorModel(t, a, 80, 24)
	next, cmd := m.Update(keyMsg("f"))
	m = next.(Model)
	mustContain(t, screen(m), "planning…")
	m = press(m, "y") // keys other than esc wait: y does not apply a plan not yet shown
	mustContain(t, screen(m), "planning…")
	m = press(m, "esc")
	mustContain(t, screen(m), "abandoned: nothing changed")
	m = send(m, cmd()) // the plan comes in late
	if len(a.applied) != 0 || !slices.Equal(a.declined, []string{"plan-1"}) || m.dlg != nil {
		t.Fatalf("applied %v declined %v dialog %v", a.applied, a.declined, m.dlg)
	}
}

// Through a real program: f shows the dry run, Enter declines, f and y
// apply; the snapshot the fold sends next shows the action in the pane.
// The golden is the 80×24 screen at the end.
func TestFlowActDialog(t *testing.T) {
	t.Parallel()
	a := &fakeActor{targets: []string{"sbc-srv"}}
	f := startFlow(t, Options{Mode: ModeLive, RecordingPath: "night.db", Actor: a}, 80, 24)
	f.keys("f") // legacy-a's registration failed: its name is asked for
	f.waitFor("FAIL OVER to the legacy provider", "registration failed 403", "type legacy-a to apply")
	f.keys("enter")
	f.waitFor("declined: nothing changed")
	f.keys("f")
	f.waitFor("type legacy-a to apply")
	f.keys(strings.Split("legacy-a", "")...)
	f.keys("enter")
	f.waitFor("done: failover sbc-srv", "ACTIONS")
	snap := testSnapshot()
	snap.Actions = []monitor.ActionView{
		{ActionRecord: monitor.ActionRecord{ID: "failover-a", Type: "failover", Target: "sbc-srv", State: monitor.ActionDeclined, Operator: "Dana (dana@noc)"}, Requested: t0 - 4e9},
		{ActionRecord: monitor.ActionRecord{ID: "failover-b", Type: "failover", Target: "sbc-srv", State: monitor.ActionUnverified, Operator: "Dana (dana@noc)", Undo: "{}"}, Requested: t0 - 2e9,
			Progress: "1 of 3 calls on legacy-a, 1m58s left"},
	}
	f.tm.Send(SnapshotMsg{Snap: snap, Stats: testStats()})
	f.waitFor("unverified", "1 of 3 calls")
	if !slices.Equal(a.applied, []string{"plan-2"}) || !slices.Equal(a.declined, []string{"plan-1"}) {
		t.Errorf("applied %v declined %v", a.applied, a.declined)
	}
	golden.RequireEqual(t, f.quit())
}

// Stacked, the actions pane hides the feed: a focused feed hands its
// focus to the actions pane, and tab skips the hidden feed.
func TestActionsPaneTakesTheFeedsFocus(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{Mode: ModeLive}, 80, 24)
	m = press(m, "tab") // the feed
	if m.focus != focusFeed {
		t.Fatalf("focus %v", m.focus)
	}
	m = press(m, "a")
	if m.focus != focusAlerts || m.focused() != pane(m.actions) {
		t.Fatalf("after a: focus %v", m.focus)
	}
	for range 4 {
		if m = press(m, "tab"); m.focus == focusFeed {
			t.Fatal("tab reached the hidden feed")
		}
	}
}

// A declined action is muted in the actions pane, not red like a
// failure, and u passes over it.
func TestDeclinedIsMutedAndNotUndone(t *testing.T) {
	t.Parallel()
	a := &fakeActor{}
	snap := testSnapshot()
	me := a.Operator()
	snap.Actions = []monitor.ActionView{
		{ActionRecord: monitor.ActionRecord{ID: "f1", Type: "failover", Target: "sbc-srv", State: monitor.ActionDone, Operator: me, Undo: "{}"}, Requested: t0 - 9e9},
		{ActionRecord: monitor.ActionRecord{ID: "f2", Type: "failover", Target: "sbc-b", State: monitor.ActionDeclined, Operator: me, Undo: "{}"}, Requested: t0 - 8e9},
		// as a decline was recorded before it had a state of its own
		{ActionRecord: monitor.ActionRecord{ID: "f3", Type: "failover", Target: "sbc-old", State: monitor.ActionFailed, Operator: me, Error: "declined by the operator"}, Requested: t0 - 7e9},
	}
	m := actorModel(t, a, 120, 30)
	m = send(m, SnapshotMsg{Snap: snap})
	m = press(m, "a")
	mustContain(t, lineWith(t, screen(m), "sbc-b"), "declined")
	mustContain(t, lineWith(t, screen(m), "sbc-old"), "declined")
	mustNotContain(t, lineWith(t, screen(m), "sbc-old"), "failed")
	st := m.c.st
	if got := m.actions.cell(logEntry{act: &snap.Actions[1]}, column{id: xcState}); got.styled != st.Muted.Render("declined") {
		t.Fatalf("declined drawn %q, want it muted", got.styled)
	}
	if raw := m.View().Content; strings.Contains(raw, st.Bad.Render("declined")) {
		t.Fatal("declined drawn red")
	}
	press(m, "u")
	if len(a.planned) != 1 || a.planned[0].Target != "f1" {
		t.Fatalf("u planned %+v, want the done f1, not the declined f2", a.planned)
	}
}

// healthySnapshot is testSnapshot with both trunks up and registered and
// no critical alert open: f and F ask only y.
func healthySnapshot() *monitor.Snapshot {
	snap := testSnapshot()
	snap.Trunks[0].Registration, snap.Trunks[0].RegCode = monitor.RegRegistered, 0
	snap.Trunks[1].OptionsUp, snap.Trunks[1].OptionsCode, snap.Trunks[1].OptionsRTT = 1, 0, 31*time.Millisecond
	snap.Alerts[0].Severity = monitor.SevWarning
	return snap
}

// downSnapshot is the demo around 01:31: legacy is down 408 with
// timeout_burst (CRIT) and ner_drop open on it.
func downSnapshot() *monitor.Snapshot {
	snap := healthySnapshot()
	snap.Trunks[0].OptionsUp, snap.Trunks[0].OptionsCode = -1, 408
	snap.Alerts = append(snap.Alerts,
		monitor.AlertView{AlertChange: monitor.AlertChange{Rule: "timeout_burst", Subject: "legacy-a", Open: true, Severity: monitor.SevCritical,
			Message: "12 of 20 INVITEs timed out"}, Opened: t0 - 6e10},
		monitor.AlertView{AlertChange: monitor.AlertChange{Rule: "ner_drop", Subject: "legacy-a", Open: true, Severity: monitor.SevWarning,
			Message: "NER 40 %"}, Opened: t0 - 5e10})
	return snap
}

// Failing over to a trunk that is down shows its OPTIONS, registration
// and open alerts, and asks for its name: y (typed, or alone) does not
// apply, a wrong name does not, esc declines; the name applies.
func TestFailoverToADownTrunkNeedsItsName(t *testing.T) {
	t.Parallel()
	a := &fakeActor{targets: []string{"sbc-srv"}}
	m := actorModel(t, a, 100, 30)
	m = send(m, SnapshotMsg{Snap: downSnapshot()})
	m = press(m, "f")
	scr := screen(m)
	mustContain(t, scr, "legacy-a", "▼ down 408", "timeout_burst", "ner_drop", "type legacy-a to apply")
	mustNotContain(t, scr, "Apply? y / N")
	m = press(m, "y", "enter")
	if len(a.applied) != 0 || m.dlg == nil {
		t.Fatalf("y applied a failover to a trunk that is down: applied %v", a.applied)
	}
	mustContain(t, screen(m), "does not match")
	m = press(m, "backspace")
	m = typeText(m, "legacy-a")
	m = press(m, "enter")
	if !slices.Equal(a.applied, []string{"plan-1"}) || len(a.declined) != 0 {
		t.Fatalf("typed the name: applied %v declined %v", a.applied, a.declined)
	}
	m = press(m, "f")
	m = typeText(m, "legacy")
	m = press(m, "esc")
	if !slices.Equal(a.declined, []string{"plan-2"}) || m.dlg != nil {
		t.Fatalf("esc: declined %v", a.declined)
	}
	m = press(m, "f", "enter") // nothing typed: declined, as with y / N
	if !slices.Equal(a.declined, []string{"plan-2", "plan-3"}) {
		t.Fatalf("enter on nothing typed: declined %v", a.declined)
	}
}

// A healthy target still shows its state, and y applies; F looks at the
// new trunks, f at the legacy ones.
func TestFailoverShowsTheTargetsHealth(t *testing.T) {
	t.Parallel()
	a := &fakeActor{targets: []string{"sbc-srv"}}
	m := actorModel(t, a, 100, 30)
	m = send(m, SnapshotMsg{Snap: downSnapshot()})
	m = press(m, "F") // the new trunk is up: y applies
	mustContain(t, screen(m), "new-b (new)  OPTIONS ▲ up 31ms", "✓ 30m", "Apply? y / N")
	mustNotContain(t, screen(m), "legacy-a (legacy)", "⚠")
	m = press(m, "y")
	if !slices.Equal(a.applied, []string{"plan-1"}) {
		t.Fatalf("applied %v", a.applied)
	}
	snap := testSnapshot() // new-b down 408 with codec488 CRIT, legacy-a registration failed 403
	m = send(m, SnapshotMsg{Snap: snap})
	m = press(m, "F")
	mustContain(t, screen(m), "type new-b to apply", "codec488")
	m = press(m, "esc", "f")
	mustContain(t, screen(m), "✗ failed 403", "type legacy-a to apply")
}

// o on a number whose port is not complete says so, and asks for the
// number's last 4 digits (or the whole number).
func TestOutboundOnAnUnportedNumberNeedsItsDigits(t *testing.T) {
	t.Parallel()
	a := &fakeActor{}
	m := actorModel(t, a, 100, 30)
	m = press(m, "down", "down", "o") // +15551230003, in_progress
	if len(a.planned) != 1 || a.planned[0].Target != "+15551230003" {
		t.Fatalf("planned %+v", a.planned)
	}
	scr := screen(m)
	mustContain(t, scr, "+15551230003 is in_progress: its calls may still belong to the legacy provider", "type 0003 to apply")
	m = press(m, "y", "enter")
	if len(a.applied) != 0 {
		t.Fatalf("y applied: %v", a.applied)
	}
	m = press(m, "backspace")
	m = typeText(m, "0003")
	m = press(m, "enter")
	if !slices.Equal(a.applied, []string{"plan-1"}) {
		t.Fatalf("typed 0003: applied %v", a.applied)
	}
	m = press(m, "o")
	m = typeText(m, "+15551230003")
	m = press(m, "enter")
	if !slices.Equal(a.applied, []string{"plan-1", "plan-2"}) {
		t.Fatalf("typed the whole number: applied %v", a.applied)
	}
	m = press(m, "up", "up", "o") // +15551230001, completed: y
	mustContain(t, screen(m), "Apply? y / N")
	mustNotContain(t, screen(m), "may still belong")
	press(m, "y")
	if len(a.applied) != 3 {
		t.Fatalf("a ported number: applied %v", a.applied)
	}
}
