package session

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
)

// fakeScreen keeps what the relay sends.
type fakeScreen struct {
	mu   sync.Mutex
	msgs []tea.Msg
}

func (f *fakeScreen) Send(m tea.Msg) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, m)
}

// The relay sends the fold's last snapshot, then the end, once the
// pipeline has folded the source's last event: nothing but the fold
// having finished stands in for it.
func TestRelaySendsTheLastSnapshotThenDone(t *testing.T) {
	in := NewIntake(IntakeOptions{Config: monitor.Config{Name: "relay"}, Delivery: Lossless})
	r := &run{folded: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	scr := &fakeScreen{}
	relayed := make(chan struct{})
	go func() { defer close(relayed); relay(ctx, in.p, scr, r, nil, false) }()
	const n = 5000
	go func() {
		for i := range n {
			_ = in.Publish(ctx, monitor.Event{Time: int64(i+1) * 1e9, Kind: monitor.KindTick, Source: monitor.SourceClock})
		}
		in.p.Close()
	}()
	r.runErr = in.p.Run(context.Background())
	close(r.folded)
	var last *monitor.Snapshot
	lab.WaitFor(t, "the end on screen", func() bool {
		scr.mu.Lock()
		defer scr.mu.Unlock()
		for _, m := range scr.msgs {
			switch m := m.(type) {
			case tui.SnapshotMsg:
				last = m.Snap
			case tui.DoneMsg:
				return true
			}
		}
		return false
	})
	cancel()
	<-relayed
	if last == nil {
		t.Fatal("no snapshot before the end")
	}
	if last.Now != n*1e9 {
		t.Fatalf("the screen's last snapshot before the end is at %d, want the fold's last event at %d", last.Now, int64(n*1e9))
	}
}

// A session whose every event was quarantined (its fold's clock never
// moved) still ends its recording: a cutover row without an end reads as
// a crashed recorder.
func TestRecordingEndsWhenNothingMovedTheClock(t *testing.T) {
	path := t.TempDir() + "/q.db"
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := monitor.Config{Name: "quarantined night"}
	if _, err := st.BeginCutover(cfg, "live", time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	w := store.NewWriter(st, store.WriterOptions{})
	in := NewIntake(IntakeOptions{Config: cfg, Recorder: w, Delivery: Lossless, Time: monitor.TimeByWall})
	far := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	src := SourceFunc(func(ctx context.Context, in *Intake) error {
		return in.Publish(ctx, monitor.Event{Time: far, Kind: monitor.KindTick, Source: monitor.SourceClock})
	})
	if _, err := finish(st, w, New(in, Options{Mode: tui.ModeLive, Path: path, Source: src, Headless: true}), context.Background()); err != nil {
		t.Fatal(err)
	}
	r, err := store.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Cutover().EndedNs == 0 {
		t.Fatal("the recording has no end")
	}
}

// When the demo night ends with its screen still open, the recording is
// closed at once (its end time written), before the operator quits: the
// header's "rec closed" is true, and a follower sees the night ended.
func TestRecordingClosesWhenTheNightEnds(t *testing.T) {
	db := t.TempDir() + "/ends.db"
	so := sim.DefaultOptions()
	so.Numbers = 10
	in, _ := io.Pipe() // the operator types nothing: the screen stays open
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Demo{DB: db, Sim: so, Session: RunOptions{Input: in, Output: io.Discard}}.Run(ctx)
		done <- err
	}()
	lab.WaitFor(t, "the recording's end time while the screen is open", func() bool {
		r, err := store.OpenReader(db)
		if err != nil {
			return false
		}
		defer r.Close()
		_, ended, err := r.Progress()
		return err == nil && ended != 0
	})
	select {
	case err := <-done:
		t.Fatalf("the demo returned before the screen quit: %v", err)
	default:
	}
	cancel()
	if err := <-done; err != nil && !Stopped(err) {
		t.Fatal(err)
	}
}

// A Lossless intake's source always waits for room, so its queue is only
// what the waiting fills (the pipeline's WaitQueue), not the 65,536 events
// (7.5 MB) a live feed's bursts need; more events than that all go
// through.
func TestLosslessIntakeQueueIsWhatItFills(t *testing.T) {
	live := NewIntake(IntakeOptions{Config: monitor.Config{Name: "live"}, Delivery: Live})
	if _, st := live.Latest(); st.QueueCap != 65536 {
		t.Fatalf("live intake's queue holds %d events, want 65536", st.QueueCap)
	}
	in := NewIntake(IntakeOptions{Config: monitor.Config{Name: "import"}, Delivery: Lossless})
	if _, st := in.Latest(); st.QueueCap != losslessQueue {
		t.Fatalf("lossless intake's queue holds %d events, want %d", st.QueueCap, losslessQueue)
	}
	errc := make(chan error, 1)
	go func() { errc <- in.p.Run(context.Background()) }()
	n := 3 * losslessQueue
	for i := range n {
		ev := monitor.Event{Kind: monitor.KindTick, Source: monitor.SourceClock, Time: int64(i+1) * int64(time.Millisecond)}
		if err := in.Publish(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	in.p.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if _, st := in.Latest(); st.Applied != uint64(n) || st.Dropped != 0 {
		t.Fatalf("applied %d, dropped %d: want all %d", st.Applied, st.Dropped, n)
	}
}
