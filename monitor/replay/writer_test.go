package replay

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
)

// writerRec is a recording whose writer's progress the test sets.
type writerRec struct {
	rec
	last, ended atomic.Int64
}

func (r *writerRec) Progress() (int64, int64, error) { return r.last.Load(), r.ended.Load(), nil }

// fakeClock is a wall clock the test moves.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) add(d time.Duration) { c.ns.Add(int64(d)) }
func newFakeClock() *fakeClock           { c := &fakeClock{}; c.ns.Store(time.Now().UnixNano()); return c }
func quietFor(d time.Duration) func(monitor.Timeline) bool {
	return func(tl monitor.Timeline) bool { return tl.Quiet >= d && !tl.NoEnd }
}

// TestFollowSaysTheWriterWentQuiet follows a recording whose writer
// stops committing: after QuietAfter the timeline says how long it has
// been quiet; once the writer is known gone, or after NoEndAfter, that
// the recording has no end; a new commit makes it live again, and an end
// time written by the writer ends it.
func TestFollowSaysTheWriterWentQuiet(t *testing.T) {
	r := &writerRec{rec: rec{demoNight(t, 10)}}
	r.last.Store(1)
	var gone atomic.Bool
	cfg := r.Cutover().Config
	// The screen's follower (Hold): a headless one stops once its writer is gone.
	c := NewController(r, Options{Config: cfg, Pacer: pipeline.NewPacer(0), Follow: true, Hold: true, WriterGone: gone.Load})
	clock := newFakeClock()
	c.now = clock.now
	p := pipeline.New(monitor.NewState(cfg), pipeline.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	go c.Run(ctx, p.PublishWait, p.Replace)

	waitFor(t, c, func(tl monitor.Timeline) bool { return tl.Live && tl.Quiet == 0 && !tl.NoEnd })
	clock.add(DefaultQuietAfter + time.Second)
	waitFor(t, c, quietFor(DefaultQuietAfter+time.Second))
	gone.Store(true) // its control socket refuses: the process is gone
	waitFor(t, c, func(tl monitor.Timeline) bool { return tl.NoEnd && tl.Gone && tl.Quiet > 0 })

	gone.Store(false)
	r.last.Add(1) // it was only slow: a new commit
	waitFor(t, c, func(tl monitor.Timeline) bool { return tl.Quiet == 0 && !tl.NoEnd })
	clock.add(DefaultQuietAfter)
	waitFor(t, c, quietFor(DefaultQuietAfter))
	clock.add(DefaultNoEndAfter)
	waitFor(t, c, func(tl monitor.Timeline) bool { return tl.NoEnd && !tl.Gone })

	r.ended.Store(42) // the writer closed the night after all
	waitFor(t, c, func(tl monitor.Timeline) bool { return tl.Ended == 42 && tl.Quiet == 0 && !tl.NoEnd })
}

// TestReplayOfACutShortRecording: a recording with no end time is cut
// short; one with an end time is not.
func TestReplayOfACutShortRecording(t *testing.T) {
	for _, ended := range []int64{0, 42} {
		r := &writerRec{rec: rec{demoNight(t, 5)}}
		r.ended.Store(ended)
		c := NewController(r, Options{Config: r.Cutover().Config})
		if err := c.Run(context.Background(), func(context.Context, monitor.Event) error { return nil },
			func(context.Context, *monitor.State) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if tl := c.Timeline(); tl.NoEnd != (ended == 0) || tl.Ended != ended {
			t.Errorf("end %d: timeline says NoEnd %v, Ended %d", ended, tl.NoEnd, tl.Ended)
		}
	}
}

// TestHeadlessFollowStopsWithItsWriter: a follower without a screen
// (replay --follow --headless) returns once it has played everything and
// its writer has closed the night or is known gone; it kept polling for
// ever before. With a screen (Hold) it stays for the operator.
func TestHeadlessFollowStopsWithItsWriter(t *testing.T) {
	for _, how := range []string{"ended", "gone"} {
		r := &writerRec{rec: rec{demoNight(t, 5)}}
		r.last.Store(1)
		var gone atomic.Bool
		cfg := r.Cutover().Config
		c := NewController(r, Options{Config: cfg, Pacer: pipeline.NewPacer(0), Follow: true, WriterGone: gone.Load})
		clock := newFakeClock()
		c.now = clock.now
		p := pipeline.New(monitor.NewState(cfg), pipeline.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		go p.Run(ctx)
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx, p.PublishWait, p.Replace) }()
		waitFor(t, c, func(tl monitor.Timeline) bool { return tl.Live })
		select {
		case err := <-done:
			t.Fatalf("%s: returned while its writer was live: %v", how, err)
		default:
		}
		if how == "ended" {
			r.ended.Store(42)
		} else {
			gone.Store(true)
			clock.add(DefaultQuietAfter + time.Second)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: %v", how, err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("%s: still following 30 s after its writer %s", how, how)
		}
		cancel()
	}
}
