package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/monitor/probe"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
)

type watchOpts struct {
	config string
	db     string
	listen string
	runOpts
	operator string
	readOnly bool
}

func watchFlags() (*flag.FlagSet, *watchOpts) {
	o := &watchOpts{}
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	fs.StringVar(&o.config, "c", "", "the cutover file (cutover.toml)")
	fs.StringVar(&o.db, "db", "", "record to this SQLite file (default: the file's db, else cutover-live-YYYYMMDD-HHMMSS.db)")
	fs.StringVar(&o.listen, "listen", "", "HEP collector address, overriding [hep] listen (e.g. :9060)")
	o.runOpts.flags(fs, "collect and record until stopped, then print a summary", "until q, ctrl+c or SIGTERM")
	fs.StringVar(&o.operator, "operator", "", "who acts from the screen (f, F, o, u), recorded with $USER@hostname")
	fs.BoolVar(&o.readOnly, "read-only", false, "watch only: the action keys are off")
	setUsage(fs, "Usage: cutover watch -c cutover.toml [flags]\n\nWatch a real cutover: the HEPv3 collector and the probes feed the dashboard,\nand everything is recorded to SQLite.\n\nFlags:\n")
	return fs, o
}

// liveTick is how often the clock moves the fold on without traffic, so
// time-driven alerts (a silent trunk) fire on a quiet night.
const liveTick = time.Second

func runWatch(args []string, stdout, stderr io.Writer) error {
	fs, o := watchFlags()
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if o.config == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "cutover watch: give the cutover file with -c cutover.toml (and no other argument)")
		return errUsage
	}
	f, err := config.Load(o.config)
	if err != nil {
		return err
	}
	if o.listen != "" {
		f.HEP.Listen = o.listen
	}
	key, err := f.HEP.AuthKey()
	if err != nil {
		return err
	}
	verifier, err := configVerifier(f)
	if err != nil {
		return err
	}
	logger, closeLog, err := newLogger(o.logPath, o.headless, stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	col, err := hep.Listen(hep.Options{Listen: f.HEP.Listen, TCP: f.HEP.TCP, AuthKey: key, Logger: logger})
	if err != nil {
		return err
	}
	path := firstNonEmpty(o.db, f.DB, time.Now().Format("cutover-live-20060102-150405.db"))
	st, err := store.Open(path)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.BeginCutover(f.Cutover, "live", time.Now().UnixNano()); err != nil {
		return err
	}
	w := store.NewWriter(st, store.WriterOptions{})
	logger.Info("watching", "config", f.Path, "hep", col.UDPAddr().String(), "tcp", f.HEP.TCP, "recording", st.Path())
	prober := probe.New(f, probe.Options{Logger: logger})
	s := &session{
		mode: tui.ModeLive, cfg: f.Cutover, path: st.Path(), recorder: w, live: true, verifier: verifier, controlDB: st.Path(),
		feed:     liveFeedWith(col, prober, logger),
		testCall: prober.TestCall, // `t` on a number
		sources:  func() []tui.SourceStat { return []tui.SourceStat{sourceStat(col.Stats())} },
		headless: o.headless, duration: o.duration, logger: logger, stdout: stdout,
		actions: watchActions(f, o),
		note:    pipelineNotes(o.operator, true), // n: a note into the recording
	}
	out, runErr := s.run(context.Background())
	if err := w.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if out.snap != nil {
		if err := st.EndCutover(out.snap.Now); err != nil && runErr == nil {
			runErr = err
		}
	}
	fmt.Fprintln(stdout, watchSummary(st.Path(), out, col.Stats()))
	return runErr
}

// liveFeed runs the collector, the probes (OPTIONS, REGISTER, test calls
// as the file configures them) and the clock until ctx ends.
func liveFeed(f *config.File, col *hep.Collector, logger *slog.Logger) feed {
	return liveFeedWith(col, probe.New(f, probe.Options{Logger: logger}), logger)
}

// liveFeedWith is liveFeed with the prober made by the caller, which also
// hands its TestCall to the screen's `t` key.
func liveFeedWith(col *hep.Collector, prober *probe.Prober, logger *slog.Logger) feed {
	return func(ctx context.Context, pub func(context.Context, monitor.Event) error) error {
		publish := func(ev monitor.Event) bool { return pub(ctx, ev) == nil }
		var wg sync.WaitGroup
		wg.Add(3)
		go func() { defer wg.Done(); _ = col.Serve(ctx, publish) }()
		go func() { defer wg.Done(); clockTicks(ctx, publish) }()
		go func() {
			defer wg.Done()
			// A prober that cannot start (its local address taken) leaves the
			// collector running: the night is still watched, the log says why.
			if err := prober.Run(ctx, publish); err != nil && !stopped(err) {
				logger.Error("probes stopped", "err", err)
			}
		}()
		wg.Wait()
		return ctx.Err()
	}
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
			publish(monitor.Event{Time: now.UnixNano(), Kind: monitor.KindTick, Source: "clock"})
		}
	}
}

// sourceStat is the collector in the header: "hep", short enough for 80 columns.
func sourceStat(s hep.Stats) tui.SourceStat {
	return tui.SourceStat{
		Name: "hep", State: s.State, PerSec: s.PerSec, Packets: s.Packets,
		Malformed: s.Malformed + s.AuthRejected + s.NotSIP, Dropped: s.Dropped,
	}
}

func watchSummary(path string, out outcome, h hep.Stats) string {
	line := summary("watch", path, out)
	line = strings.Replace(line, "stopped early", "stopped", 1)
	return line + fmt.Sprintf("\n%s: %d packets, %d malformed, %d refused (auth key), %d not SIP, %d other protocols, %d dropped",
		h.Name, h.Packets, h.Malformed, h.AuthRejected, h.NotSIP, h.Other, h.Dropped)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// watchActions gives the screen the file's [actions], acted as the
// operator and recorded through the watch's own pipeline: an action event
// waits for room in the queue (PublishWait), it is never dropped.
func watchActions(f *config.File, o *watchOpts) screenActions {
	switch {
	case o.readOnly:
		return screenActions{off: "read-only: this watch was started with --read-only", readOnly: true}
	case !hasActions(f):
		return screenActions{off: "no [actions] in " + f.Path}
	}
	return screenActions{actor: func(_ context.Context, p *pipeline.Pipeline) tui.Actor {
		return newScreenActor(f, o.operator, recordAction(p))
	}}
}

// recordActionTimeout bounds how long an action event waits for room in a
// full queue.
const recordActionTimeout = 30 * time.Second

// recordAction records an operator's action step through the session's
// pipeline: it waits for room rather than dropping it, and outlives the
// session's context, so a step of an action under way when the watch is
// stopped is still recorded (or the pipeline, already closed, says so).
func recordAction(p *pipeline.Pipeline) func(monitor.Event) error {
	return func(ev monitor.Event) error {
		ctx, cancel := context.WithTimeout(context.Background(), recordActionTimeout)
		defer cancel()
		return p.PublishWait(ctx, ev)
	}
}
