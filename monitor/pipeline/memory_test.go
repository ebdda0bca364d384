package pipeline

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
)

// A source that waits (PublishWait) never fills more than WaitQueue of
// the queue: its events would only sit there, about 1 KB each, while
// Publish's live bursts keep the whole QueueSize.
func TestPublishWaitHoldsAtMostWaitQueue(t *testing.T) {
	rec := &memRecorder{gate: make(chan struct{})} // the fold stops at its first batch
	p := New(monitor.NewState(testConfig()), Options{QueueSize: 256, WaitQueue: 8, BatchSize: 4, Recorder: rec})
	errc := run(t, p)
	evs := night(100)
	done := make(chan error, 1)
	go func() {
		for _, ev := range evs {
			if err := p.PublishWait(context.Background(), ev); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	// The fold holds a batch at the stuck recorder; the source fills the
	// queue up to WaitQueue and waits there.
	lab.WaitFor(t, "the source to wait", func() bool {
		p.roomMu.Lock()
		defer p.roomMu.Unlock()
		return p.waiters > 0
	})
	if n, max := p.published.Load(), uint64(4+8); n > max {
		t.Fatalf("a waiting source queued %d events behind a stuck batch, want at most %d (a batch and WaitQueue)", n, max)
	}
	// Publish (a live source) still has the rest of the queue.
	if !p.Publish(evs[0]) {
		t.Fatal("Publish refused with the queue below QueueSize")
	}
	close(rec.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if _, st := p.Latest(); st.Applied != uint64(len(evs)+1) || st.Dropped != 0 { // night(n) is more than n events
		t.Fatalf("applied %d, dropped %d: want all %d, none dropped", st.Applied, st.Dropped, len(evs)+1)
	}
}

// A waiting source gives up when its context ends or the pipeline closes.
func TestPublishWaitForRoomEndsWithContextAndClose(t *testing.T) {
	p := New(monitor.NewState(testConfig()), Options{QueueSize: 16, WaitQueue: 2}) // never run: no room ever
	evs := night(3)
	for _, ev := range evs[:2] {
		if err := p.PublishWait(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- p.PublishWait(ctx, evs[2]) }()
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Fatalf("PublishWait after cancel: %v, want context.Canceled", err)
	}
	go func() { errc <- p.PublishWait(context.Background(), evs[2]) }()
	p.Close()
	if err := <-errc; err != errClosed {
		t.Fatalf("PublishWait after Close: %v, want errClosed", err)
	}
}

// Nobody asking for snapshots, the fold takes one only every
// SnapshotIdle, not every SnapshotEvery: a copy of 10,000 numbers is
// 13 MB. Asking (Latest) brings them back at once.
func TestSnapshotsOnlyWhenAskedOrIdle(t *testing.T) {
	p := New(monitor.NewState(testConfig()), Options{SnapshotEvery: time.Millisecond, SnapshotIdle: time.Hour})
	errc := run(t, p)
	evs := night(40)
	lab.WaitFor(t, "a first snapshot", func() bool { s, _ := p.Latest(); return s != nil })
	for _, ev := range evs[:20] {
		if err := p.PublishWait(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	lab.WaitFor(t, "a snapshot of 20 events", func() bool { s, _ := p.Latest(); return s.Applied == 20 })
	// The last Latest above asked again: drop the ask, and let a snapshot
	// that took it before the drop finish (a tick ends each) before counting.
	p.wanted.Store(false)
	ticks := p.ticks.Load()
	lab.WaitFor(t, "two more ticks", func() bool { return p.ticks.Load() >= ticks+2 })
	p.mu.Lock()
	taken := p.stats.Snapshots
	p.mu.Unlock()
	for _, ev := range evs[20:] {
		if err := p.PublishWait(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	lab.WaitFor(t, "all folded", func() bool { return p.applied.Load() == uint64(len(evs)) })
	ticks = p.ticks.Load()
	lab.WaitFor(t, "ten more ticks", func() bool { return p.ticks.Load() >= ticks+10 })
	p.mu.Lock()
	now := p.stats.Snapshots
	p.mu.Unlock()
	if now != taken {
		t.Fatalf("%d snapshots taken while nobody asked, want none", now-taken)
	}
	lab.WaitFor(t, "a snapshot once asked", func() bool { s, _ := p.Latest(); return s.Applied == uint64(len(evs)) })
	p.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// heldRecorder keeps the checkpoints' encode funcs without calling them: a
// recorder that has not committed them yet.
type heldRecorder struct {
	memRecorder
	held []func() []byte
}

func (r *heldRecorder) CheckpointFunc(ts int64, encode func() []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.held = append(r.held, encode)
	return nil
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A checkpoint waiting for the recorder holds its encoding, not a copy of
// the fold: each copy of a 10,000-number fold was tens of MB, made at
// every checkpoint and alive until the recorder encoded it (issue 18).
func TestCheckpointsWaitingHoldBytesNotFolds(t *testing.T) {
	o := sim.DefaultOptions()
	o.Numbers = 2000
	cfg := sim.Config(o)
	src := sim.New(o)
	var evs []monitor.Event
	for len(evs) < 40_000 {
		ev, ok := src.Next()
		if !ok {
			break
		}
		evs = append(evs, ev)
	}
	rec := &heldRecorder{}
	p := New(monitor.NewState(cfg), Options{Recorder: rec, CheckpointEvery: 5000, CheckpointGap: -1})
	errc := run(t, p)
	for _, ev := range evs {
		if err := p.PublishWait(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	withHeld := liveHeap()
	var encoded uint64
	for _, f := range rec.held {
		encoded += uint64(len(f()))
	}
	n := len(rec.held)
	rec.held = nil
	held := int64(withHeld) - int64(liveHeap())
	if n < 8 || encoded == 0 {
		t.Fatalf("%d checkpoints of %d bytes in all, want at least 8 encoded", n, encoded)
	}
	// Their bytes, and a little slack for the funcs and the heap's noise.
	if limit := int64(encoded) + 1<<20; held > limit {
		t.Fatalf("%d checkpoints waiting for the recorder held %d KB, want at most their %d KB of encoding (+1 MB)", n, held>>10, encoded>>10)
	}
	runtime.KeepAlive(p)
}
