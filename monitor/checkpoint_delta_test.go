package monitor_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

func demoEvents(t *testing.T) (monitor.Config, []monitor.Event) {
	t.Helper()
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
	return sim.Config(o), evs
}

// TestCheckpointDeltaRestores folds the demo night and checkpoints it
// through a chain (a full checkpoint every 4th): every delta, applied to
// what the checkpoint before it rebuilds, must restore a fold that encodes to the same bytes as the live
// one, shows the same views, and folds the rest of the night to the same
// end. Deltas must be smaller than the full checkpoints they stand for.
func TestCheckpointDeltaRestores(t *testing.T) {
	cfg, evs := demoEvents(t)
	live := monitor.NewState(cfg)
	chain := monitor.CheckpointChain{Every: 4}
	var base []byte // what the last checkpoint rebuilds
	var baseTs int64
	var restored []*monitor.State
	deltas, deltaBytes, fullBytes := 0, 0, 0
	for i, ev := range evs {
		live.Apply(ev)
		live.Drain(nil)
		for _, r := range restored {
			r.Apply(ev)
			r.Drain(nil)
		}
		if i%(len(evs)/40) != len(evs)/90 {
			continue
		}
		blob, err := chain.Encode(live)
		if err != nil {
			t.Fatal(err)
		}
		named, isDelta := monitor.CheckpointDeltaBase(blob)
		if !isDelta {
			base, baseTs = blob, live.Now()
			continue
		}
		if named != baseTs {
			t.Fatalf("event %d: the delta names its base at %d, the base is at %d", i, named, baseTs)
		}
		back := monitor.NewState(cfg)
		if err := back.UnmarshalDelta(base, blob); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if base, err = monitor.ApplyCheckpointDelta(base, blob); err != nil {
			t.Fatal(err)
		}
		baseTs = live.Now()
		full, _ := live.MarshalBinary()
		again, _ := back.MarshalBinary()
		if !bytes.Equal(again, full) || !reflect.DeepEqual(back.Snapshot(), live.Snapshot()) {
			t.Fatalf("event %d: the fold restored from a delta differs from the live fold", i)
		}
		deltas, deltaBytes, fullBytes = deltas+1, deltaBytes+len(blob), fullBytes+len(full)
		restored = append(restored, back)
	}
	if deltas < 20 {
		t.Fatalf("only %d deltas", deltas)
	}
	t.Logf("%d deltas, %d bytes against %d in full (%.1f %%)", deltas, deltaBytes, fullBytes, 100*float64(deltaBytes)/float64(fullBytes))
	if deltaBytes >= fullBytes {
		t.Fatalf("deltas (%d bytes) are no smaller than full checkpoints (%d)", deltaBytes, fullBytes)
	}
	end, _ := live.MarshalBinary()
	for k, r := range restored {
		if got, _ := r.MarshalBinary(); !bytes.Equal(got, end) {
			t.Fatalf("delta %d folded to the end differs from the live fold", k)
		}
	}
}

// TestCheckpointDeltaRefusesDamage: a delta with any byte changed, cut
// short, or applied to another full checkpoint than its base is an error,
// never another fold; a delta is not a full checkpoint.
func TestCheckpointDeltaRefusesDamage(t *testing.T) {
	cfg, evs := demoEvents(t)
	live := monitor.NewState(cfg)
	chain := monitor.CheckpointChain{Every: 8}
	var fulls [][]byte
	var delta []byte
	for i, ev := range evs {
		live.Apply(ev)
		live.Drain(nil)
		if i == len(evs)/4 || i == len(evs)/3 || i == len(evs)/2 {
			blob, err := chain.Encode(live)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := monitor.CheckpointDeltaBase(blob); ok {
				if delta == nil {
					delta = blob // against the full one
				}
			} else {
				fulls = append(fulls, blob)
			}
		}
	}
	if len(fulls) != 1 || delta == nil { // the third is a delta of the second
		t.Fatalf("want one full checkpoint and deltas, got %d full", len(fulls))
	}
	base := fulls[0]
	if err := monitor.NewState(cfg).UnmarshalDelta(base, delta); err != nil {
		t.Fatal(err)
	}
	if err := monitor.NewState(cfg).UnmarshalBinary(delta); err == nil {
		t.Fatal("a delta restored as a full checkpoint")
	}
	other, _ := live.MarshalBinary()
	if err := monitor.NewState(cfg).UnmarshalDelta(other, delta); !errors.Is(err, monitor.ErrCorruptDelta) {
		t.Fatalf("a delta applied to another base: %v", err)
	}
	for i := 0; i < len(delta); i += max(1, len(delta)/500) {
		bad := bytes.Clone(delta)
		bad[i] ^= 0x41
		if err := monitor.NewState(cfg).UnmarshalDelta(base, bad); err == nil {
			t.Fatalf("byte %d of %d changed: restored", i, len(delta))
		}
	}
	for _, n := range []int{0, 3, 10, len(delta) / 2, len(delta) - 1} {
		if err := monitor.NewState(cfg).UnmarshalDelta(base, delta[:n]); err == nil {
			t.Fatalf("cut to %d bytes: restored", n)
		}
	}
}

// TestCheckpointDeltaNeedsTimeToMove: a delta names its base by event
// time, so a checkpoint at the same event time as the one before is full.
func TestCheckpointDeltaNeedsTimeToMove(t *testing.T) {
	cfg, evs := demoEvents(t)
	live := monitor.NewState(cfg)
	for _, ev := range evs[:len(evs)/2] {
		live.Apply(ev)
		live.Drain(nil)
	}
	chain := monitor.CheckpointChain{Every: 8}
	for i := range 3 {
		blob, err := chain.Encode(live)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := monitor.CheckpointDeltaBase(blob); ok {
			t.Fatalf("checkpoint %d at the same event time as the one before is a delta", i)
		}
	}
	ev := evs[len(evs)/2]
	live.Apply(ev)
	live.Drain(nil)
	if blob, _ := chain.Encode(live); !isDeltaBlob(blob) {
		t.Fatal("a checkpoint after the clock moved is not a delta")
	}
}

func isDeltaBlob(blob []byte) bool {
	_, ok := monitor.CheckpointDeltaBase(blob)
	return ok
}
