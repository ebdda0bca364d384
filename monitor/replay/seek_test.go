package replay

import (
	"context"
	"math/rand"
	"path/filepath"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/recording"
	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

func demoNight(t testing.TB, numbers int) *store.Reader {
	t.Helper()
	o := sim.DefaultOptions()
	o.Numbers = numbers
	path := recording.Demo(t, filepath.Join(t.TempDir(), "night.db"), o)
	r, err := store.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestSeekEqualsFoldFromStart seeks to random event times of the demo
// night and expects exactly the state a fold from the first event reaches.
func TestSeekEqualsFoldFromStart(t *testing.T) {
	r := demoNight(t, 40)
	ctx := context.Background()
	cfg := r.Cutover().Config
	first, last := bounds(t, r)
	rng := rand.New(rand.NewSource(6))
	targets := []int64{first - 1, first, last, last + int64(time.Hour)}
	for range 40 {
		targets = append(targets, first+rng.Int63n(last-first))
	}
	slices.Sort(targets)

	full := monitor.NewState(cfg) // folded from the start, forward only
	var pos Position
	for _, tgt := range targets {
		var err error
		pos, err = Forward(ctx, r, full, pos, func(_ int64, ev monitor.Event) bool { return ev.Time <= tgt })
		if err != nil {
			t.Fatal(err)
		}
		st, at, err := Seek(ctx, r, cfg, tgt)
		if err != nil {
			t.Fatal(err)
		}
		if at.Seq != pos.Seq {
			t.Fatalf("seek to %d stopped at seq %d, the full fold at %d", tgt, at.Seq, pos.Seq)
		}
		if got, want := st.Snapshot(), full.Snapshot(); !reflect.DeepEqual(got, want) {
			t.Fatalf("seek to %s: state differs from a fold from the start (applied %d vs %d, now %d vs %d)",
				time.Unix(0, tgt).UTC(), got.Applied, want.Applied, got.Now, want.Now)
		}
	}
	if pos.Seq == 0 || full.Snapshot().SIP < 1000 {
		t.Fatalf("the night folded too little: %+v", pos)
	}
}

// TestReplayEqualsLive compares every checkpoint in the recording, which
// is the live fold's own state, with a replay fold of the recorded events
// up to the same seq: the replayed KPIs are what was on screen live.
func TestReplayEqualsLive(t *testing.T) {
	r := demoNight(t, 40)
	ctx := context.Background()
	cks, err := r.Checkpoints()
	if err != nil {
		t.Fatal(err)
	}
	if len(cks) < 10 {
		t.Fatalf("only %d checkpoints in a 3-hour night (want one per 5 min)", len(cks))
	}
	if last, _ := r.LastSeq(); cks[len(cks)-1].Seq != last {
		t.Fatalf("the last checkpoint is at seq %d, the recording ends at %d: seeking to the end folds forward", cks[len(cks)-1].Seq, last)
	}
	st := monitor.NewState(r.Cutover().Config)
	var pos Position
	deltas := 0
	for _, ck := range cks {
		pos, err = Forward(ctx, r, st, pos, func(seq int64, _ monitor.Event) bool { return seq <= ck.Seq })
		if err != nil {
			t.Fatal(err)
		}
		live, at, err := Restore(r, r.Cutover().Config, ck.TsNs) // a full checkpoint, or a delta and its base
		if err != nil || at.Seq != ck.Seq || at.Skipped != nil {
			t.Fatalf("restore at seq %d: at %+v, %v", ck.Seq, at, err)
		}
		if _, _, blob, _, _ := r.CheckpointAtOrBefore(ck.TsNs); isDelta(blob) {
			deltas++
		}
		if !reflect.DeepEqual(st.Snapshot(), live.Snapshot()) {
			t.Fatalf("replay at seq %d differs from the live checkpoint", ck.Seq)
		}
	}
	if deltas < len(cks)/2 {
		t.Fatalf("%d of %d checkpoints are deltas: the recorder writes mostly deltas", deltas, len(cks))
	}
}

func isDelta(blob []byte) bool {
	_, ok := monitor.CheckpointDeltaBase(blob)
	return ok
}

func bounds(t testing.TB, r *store.Reader) (first, last int64) {
	t.Helper()
	err := r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if first == 0 {
			first = ev.Time
		}
		last = max(last, ev.Time)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return first, last
}

// TestSeekReadsOnlyToTheTarget seeks between the demo night's checkpoints
// and counts the events read from the recording: those after the
// checkpoint up to the target, and the first one past it that stops the
// fold, never the read-ahead's batches beyond.
func TestSeekReadsOnlyToTheTarget(t *testing.T) {
	r := demoNight(t, 40)
	cks, err := r.Checkpoints()
	if err != nil || len(cks) < 4 {
		t.Fatal("want checkpoints", err)
	}
	src := &countedEvents{Source: r}
	for i := 1; i < len(cks); i++ {
		tgt := (cks[i-1].TsNs + cks[i].TsNs) / 2
		ckSeq, _, _, _, err := r.CheckpointAtOrBefore(tgt)
		if err != nil {
			t.Fatal(err)
		}
		src.n.Store(0)
		_, pos, err := Seek(context.Background(), src, r.Cutover().Config, tgt)
		if err != nil || pos.Skipped != nil {
			t.Fatal(err, pos.Skipped)
		}
		if read, want := src.n.Load(), pos.Seq-ckSeq+1; read > want || pos.Seq <= ckSeq {
			t.Fatalf("seek between checkpoints %d and %d (to seq %d): %d events read, want %d", i-1, i, pos.Seq, read, want)
		}
	}
}

// countedEvents counts the events a Source hands out.
type countedEvents struct {
	Source
	n atomic.Int64
}

func (c *countedEvents) Events(ctx context.Context, afterSeq int64, fn func(int64, monitor.Event) error) error {
	return c.Source.Events(ctx, afterSeq, func(seq int64, ev monitor.Event) error {
		c.n.Add(1)
		return fn(seq, ev)
	})
}
