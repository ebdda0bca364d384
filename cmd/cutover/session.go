package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/monitor/stir"
	"github.com/cutover/cutover/tui"
)

// runOpts are the flags every command with a screen has: run without it,
// for how long, and where the log goes.
type runOpts struct {
	headless bool
	duration time.Duration
	logPath  string
}

// flags defines -headless, -duration and -log; headless says what the
// command does without a screen, ends when it stops by itself.
func (r *runOpts) flags(fs *flag.FlagSet, headless, ends string) {
	fs.BoolVar(&r.headless, "headless", false, "no screen: "+headless)
	fs.DurationVar(&r.duration, "duration", 0, "stop after this much wall-clock time (0 = "+ends+")")
	fs.StringVar(&r.logPath, "log", "", "write the log to this file (default: none on screen, stderr headless)")
}

// A feed pushes events into the pipeline until it ends, fails or ctx ends.
type feed func(ctx context.Context, pub func(context.Context, monitor.Event) error) error

// session wires one source, the pipeline, the recording and the screen:
// the demo and a replay differ only in their feed and whether they record.
type session struct {
	mode     tui.Mode
	cfg      monitor.Config
	path     string            // the recording, shown on screen
	recorder pipeline.Recorder // nil in replay
	pacer    *pipeline.Pacer
	feed     feed
	// control replaces feed for a replay that seeks: it may hand the
	// pipeline a rebuilt state.
	control   func(ctx context.Context, pub func(context.Context, monitor.Event) error, replace func(context.Context, *monitor.State) error) error
	seeker    tui.Seeker                                           // nil: no moves in time
	note      func(p *pipeline.Pipeline) func(int64, string) error // nil: no notes
	sideNotes func() []monitor.NoteView                            // replay: notes kept beside the recording (nil = none)
	lossless  bool                                                 // publish with back-pressure even when paced (replay)
	live      bool                                                 // live sources: publishing never blocks; a refused event returns errDropped
	sources   func() []tui.SourceStat                              // live sources' health for the header (nil = none)
	testCall  tui.TestCaller                                       // live: places a test call for the `t` key (nil = none)
	actions   screenActions                                        // what the action keys do
	verifier  *stir.Verifier                                       // STIR/SHAKEN at ingest (nil: none; never in replay)
	controlDB string                                               // live: serve this recording's control socket for `cutover act` ("" = none)
	headless  bool
	duration  time.Duration // wall-clock limit; 0 = until the feed ends
	logger    *slog.Logger
	stdout    io.Writer
	ttyInput  io.Reader // nil: the terminal
	ttyOutput io.Writer // nil: the terminal
}

// screenActions is what the screen's action keys (f, F, o, u) do.
type screenActions struct {
	// actor builds the screen's Actor on the session's pipeline (nil: the
	// keys are off and say off).
	actor    func(ctx context.Context, p *pipeline.Pipeline) tui.Actor
	off      string
	readOnly bool // --read-only: the header says so
}

// outcome is what a session leaves behind for the summary line.
type outcome struct {
	snap    *monitor.Snapshot
	stats   pipeline.Stats
	elapsed time.Duration
	feedErr error // nil when the feed ran to its end
}

func (s *session) run(parent context.Context) (outcome, error) {
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if s.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.duration)
		defer cancel()
	}
	start := time.Now()
	p := pipeline.New(monitor.NewState(s.cfg), pipeline.Options{Recorder: s.recorder, Logger: s.logger})
	stopControl := func() {}
	if s.controlDB != "" {
		stop, err := serveControl(ctx, s.controlDB, p.PublishWait, s.logger)
		switch {
		case errors.Is(err, errAnotherWatch):
			return outcome{}, err
		case err != nil: // the watch goes on; `cutover act` then records elsewhere
			s.logger.Warn("no control socket: cutover act cannot record into this watch's recording", "err", err)
		default:
			stopControl = stop
		}
	}
	runErr := make(chan error, 1)
	go func() { runErr <- p.Run(context.Background()) }() // stops at Close, after folding what is queued

	feedCtx, stopFeed := context.WithCancel(ctx)
	defer stopFeed()
	fed := &feedResult{done: make(chan struct{})}
	feedFn := s.feed
	if s.control != nil {
		feedFn = func(ctx context.Context, pub func(context.Context, monitor.Event) error) error {
			return s.control(ctx, pub, p.Replace)
		}
	}
	go func() {
		fed.err = feedFn(feedCtx, s.publisher(p))
		stopControl() // act's events: each taken whole before the pipeline closes, or refused
		p.Close()
		close(fed.done)
	}()

	if !s.headless {
		if err := s.watch(ctx, p, fed); err != nil {
			stopFeed()
			<-fed.done
			<-runErr
			return outcome{}, err
		}
		stopFeed() // the user quit: stop feeding, keep what was folded
	}
	<-fed.done
	rerr := <-runErr
	snap, stats := p.Latest()
	out := outcome{snap: snap, stats: stats, elapsed: time.Since(start), feedErr: fed.err}
	if fed.err != nil && !stopped(fed.err) {
		return out, fed.err
	}
	return out, rerr
}

// errDropped is what a live feed's publish returns for an event the full
// queue refused (the pipeline has counted it).
var errDropped = errors.New("event dropped: queue full")

// feedResult is the feed's end: done closes when it returns, err is then set.
type feedResult struct {
	done chan struct{}
	err  error
}

// stopped tells an ordinary stop (quit, signal, --duration) from a failure.
func stopped(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// publisher picks how the feed hands events over: a paced live-like feed
// never blocks (an overloaded fold drops, and says so on screen); an
// unpaced feed, or a replay, goes at the fold's pace and loses nothing.
func (s *session) publisher(p *pipeline.Pipeline) func(context.Context, monitor.Event) error {
	return func(ctx context.Context, ev monitor.Event) error {
		if s.verifier != nil {
			s.verifier.Annotate(ctx, &ev) // the verdict travels in the event: the fold does no I/O
		}
		if s.live {
			if !p.Publish(ev) {
				return errDropped
			}
			return ctx.Err()
		}
		if s.lossless || s.pacer.Speed() == 0 {
			return p.PublishWait(ctx, ev)
		}
		p.Publish(ev)
		return ctx.Err()
	}
}

// watch runs the screen until the user quits or ctx ends. The feed ending
// does not close the screen: the night stays on it until q.
func (s *session) watch(ctx context.Context, p *pipeline.Pipeline, fed *feedResult) error {
	var player tui.Player
	if s.pacer != nil {
		player = s.pacer
	}
	o := tui.Options{Mode: s.mode, RecordingPath: s.path, Player: player, Seeker: s.seeker, TestCall: s.testCall}
	if s.note != nil {
		o.Note = s.note(p)
	}
	o.SideNotes = s.sideNotes
	if s.actions.actor != nil {
		o.Actor = s.actions.actor(ctx, p)
	}
	o.NoActions, o.ReadOnly = s.actions.off, s.actions.readOnly
	model := tui.New(o)
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if s.ttyInput != nil {
		opts = append(opts, tea.WithInput(s.ttyInput))
	}
	if s.ttyOutput != nil {
		opts = append(opts, tea.WithOutput(s.ttyOutput))
	}
	prog := tea.NewProgram(model, opts...)
	rctx, stopRelay := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	go func() {
		defer close(relayDone)
		relay(rctx, p, prog, fed, s.sources, s.seeker != nil)
	}()
	_, err := prog.Run()
	stopRelay()
	<-relayDone
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !stopped(err) {
		return fmt.Errorf("screen: %w", err)
	}
	return nil
}

// relay sends the screen at most ten snapshots a second, and tells it when
// the feed has ended. It returns when ctx ends (the screen has quit).
// With live sources, or a replay that seeks, it sends every tick, so the
// sources' counters and the timeline (a seek that ends where it began)
// move on screen even when no event changes the fold.
func relay(ctx context.Context, p *pipeline.Pipeline, prog *tea.Program, fed *feedResult, sources func() []tui.SourceStat, seeks bool) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last *monitor.Snapshot
	send := func() {
		snap, st := p.Latest()
		if snap == nil || (snap == last && sources == nil && !seeks) {
			return
		}
		last = snap
		stats := screenStats(st)
		if sources != nil {
			stats.Sources = sources()
		}
		prog.Send(tui.SnapshotMsg{Snap: snap, Stats: stats})
	}
	done := fed.done
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			send()
		case <-done:
			done = nil
			time.Sleep(150 * time.Millisecond) // let the fold publish its last snapshot
			send()
			err := fed.err
			if err != nil && stopped(err) {
				err = nil
			}
			prog.Send(tui.DoneMsg{Err: err})
		}
	}
}

func screenStats(st pipeline.Stats) tui.PipelineStats {
	return tui.PipelineStats{
		EventsPerSec: st.EventsPerSec, Dropped: st.Dropped,
		Queue: st.Queue, QueueCap: st.QueueCap, Recorded: st.Recorded, StoreErr: st.StoreErr,
	}
}

// newLogger logs to path, or nowhere for a screen session without one
// (anything on stderr would tear the screen), or to stderr when headless.
// It also becomes slog's default, since sipgo logs there.
func newLogger(path string, headless bool, stderr io.Writer) (*slog.Logger, func(), error) {
	var w io.Writer = io.Discard
	closeFn := func() {}
	switch {
	case path != "":
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("log file: %w", err)
		}
		w, closeFn = f, func() { f.Close() }
	case headless:
		w = stderr
	}
	l := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(l)
	return l, closeFn, nil
}
