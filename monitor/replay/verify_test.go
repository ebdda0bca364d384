package replay

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/recording"
	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

// nightActions are operator actions dropped into the demo night, in event
// time order: a restore at 40 min, while most inbound calls still land on
// legacy (it misses its deadline and is verified later, when the traffic
// moves); one whose traffic never comes (a thousand calls in two minutes),
// undone at 90 min; a restore at 135 min, when the calls are on new.
func nightActions(start time.Time) []monitor.Event {
	var evs []monitor.Event
	add := func(d time.Duration, id string, st monitor.ActionState, exp *monitor.ActionExpect) {
		evs = append(evs, monitor.Event{Time: start.Add(d).UnixNano(), Kind: monitor.KindAction, Source: monitor.SourceOperator,
			Action: &monitor.ActionRecord{ID: id, Type: "restore", State: st, Target: "carrier", Operator: "dana", Expect: exp}})
	}
	onNew := &monitor.ActionExpect{Dir: monitor.DirIn, Trunks: []string{"new"}, Within: int64(5 * time.Minute), Calls: 3}
	never := &monitor.ActionExpect{Dir: monitor.DirIn, Trunks: []string{"new"}, Within: int64(2 * time.Minute), Calls: 1000}
	for _, a := range []struct {
		at  time.Duration
		id  string
		exp *monitor.ActionExpect
	}{{40 * time.Minute, "restore-late", onNew}, {70 * time.Minute, "restore-never", never}, {135 * time.Minute, "restore-moves", onNew}} {
		for i, st := range []monitor.ActionState{monitor.ActionRequested, monitor.ActionRunning, monitor.ActionDone} {
			add(a.at+time.Duration(i)*time.Second, a.id, st, a.exp)
		}
		if a.id == "restore-never" {
			add(90*time.Minute, a.id, monitor.ActionUndone, nil)
		}
	}
	return evs
}

// TestReplayWithActionsEqualsLive records a night with actions through the
// live pipeline, then checks every checkpoint (the live fold) against a
// replay, seeks against a fold from the start, and the recording's action
// projection against the fold's verdicts.
func TestReplayWithActionsEqualsLive(t *testing.T) {
	o := sim.DefaultOptions()
	o.Numbers = 20
	path := recording.Demo(t, filepath.Join(t.TempDir(), "night.db"), o, nightActions(o.Start)...)
	r, err := store.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	cfg := r.Cutover().Config
	cks, err := r.Checkpoints()
	if err != nil {
		t.Fatal(err)
	}
	full := monitor.NewState(cfg)
	var pos Position
	for _, ck := range cks {
		if pos, err = Forward(ctx, r, full, pos, func(seq int64, _ monitor.Event) bool { return seq <= ck.Seq }); err != nil {
			t.Fatal(err)
		}
		live, at, err := Restore(r, cfg, ck.TsNs) // a checkpoint restores into the recording's configuration
		if err != nil || at.Seq != ck.Seq || at.Skipped != nil {
			t.Fatalf("restore at seq %d: at %+v, %v", ck.Seq, at, err)
		}
		if got, want := full.Snapshot(), live.Snapshot(); !reflect.DeepEqual(got.Actions, want.Actions) || !reflect.DeepEqual(got, want) {
			t.Fatalf("replay at seq %d differs from the live checkpoint:\nreplay %+v\nlive   %+v", ck.Seq, got.Actions, want.Actions)
		}
	}
	for _, d := range []time.Duration{41 * time.Minute, 46 * time.Minute, 73 * time.Minute, 95 * time.Minute, 136 * time.Minute, 141 * time.Minute} {
		tgt := o.Start.Add(d).UnixNano()
		ref := monitor.NewState(cfg)
		if _, err := Forward(ctx, r, ref, Position{}, func(_ int64, ev monitor.Event) bool { return ev.Time <= tgt }); err != nil {
			t.Fatal(err)
		}
		st, _, err := Seek(ctx, r, cfg, tgt)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := st.Snapshot(), ref.Snapshot(); !reflect.DeepEqual(got, want) {
			t.Fatalf("seek to +%s: actions %+v\nwant %+v", d, got.Actions, want.Actions)
		}
	}
	want := map[string]monitor.ActionState{"restore-late": monitor.ActionVerified, "restore-never": monitor.ActionUndone,
		"restore-moves": monitor.ActionVerified}
	folded := map[string]monitor.ActionState{}
	for _, a := range full.Snapshot().Actions {
		folded[a.ID] = a.State
	}
	rows, err := r.Actions()
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]monitor.ActionState{}
	for _, a := range rows {
		recorded[a.ID] = a.State
	}
	if !reflect.DeepEqual(folded, want) || !reflect.DeepEqual(recorded, want) {
		t.Errorf("actions folded %v, recorded %v, want %v", folded, recorded, want)
	}
	alerts, err := r.Alerts()
	if err != nil {
		t.Fatal(err)
	}
	closed := map[string]int64{}
	for _, a := range alerts {
		if a.Rule == "action_unverified" {
			closed[a.Subject] = a.ClosedNs
		}
	}
	if len(closed) != 2 || closed["restore-late"] == 0 || closed["restore-never"] != o.Start.Add(90*time.Minute).UnixNano() {
		t.Errorf("action_unverified alerts closed at %v", closed)
	}
}
