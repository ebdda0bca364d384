package replay

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
)

// Recording is what a Controller plays: the events and checkpoints, the
// time span and the marks of the timeline.
type Recording interface {
	Source
	TimeBounds() (first, last int64, err error)
	Marks() ([]monitor.Mark, error)
	// CheckpointTimes lists the event times of the checkpoints, in order.
	CheckpointTimes() ([]int64, error)
	// Progress is the seq of the last event committed and the end time
	// the writer recorded (0: none), read afresh (writer.go).
	Progress() (lastSeq, endedNs int64, err error)
}

// Options configure a Controller.
type Options struct {
	Config monitor.Config
	Pacer  *pipeline.Pacer
	Follow bool          // the recording is still being written: keep polling for new events
	Hold   bool          // at the end, wait for a seek instead of returning (the screen)
	Poll   time.Duration // follow: how often to look for new events (default 200ms)
	// Follow: how long without a commit before the writer is said to be
	// quiet, and before the recording is said to have no end (defaults:
	// DefaultQuietAfter, DefaultNoEndAfter); WriterGone, asked once the
	// writer is quiet, says whether its process is known gone (nil: never
	// known, the time decides).
	QuietAfter, NoEndAfter time.Duration
	WriterGone             func() bool
	// Logger hears of what a seek passed over (a damaged checkpoint);
	// nil: nobody.
	Logger *slog.Logger
}

// Controller plays a recording into the pipeline and moves it in event
// time: seek, step, jump between alerts and actions. Its methods are cheap,
// never block and are safe from any goroutine: the screen calls them; Run
// does the work.
type Controller struct {
	rec  Recording
	o    Options
	cmds chan command

	mu        sync.Mutex
	pos       Position
	tl        monitor.Timeline
	interrupt context.CancelFunc
	refreshed time.Time
	ckTimes   []int64 // the recording's checkpoints, by event time

	lastSeq   int64            // the writer's last commit seen (writer.go)
	committed time.Time        // when it was first seen
	gone      bool             // the writer's process is known gone
	now       func() time.Time // the wall clock (tests move it)
}

type command struct {
	step bool  // fold the next event only
	t    int64 // otherwise: seek to this event time
}

// NewController returns a controller for rec, at the start.
func NewController(rec Recording, o Options) *Controller {
	if o.Poll <= 0 {
		o.Poll = 200 * time.Millisecond
	}
	if o.Pacer == nil {
		o.Pacer = pipeline.NewPacer(0)
	}
	if o.QuietAfter <= 0 {
		o.QuietAfter = DefaultQuietAfter
	}
	if o.NoEndAfter <= 0 {
		o.NoEndAfter = DefaultNoEndAfter
	}
	return &Controller{rec: rec, o: o, cmds: make(chan command, 16), tl: monitor.Timeline{Follow: o.Follow}, now: time.Now}
}

// Timeline is where the replay stands, for the timeline bar.
func (c *Controller) Timeline() monitor.Timeline {
	c.mu.Lock()
	defer c.mu.Unlock()
	tl := c.tl
	tl.Pos = c.pos.Time
	tl.End = max(tl.End, tl.Pos) // following: the span is read once a second, the position moves on
	c.writerState(&tl)
	return tl
}

// SeekTo moves to event time t: the state after the last event at or before t.
func (c *Controller) SeekTo(t int64) { c.send(command{t: t}) }

// SeekBy moves by d of event time from the current position.
func (c *Controller) SeekBy(d time.Duration) { c.SeekTo(c.Timeline().Pos + int64(d)) }

// SeekEdge moves to the start of the recording, or to its end.
func (c *Controller) SeekEdge(end bool) {
	tl := c.Timeline()
	if end {
		c.SeekTo(tl.End)
		return
	}
	c.SeekTo(tl.Start - 1)
}

// SeekMark moves to the next (dir > 0) or previous alert, action or note.
func (c *Controller) SeekMark(dir int) {
	tl := c.Timeline()
	i := sort.Search(len(tl.Marks), func(i int) bool { return tl.Marks[i].Time > tl.Pos })
	if dir > 0 && i < len(tl.Marks) {
		c.SeekTo(tl.Marks[i].Time)
	}
	for j := i - 1; dir < 0 && j >= 0; j-- {
		if tl.Marks[j].Time < tl.Pos {
			c.SeekTo(tl.Marks[j].Time)
			return
		}
	}
}

// Step pauses playback and folds the next event only.
func (c *Controller) Step() {
	if !c.o.Pacer.Paused() {
		c.o.Pacer.TogglePause()
	}
	c.send(command{step: true})
}

func (c *Controller) send(cmd command) {
	select {
	case c.cmds <- cmd:
	default: // a burst of keys: the ones already queued will do
	}
	c.mu.Lock()
	c.tl.Seeking = true // until the queue of commands is handled
	if c.interrupt != nil {
		c.interrupt()
	}
	c.mu.Unlock()
}

var errInterrupted = errors.New("replay: interrupted")

// Run plays the recording until its end (or, with Hold or Follow, until
// ctx ends), publishing events with pub and handing the states that seeks
// rebuild to replace.
func (c *Controller) Run(ctx context.Context, pub func(context.Context, monitor.Event) error,
	replace func(context.Context, *monitor.State) error) error {
	if err := c.refresh(true); err != nil {
		return err
	}
	if err := c.checkWriter(); err != nil {
		return err
	}
	if c.o.Follow { // join a live recording where it is now
		c.SeekTo(c.Timeline().End)
		wctx, stop := context.WithCancel(ctx)
		defer stop()
		go c.watchWriter(wctx)
	}
	for {
		over := c.writerOver() // before play: everything it then reads is all there is
		err := c.play(ctx, pub)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && !errors.Is(err, errInterrupted) {
			return err
		}
		if err == nil && !c.o.Hold && (!c.o.Follow || over) {
			return nil
		}
		if err == nil && !c.waitAtEnd(ctx) {
			continue // follow: look again for new events
		}
		if err := c.handle(ctx, pub, replace); err != nil {
			return err
		}
	}
}

// waitAtEnd waits at the end of what is recorded for a command (true) or,
// following, for the next poll (false).
func (c *Controller) waitAtEnd(ctx context.Context) bool {
	c.mu.Lock()
	c.tl.Live = c.o.Follow
	c.mu.Unlock()
	if len(c.cmds) > 0 {
		return true
	}
	var poll <-chan time.Time
	if c.o.Follow {
		t := time.NewTimer(c.o.Poll)
		defer t.Stop()
		poll = t.C
	}
	select {
	case cmd := <-c.cmds:
		select {
		case c.cmds <- cmd: // handle takes it
		default: // newer commands arrived meanwhile; they supersede it
		}
		return true
	case <-poll:
		_ = c.refresh(false)
		return false
	case <-ctx.Done():
		return true
	}
}

// AddMark puts a mark on the timeline now (a note just taken), before the
// recording is read again.
func (c *Controller) AddMark(m monitor.Mark) {
	c.mu.Lock()
	defer c.mu.Unlock()
	marks := append([]monitor.Mark(nil), c.tl.Marks...)
	i := sort.Search(len(marks), func(i int) bool { return marks[i].Time > m.Time })
	c.tl.Marks = append(marks[:i], append([]monitor.Mark{m}, marks[i:]...)...)
}
