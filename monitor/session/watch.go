package session

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/metrics"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/monitor/porting"
	"github.com/cutover/cutover/monitor/probe"
	"github.com/cutover/cutover/monitor/sshserve"
	"github.com/cutover/cutover/monitor/termsafe"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
)

// Watch is a real cutover: the HEPv3 collector, the probes and the clock
// feed the fold, everything is recorded, and the screen's action keys act
// on the file's [actions] as Operator (recorded through the watch's own
// pipeline). A running watch serves its recording's control socket, so
// `cutover act` records into it.
type Watch struct {
	File      *config.File
	DB        string         // default: the file's db, else cutover-live-YYYYMMDD-HHMMSS.db
	Collector *hep.Collector // nil: listen where the file's [hep] says
	Operator  string
	ReadOnly  bool        // the action keys are off (for SSH operators too)
	SSH       config.SSH  // the war room over SSH (no Listen: none)
	From      *StreamFrom // a NATS JetStream stream instead of the collector and probes (nil: none)
	Session   RunOptions
}

// liveTick is how often the clock moves the fold on without traffic, so
// time-driven alerts (a silent trunk) fire on a quiet night.
const liveTick = time.Second

// Run watches until stopped (q, ctx, a signal or Duration).
func (wa Watch) Run(ctx context.Context) (Outcome, error) {
	f, logger := wa.File, wa.Session.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	live, err := openCapture(ctx, f.Capture, f.Cutover.Thresholds) // first: a refused capture leaves nothing open
	if err != nil {
		return Outcome{}, err
	}
	defer live.Close()
	med := newLiveMedia(f.Cutover.Thresholds, monitor.SourceHEP)
	poller, col, err := wa.inputs(logger, med)
	defer wa.From.close() // a later failure leaves no connection open
	if err != nil {
		return Outcome{}, err
	}
	mets, err := listenMetrics(f.Metrics.Listen)
	if err != nil {
		return Outcome{}, err
	}
	defer mets.Close()
	verifier, err := configVerifier(f)
	if err != nil {
		return Outcome{}, err
	}
	path := cmp.Or(wa.DB, f.DB, time.Now().Format("cutover-live-20060102-150405.db"))
	st, err := store.Open(path)
	if err != nil {
		return Outcome{}, err
	}
	defer st.Close()
	if _, err := st.BeginCutover(f.Cutover, "live", time.Now().UnixNano()); err != nil {
		return Outcome{}, err
	}
	w := store.NewWriter(st, store.WriterOptions{})
	wa.logStart(logger, col, st.Path())
	prober := probe.New(f, probe.Options{Logger: logger})
	var in *Intake
	alerts, err := newAlertsOut(f, st.Path(), &in, logger) // [alerts]: the alert changes pushed out
	if err != nil {
		return Outcome{}, err
	}
	in = NewIntake(wa.From.intake(IntakeOptions{Config: f.Cutover, Recorder: alerts.recorder(w), Delivery: Live, Verifier: verifier,
		Time: monitor.TimeByWall, Logger: logger}))
	sweeper := NewSweeper(f, prober, func() *monitor.Snapshot { s, _ := in.Latest(); return s })
	feed, hepStats, health := wa.feed(col, live, med, prober, sweeper, poller, logger)
	mets.serve(metrics.Options{Latest: in.Latest, HEP: hepStats, Capture: captureMetrics(live)}, logger)
	o := wa.Session.options(tui.ModeLive, st.Path(), feed)
	o.Control, o.Sweeper = true, sweeper
	o.Screen.TestCall = prober.TestCall // `t` on a number
	o.Screen.Sweeper = sweeper          // T
	o.Screen.Health = func() []tui.SourceStat { return append(health(), alerts.health()...) }
	base := o.Screen
	o.Screen = operatorScreen(base, f, in, wa.Operator, wa.ReadOnly, "read-only: this watch was started with --read-only")
	if o.SSH, err = wa.serveSSH(st.Path(), logger, wa.sshScreen(base, in)); err != nil {
		return Outcome{}, err
	} else if o.SSH != nil {
		defer o.SSH.Server.Close()
	}
	stopAlerts := alerts.start()
	out, err := finish(st, w, New(in, o), ctx)
	stopAlerts()
	out.Alerts = alerts.summary()
	wa.From.outcome(&out, hepStats)
	out.Capture = captureStats(live)
	return out, err
}

// inputs are the porting poller ([porting], nil without one) and the HEP
// collector (wa.Collector, else listening where [hep] says).
func (wa Watch) inputs(logger *slog.Logger, med liveMedia) (*porting.Poller, *hep.Collector, error) {
	f := wa.File
	var poller *porting.Poller
	if wa.From != nil { // the collectors take in HEP and poll the porting API
		return nil, nil, wa.From.connect(f, logger)
	}
	if f.Porting != nil {
		var err error
		if poller, err = porting.New(*f.Porting, porting.Options{Requests: porting.RequestsOf(f.Cutover.Numbers), Logger: logger}); err != nil {
			return nil, nil, err
		}
	}
	if wa.Collector != nil {
		return poller, wa.Collector, nil
	}
	key, err := f.HEP.AuthKey()
	if err != nil {
		return nil, nil, err
	}
	col, err := hep.Listen(hep.Options{Listen: f.HEP.Listen, TCP: f.HEP.TCP, AuthKey: key, Forward: f.HEP.Forward, Logger: logger, OnMedia: med.onMedia})
	return poller, col, err
}

// sshScreen is an SSH operator's screen: base as they see it, read-only
// when the watch or their key says so, its header naming them.
func (wa Watch) sshScreen(base Screen, in *Intake) func(sshserve.Operator) Screen {
	return func(op sshserve.Operator) Screen {
		ro, why := wa.ReadOnly || op.ReadOnly, "read-only: this key is cutover-read-only in the keys file"
		if wa.ReadOnly {
			why = "read-only: this watch was started with --read-only"
		}
		sc := operatorScreen(base, wa.File, in, op.Name, ro, why)
		sc.Operator = op.Name
		return sc
	}
}

// operatorScreen is base as operator sees it: notes (n) by them, and
// unless readOnly (why says so) the action keys, acknowledgements, test
// calls and sweeps.
func operatorScreen(base Screen, f *config.File, in *Intake, operator string, readOnly bool, why string) Screen {
	sc := base
	sc.Note = recordNotes(in, operator, true) // n: a note into the recording
	switch {
	case readOnly: // no actions, and no test calls or sweeps either: they act on the network
		sc.NoActions, sc.ReadOnly = why, true
		sc.TestCall, sc.Sweeper = nil, nil
	default: // p sets port states even with no [actions]; f, F and o then say what the file lacks
		sc.Actor = NewScreenActor(f, operator, in.Record)
		sc.Ack = recordAcks(in, operator, true) // A: acknowledge or silence an alert
	}
	return sc
}

// watchMetrics is the watch's /metrics endpoint ([metrics] listen or
// --metrics); its zero value serves nothing.
type watchMetrics struct{ srv *metrics.Server }

// listenMetrics opens addr ("": none) before anything starts, so a taken
// address refuses the watch.
func listenMetrics(addr string) (watchMetrics, error) {
	if addr == "" {
		return watchMetrics{}, nil
	}
	if err := config.CheckMetricsListen(addr); err != nil { // --metrics: as [metrics] listen is checked
		return watchMetrics{}, fmt.Errorf("metrics: %w", err)
	}
	srv, err := metrics.Listen(addr)
	return watchMetrics{srv}, err
}

func (m watchMetrics) serve(o metrics.Options, logger *slog.Logger) {
	if m.srv != nil {
		logger.Info("serving /metrics", "listen", m.srv.Addr().String())
		go func() { _ = m.srv.Serve(metrics.New(o), logger) }()
	}
}

func (m watchMetrics) Close() {
	if m.srv != nil {
		_ = m.srv.Close()
	}
}

// liveFeed runs the inputs (runInputs), the interface capture (if any)
// and the clock until ctx ends.
func liveFeed(col *hep.Collector, live *capture.Live, med liveMedia, prober *probe.Prober, sweeper *Sweeper, poller *porting.Poller, logger *slog.Logger) Source {
	return SourceFunc(func(ctx context.Context, in *Intake) error {
		defer sweeper.run(ctx)() // sweeps run with the probes, and end with them
		publish := func(ev monitor.Event) bool { return in.Publish(ctx, ev) == nil }
		var wg sync.WaitGroup
		wg.Go(func() { clockTicks(ctx, med.tap(publish)) }) // media reports come due without traffic too
		wg.Go(func() { runInputs(ctx, publish, col, med, prober, poller, logger) })
		wg.Go(func() {
			if err := serveCapture(ctx, live, in); err != nil && !Stopped(err) {
				logger.Error("capture stopped", "err", err) // the header shows its state
			}
		})
		wg.Wait()
		return ctx.Err()
	})
}

// runInputs runs the collector (its SIP and RTCP through med), the probes
// and the porting poller (if any) until ctx ends: a watch's inputs, and a
// collector's (collect). The calls med still tracks then get their final
// media reports.
func runInputs(ctx context.Context, publish func(monitor.Event) bool, col *hep.Collector, med liveMedia, prober *probe.Prober, poller *porting.Poller, logger *slog.Logger) {
	var wg sync.WaitGroup
	defer med.stop(func(ev monitor.Event) { publish(ev) })
	wg.Go(func() { _ = col.Serve(ctx, med.tap(publish)) })
	wg.Go(func() {
		// A prober that cannot start (its local address taken) leaves the
		// collector running: the night is still watched, the log says why.
		if err := prober.Run(ctx, publish); err != nil && !Stopped(err) {
			logger.Error("probes stopped", "err", err)
		}
	})
	if poller != nil {
		wg.Go(func() { _ = poller.Run(ctx, publish) })
	}
	wg.Wait()
}

// clockTicks publishes a tick every liveTick of wall time.
func clockTicks(ctx context.Context, publish func(monitor.Event) bool) {
	t := time.NewTicker(liveTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			publish(monitor.Event{Time: now.UnixNano(), Kind: monitor.KindTick, Source: monitor.SourceClock})
		}
	}
}

// sourceStat is the collector in the header: "hep", short enough for 80 columns.
func sourceStat(s hep.Stats) tui.SourceStat {
	return tui.SourceStat{
		Name: "hep", State: s.State, PerSec: s.PerSec, Packets: s.Packets,
		Malformed: s.Malformed + s.AuthRejected + s.NotSIP, Dropped: s.Dropped,
		KernelDropped: s.KernelDropped, QueueDropped: s.QueueDropped, // the stages before the pipeline
	}
}

// forwardStats are the [hep] forward targets in the header: what each
// sent, and what it lost (its queue full, or sends that failed).
func forwardStats(h hep.Stats) []tui.SourceStat {
	var out []tui.SourceStat
	for _, f := range h.Forward {
		out = append(out, tui.SourceStat{Name: "→" + termsafe.Line(f.Target), State: f.State, Packets: f.Forwarded,
			Dropped: f.Dropped + f.Failed, Forward: true})
	}
	return out
}

// portingStat is the porting poller in the header: polls as its packets,
// failed polls as its malformed ones.
func portingStat(p *porting.Poller) []tui.SourceStat {
	if p == nil {
		return nil
	}
	s := p.Stats()
	return []tui.SourceStat{{Name: "porting", State: s.State, Packets: s.Polls, Malformed: s.Errors, Dropped: s.Dropped}}
}

// watchSummary is a watch's summary line with its collector's counts and
// every stage's losses.
func watchSummary(line string, h hep.Stats, c *capture.LiveStats, st pipeline.Stats) string {
	line = strings.Replace(line, "stopped early", "stopped", 1)
	return line + fmt.Sprintf("\n%s: %d packets, %d malformed, %d refused (auth key), %d not SIP, %d other protocols, %d dropped (%d by the kernel, %d in the parse queue, %d by the pipeline)",
		h.Name, h.Packets, h.Malformed, h.AuthRejected, h.NotSIP, h.Other, h.KernelDropped+h.QueueDropped+h.Dropped, h.KernelDropped, h.QueueDropped, h.Dropped) +
		captureSummary(c) + forwardSummary(h) + "\n" + stageLosses(h, c, st)
}

// forwardSummary is a line per [hep] forward target ("" without any).
func forwardSummary(h hep.Stats) string {
	var b strings.Builder
	for _, f := range h.Forward {
		fmt.Fprintf(&b, "\nforward %s: %d packets forwarded, %d dropped (%d queue full, %d failed sends)",
			f.Target, f.Forwarded, f.Dropped+f.Failed, f.Dropped, f.Failed)
	}
	return b.String()
}

// stageLosses is what each stage lost, in the order an event meets them:
// the kernel's socket buffer (HEP) and ring (capture) and the collector's
// parse queue (HEP), the
// pipeline's full queue (every source's events), the recording after a
// write error (beyond its backlog).
func stageLosses(h hep.Stats, c *capture.LiveStats, st pipeline.Stats) string {
	kernel := h.KernelDropped
	if c != nil {
		kernel += c.KernelDropped
	}
	return fmt.Sprintf("losses by stage: kernel %d, parse queue %d, pipeline %d (queue full), recording %d (not written)",
		kernel, h.QueueDropped, st.Dropped, st.Lost)
}
