package action

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

func TestAuditTrail(t *testing.T) {
	var evs []monitor.Event
	clock := time.Date(2026, 11, 24, 2, 30, 0, 0, time.UTC)
	a := &Audit{Operator: "Dana (dana@noc)", Record: func(ev monitor.Event) error { evs = append(evs, ev); return nil },
		Now: func() time.Time { clock = clock.Add(time.Second); return clock }}
	plan := Plan{Diff: "- a\n+ b\n", Notes: "TTL 30s"}
	tr, err := a.Requested(Failover, "sbc-srv", plan)
	if err != nil {
		t.Fatal(err)
	}
	_ = tr.Running()
	ref := UndoRef{Actuator: "failover", Target: "sbc-srv", Request: Request{Type: Failover, Target: "sbc-srv"}}
	_ = tr.Finished(Result{ReadBack: "b", Notes: "seen by 02:31", Undo: `{"x":1}`}, nil, ref)
	_ = a.Undone(tr.Record(), "undo-1")
	if len(evs) != 4 {
		t.Fatalf("events = %d", len(evs))
	}
	var states []monitor.ActionState
	for _, ev := range evs {
		if ev.Kind != monitor.KindAction || ev.Source != "operator" || ev.Action.ID != tr.ID() || ev.Action.Operator != "Dana (dana@noc)" {
			t.Fatalf("event = %+v %+v", ev, ev.Action)
		}
		states = append(states, ev.Action.State)
	}
	if want := []monitor.ActionState{"requested", "running", "done", "undone"}; strings.Join(toStrings(states), ",") != strings.Join(toStrings(want), ",") {
		t.Errorf("states = %v", states)
	}
	done := evs[2].Action
	if done.DryRun != "- a\n+ b\nTTL 30s" || done.Result != "b\nseen by 02:31" {
		t.Errorf("done = %+v", done)
	}
	got, err := ParseUndo(done.Undo)
	if err != nil || got.Data != `{"x":1}` || got.Target != "sbc-srv" || got.Request.Type != Failover {
		t.Errorf("undo ref = %+v %v", got, err)
	}
	if !strings.HasSuffix(evs[3].Action.Result, "undone by undo-1") {
		t.Errorf("undone = %+v", evs[3].Action)
	}

	evs = nil
	tr, _ = a.Requested(Outbound, "+14155550101", Plan{})
	_ = tr.Finished(Result{}, errors.New("json-rpc htable.get: connection refused"), UndoRef{})
	if f := evs[1].Action; f.State != monitor.ActionFailed || f.Error != "json-rpc htable.get: connection refused" || f.Undo != "" {
		t.Errorf("failed = %+v", f)
	}
	if _, err := ParseUndo(""); !errors.Is(err, ErrNoUndo) {
		t.Errorf("ParseUndo(\"\") = %v", err)
	}
	if op := Operator("Dana"); !strings.HasPrefix(op, "Dana (") || !strings.Contains(op, "@") {
		t.Errorf("Operator = %q", op)
	}
}

func toStrings(s []monitor.ActionState) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}
