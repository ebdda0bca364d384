package monitor_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

// TestCheckpointRoundTrip folds the demo night and, at several points,
// restores a checkpoint: it must encode to the same bytes again, show the
// same views, and fold the rest of the night to the same end as the fold
// it was taken of. RestoreState must give the same State as UnmarshalBinary
// into NewState.
func TestCheckpointRoundTrip(t *testing.T) {
	o := sim.DefaultOptions()
	var evs []monitor.Event
	for night := sim.New(o); ; {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if ev.SIP != nil {
			ev.SIP.Decode(sipparse.Parse)
		}
		evs = append(evs, ev)
	}
	cfg := sim.Config(o)
	cfg.Thresholds = monitor.Thresholds{} // the defaults, as a file without thresholds
	live := monitor.NewState(cfg)
	var restored []*monitor.State
	for i, ev := range evs {
		live.Apply(ev)
		live.Drain(nil)
		for _, r := range restored {
			r.Apply(ev)
			r.Drain(nil)
		}
		if i%(len(evs)/7) != len(evs)/20 {
			continue
		}
		blob, err := live.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		back := monitor.NewState(cfg)
		if err := back.UnmarshalBinary(blob); err != nil {
			t.Fatal(err)
		}
		quick, err := monitor.RestoreState(cfg, blob) // what a seek restores into
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(quick, back) {
			t.Fatalf("event %d: RestoreState gives another fold than UnmarshalBinary into NewState", i)
		}
		again, err := back.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, blob) {
			t.Fatalf("event %d: a restored checkpoint encodes to other bytes (%d vs %d)", i, len(again), len(blob))
		}
		if !reflect.DeepEqual(back.Snapshot(), live.Snapshot()) {
			t.Fatalf("event %d: a restored checkpoint shows another view", i)
		}
		restored = append(restored, back)
	}
	if len(restored) < 5 || live.Snapshot().SIP < 10_000 {
		t.Fatalf("the night was too short: %d checkpoints, %d SIP", len(restored), live.Snapshot().SIP)
	}
	end, _ := live.MarshalBinary()
	for k, r := range restored {
		got, _ := r.MarshalBinary()
		if !bytes.Equal(got, end) || !reflect.DeepEqual(r.Snapshot(), live.Snapshot()) {
			t.Fatalf("checkpoint %d folded to the end differs from the live fold", k)
		}
	}
}
