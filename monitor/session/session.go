// Package session runs a cutover night: a source's events through the
// pipeline (recorded and folded) to the screen; the control socket that
// lets `cutover act` record into a running watch; and the action runner
// that the screen and `cutover act` share.
//
// The demo, a replay, a live watch and an import are each a Source fed
// into an Intake (the pipeline, with how events enter it); a Session runs
// that Intake with its Source, and a screen unless headless.
package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/monitor/stir"
	"github.com/cutover/cutover/tui"
)

// A Source publishes a night's events into in until it ends, fails or
// ctx ends: the simulated night, a recording, the live collector and
// probes, a capture file.
type Source interface {
	Feed(ctx context.Context, in *Intake) error
}

// SourceFunc is a Source that is a function.
type SourceFunc func(ctx context.Context, in *Intake) error

// Feed calls f.
func (f SourceFunc) Feed(ctx context.Context, in *Intake) error { return f(ctx, in) }

// Delivery is how a source's events enter the pipeline.
type Delivery int

const (
	// Lossless waits for room in the queue: a replay, an import.
	Lossless Delivery = iota
	// Paced is a live-like feed at the pacer's speed: an overloaded fold
	// drops (and says so on screen); at speed 0 it waits as Lossless does.
	Paced
	// Live never blocks: an event the full queue refuses is counted and
	// Publish returns ErrDropped.
	Live
)

// ErrDropped is what Publish returns, with Live delivery, for an event
// the full queue refused (the pipeline has counted it).
var ErrDropped = errors.New("event dropped: queue full")

// IntakeOptions configure an Intake.
type IntakeOptions struct {
	Config   monitor.Config
	Recorder pipeline.Recorder // nil: fold only (a replay)
	Delivery Delivery
	Pacer    *pipeline.Pacer // Paced: whose speed says whether to wait
	Verifier *stir.Verifier  // STIR/SHAKEN at ingest (nil: none; never in replay)
	// Time is how the events' times are judged as they enter: by the wall
	// clock (live), by their neighbours (an import, the demo), or not at
	// all (a replay: the recorded verdicts stand). An event judged out of
	// line is quarantined (monitor.Event.Quarantined): recorded, counted,
	// never folded. Operators' events (Record, the control socket) are
	// stamped by this host's clock and not judged.
	Time   monitor.TimeCheck
	Logger *slog.Logger
}

// Intake is where a session's events enter: its pipeline, with the
// source's delivery and the ingest verifier. It exists before the
// session runs, so the screen's actor and notes can record through it.
type Intake struct {
	p     *pipeline.Pipeline
	o     IntakeOptions
	async *stir.Async // the verifier of a live or paced feed (nil: none, or Lossless)

	guardMu sync.Mutex // TimeByNeighbours: the guard, and the order of what it releases
	guard   *monitor.TimeGuard
}

// losslessQueue is the queue of a Lossless intake: the pipeline's
// WaitQueue, all its source ever fills.
const losslessQueue = 4096

// NewIntake makes the pipeline a session folds and records with.
//
// A live or paced feed never waits for a certificate fetch: its verifier
// verifies at once what it has the certificates for and delivers the
// other verdicts later, as events of their own. A Lossless feed (an
// import) goes at the fold's pace anyway, so it waits for the fetch and
// its verdicts stay inside their events.
func NewIntake(o IntakeOptions) *Intake {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	po := pipeline.Options{Recorder: o.Recorder, Logger: o.Logger}
	if o.Delivery == Lossless { // its source always waits for room: no queue for bursts (7.5 MB)
		po.QueueSize = losslessQueue
	}
	in := &Intake{p: pipeline.New(monitor.NewState(o.Config), po), o: o}
	if o.Verifier != nil && o.Delivery != Lossless {
		in.async = o.Verifier.Async(stir.AsyncOptions{Deliver: in.deliverVerdict})
	}
	if o.Time == monitor.TimeByNeighbours {
		in.guard = monitor.NewTimeGuard()
	}
	return in
}

// deliverVerdict records and folds a verdict that came after its request.
// It runs on a verifier's worker, so it may wait for room in the queue.
func (in *Intake) deliverVerdict(ev monitor.Event) {
	if err := in.Record(ev); err != nil {
		in.o.Logger.Warn("STIR verdict not recorded", "call-id", ev.Verdict.CallID, "err", err)
	}
}

// verdictGrace is how long a session that stops gives the certificate
// fetches under way before it cancels them (their requests are then
// cert-unavailable).
const verdictGrace = 2 * time.Second

// closeVerifier delivers the verdicts still being fetched, before the
// pipeline closes.
func (in *Intake) closeVerifier() {
	if in.async != nil {
		in.async.Close(verdictGrace)
	}
}

// Publish hands a source's event over as its delivery says: a paced
// live-like feed never blocks (an overloaded fold drops, and says so on
// screen); an unpaced feed, or a replay, goes at the fold's pace and
// loses nothing. Its time is judged first (IntakeOptions.Time): by
// neighbours, an event may wait for a few after it before it goes on.
func (in *Intake) Publish(ctx context.Context, ev monitor.Event) error {
	switch { // the verdict travels in the event, or follows it: the fold does no I/O
	case in.async != nil:
		in.async.Annotate(&ev)
	case in.o.Verifier != nil:
		in.o.Verifier.Annotate(ctx, &ev)
	}
	switch in.o.Time {
	case monitor.TimeByWall:
		monitor.JudgeByWall(&ev, time.Now().UnixNano())
	case monitor.TimeByNeighbours:
		in.guardMu.Lock()
		defer in.guardMu.Unlock()
		return in.deliverAll(ctx, in.guard.Push(ev))
	}
	return in.deliver(ctx, ev)
}

// flush hands over the events the time guard still holds, at the end of
// the source.
func (in *Intake) flush(ctx context.Context) error {
	if in.guard == nil {
		return nil
	}
	in.guardMu.Lock()
	defer in.guardMu.Unlock()
	return in.deliverAll(ctx, in.guard.Flush())
}

func (in *Intake) deliverAll(ctx context.Context, evs []monitor.Event) error {
	for _, ev := range evs {
		if err := in.deliver(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// deliver hands ev to the pipeline as the delivery says.
func (in *Intake) deliver(ctx context.Context, ev monitor.Event) error {
	switch {
	case in.o.Delivery == Live:
		if !in.p.Publish(ev) {
			return ErrDropped
		}
		return ctx.Err()
	case in.o.Delivery == Lossless || in.o.Pacer == nil || in.o.Pacer.Speed() == 0:
		return in.p.PublishWait(ctx, ev)
	}
	in.p.Publish(ev)
	return ctx.Err()
}

// Replace hands the fold a rebuilt state (a replay that seeks).
func (in *Intake) Replace(ctx context.Context, st *monitor.State) error {
	return in.p.Replace(ctx, st)
}

// recordTimeout bounds how long an operator's event waits for room in a
// full queue.
const recordTimeout = 30 * time.Second

// Record records what an operator did (an action step, a note): ahead of
// the sources' queued events, and it returns once the event is committed
// (an error: not known to be). It outlives the session's context, so a
// step of an action under way when the session stops is still recorded
// (or the pipeline, already closed, says so).
func (in *Intake) Record(ev monitor.Event) error {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	return in.p.PublishCommitted(ctx, ev)
}

// Latest is the newest snapshot and the pipeline's stats.
func (in *Intake) Latest() (*monitor.Snapshot, pipeline.Stats) { return in.p.Latest() }

// Options configure a Session.
type Options struct {
	Mode     tui.Mode
	Path     string // the recording, shown on screen
	Source   Source
	Control  bool     // serve Path's control socket, so `cutover act` records into it (a live watch)
	Sweeper  *Sweeper // with Control: `cutover sweep` through the socket (nil: none)
	Headless bool
	Duration time.Duration // wall-clock limit; 0 = until the source ends
	Logger   *slog.Logger
	Screen   Screen
	// Finish closes the recording once the pipeline has folded the
	// source's last event, before the screen hears that the night ended
	// (nil: nothing to close, a replay). It gets the last snapshot.
	Finish func(*monitor.Snapshot) error
	SSH    *SSH // the war room over SSH (nil: none)
}

// Screen is what the screen offers besides the night itself.
type Screen struct {
	Player    tui.Player // play, pause, speed (nil: none)
	Seeker    tui.Seeker // moves in time (nil: none)
	Actor     tui.Actor  // the action keys f, F, o, u, p (nil: off, and NoActions says why)
	NoActions string
	ReadOnly  bool                             // --read-only: the header says so
	Operator  string                           // whose screen, for its header (SSH: the key's name; "" = none)
	Note      func(t int64, text string) error // n (nil: no notes)
	Ack       tui.Acker                        // A on an alert (nil: off)
	SideNotes func() []monitor.NoteView        // a replay's notes beside the recording (nil: none)
	TestCall  tui.TestCaller                   // t on a number (nil: none)
	Sweeper   tui.Sweeper                      // T: a test-call sweep (nil: none)
	Health    func() []tui.SourceStat          // live sources' health for the header (nil: none)
	Input     io.Reader                        // nil: the terminal
	Output    io.Writer                        // nil: the terminal
	User      tui.UserConfig                   // keys.toml and skin.toml (the local screen's: read in screen)
}

// Session runs one Source through one Intake, with a screen unless headless.
type Session struct {
	in *Intake
	o  Options
}

// New makes the session of in fed by o.Source.
func New(in *Intake, o Options) *Session {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Session{in: in, o: o}
}

// Outcome is what a session leaves behind for the summary line.
type Outcome struct {
	Path    string            // the recording ("": the session did not run)
	Snap    *monitor.Snapshot // nil: nothing was folded
	Stats   pipeline.Stats
	Elapsed time.Duration
	FeedErr error              // nil when the source ran to its end
	HEP     *hep.Stats         // a watch's collector at the end (nil: no collector)
	Capture *capture.LiveStats // a watch's interface capture at the end (nil: none)
	Alerts  string             // a watch's [alerts] receivers' counts at the end ("": none)
	Stream  string             // a NATS stream's counts at the end (watch --from, a stream's replay; "": none)
	// Recording: the session wrote Path (not a replay of it); Stats'
	// Recorded and Lost are then the writer's, once it has closed.
	Recording bool
	// CutShort: a replay's recording has no end time (its writer was
	// killed, or the power went): the night did not end, it stopped.
	CutShort bool
}

// Run runs the session until the source ends (headless), the screen
// quits, ctx ends, SIGINT or SIGTERM, or Duration has passed. Its
// Outcome names the recording even when it fails.
func (s *Session) Run(parent context.Context) (out Outcome, err error) {
	defer func() { out.Path = s.o.Path }()
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP) // SIGHUP: a dropped SSH session
	defer stop()
	if s.o.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.o.Duration)
		defer cancel()
	}
	start := time.Now()
	p := s.in.p
	stopControl := func() {}
	if s.o.Control {
		latest := func() *monitor.Snapshot { snap, _ := p.Latest(); return snap }
		stop, err := serveControl(ctx, s.o.Path, p.PublishCommitted, s.o.Sweeper, latest, s.o.Logger)
		switch {
		case errors.Is(err, ErrAnotherWatch):
			return Outcome{}, err
		case err != nil: // the watch goes on; `cutover act` then records elsewhere
			s.o.Logger.Warn("no control socket: cutover act cannot record into this watch's recording", "err", err)
		default:
			stopControl = stop
		}
	}
	r := &run{folded: make(chan struct{})}
	go func() { // stops at Close, after folding what is queued
		r.runErr = p.Run(context.Background())
		if s.o.Finish != nil {
			snap, _ := p.Latest()
			r.finishErr = s.o.Finish(snap)
		}
		close(r.folded)
	}()

	feedCtx, stopFeed := context.WithCancel(ctx)
	defer stopFeed()
	go func() {
		r.feedErr = s.o.Source.Feed(feedCtx, s.in)
		if err := s.in.flush(feedCtx); err != nil && r.feedErr == nil {
			r.feedErr = err
		}
		s.in.closeVerifier() // the verdicts that follow their requests, before the pipeline closes
		stopControl()        // act's events: each taken whole before the pipeline closes, or refused
		p.Close()
	}()

	fan, stopScreens := s.screens(ctx, r)
	defer stopScreens()
	if !s.o.Headless {
		if err := s.screen(ctx, fan); err != nil {
			stopFeed()
			<-r.folded
			return Outcome{}, err
		}
		stopFeed() // the user quit: stop feeding, keep what was folded
	}
	<-r.folded
	snap, stats := p.Latest()
	out = Outcome{Snap: snap, Stats: stats, Elapsed: time.Since(start), FeedErr: r.feedErr}
	if r.feedErr != nil && !Stopped(r.feedErr) {
		return out, r.feedErr
	}
	return out, r.runErr
}

// run is one Run's end: folded closes when the source has returned, the
// pipeline has folded all it was given and taken its last snapshot, and
// Finish has closed the recording; feedErr, runErr and finishErr are then
// set.
type run struct {
	folded                     chan struct{}
	feedErr, runErr, finishErr error
}

// Stopped tells an ordinary stop (quit, signal, --duration) from a failure.
func Stopped(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// screens starts the relay to every screen (the fanout), and the SSH
// server if any, unless the session is headless with no SSH. stop ends
// both, and the SSH sessions with them.
func (s *Session) screens(ctx context.Context, r *run) (fan *fanout, stop func()) {
	fan = newFanout()
	if s.o.Headless && s.o.SSH == nil {
		return fan, func() {}
	}
	rctx, stopRelay := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { relay(rctx, s.in.p, fan, r, s.o.Screen.Health, s.o.Screen.Seeker != nil) })
	if s.o.SSH != nil {
		wg.Go(func() {
			if err := s.o.SSH.Server.Serve(rctx, sshScreens{s: s, fan: fan}); err != nil {
				s.o.Logger.Error("ssh: the war room stopped", "err", err)
			}
		})
	}
	return fan, func() { stopRelay(); wg.Wait() }
}

// screen runs the local screen until the user quits or ctx ends. The
// source ending does not close the screen: the night stays on it until q.
func (s *Session) screen(ctx context.Context, fan *fanout) error {
	sc := s.o.Screen
	sc.User = tui.LoadUserConfig(tui.UserConfigDir())
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if sc.Input != nil {
		opts = append(opts, tea.WithInput(sc.Input))
	}
	if sc.Output != nil {
		opts = append(opts, tea.WithOutput(sc.Output))
	}
	prog := tea.NewProgram(s.model(sc), opts...)
	detach := fan.Attach(prog)
	_, err := prog.Run()
	detach()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !Stopped(err) {
		return fmt.Errorf("screen: %w", err)
	}
	return nil
}

// model is a screen's model: the local one, or an SSH operator's.
func (s *Session) model(sc Screen) tui.Model {
	return tui.New(tui.Options{
		Mode: s.o.Mode, RecordingPath: s.o.Path, Player: sc.Player, Seeker: sc.Seeker, TestCall: sc.TestCall, Sweeper: sc.Sweeper,
		Note: sc.Note, Ack: sc.Ack, SideNotes: sc.SideNotes, Actor: sc.Actor, NoActions: sc.NoActions, ReadOnly: sc.ReadOnly, Operator: sc.Operator,
		Thresholds: s.in.o.Config.Thresholds,
		Calls:      callsOf(s.o.Path), User: sc.User,
	})
}

// A sender is what the relay sends to: the screens' fanout, a screen's
// program.
type sender interface{ Send(tea.Msg) }

// relay sends the screen at most ten snapshots a second and, once the
// pipeline has folded the source's last event, the last snapshot and the
// end. It returns when ctx ends (the session has ended). With live
// sources, or a replay that seeks, it sends every tick, so the sources'
// counters and the timeline (a seek that ends where it began) move on
// screen even when no event changes the fold.
func relay(ctx context.Context, p *pipeline.Pipeline, prog sender, r *run, health func() []tui.SourceStat, seeks bool) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last *monitor.Snapshot
	send := func() {
		snap, st := p.Latest()
		if snap == nil || (snap == last && health == nil && !seeks) {
			return
		}
		last = snap
		stats := screenStats(st)
		if health != nil {
			stats.Sources = health()
		}
		prog.Send(tui.SnapshotMsg{Snap: snap, Stats: stats})
	}
	done := r.folded
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			send()
		case <-done:
			done = nil
			send() // the fold's last snapshot: Run has returned
			err := r.feedErr
			if err != nil && Stopped(err) {
				err = nil
			}
			prog.Send(tui.DoneMsg{Err: cmp.Or(err, r.finishErr)})
		}
	}
}

func screenStats(st pipeline.Stats) tui.PipelineStats {
	return tui.PipelineStats{
		EventsPerSec: st.EventsPerSec, Dropped: st.Dropped,
		Queue: st.Queue, QueueCap: st.QueueCap, Recorded: st.Recorded, Lost: st.Lost, StoreErr: st.StoreErr,
	}
}
