package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/cutover/cutover/fixtures"
	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/monitor/stir"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
)

type demoOpts struct {
	db      string
	speed   float64
	numbers int
	viaHEP  bool
	rate    float64
	seed    int64
	runOpts
}

func demoFlags() (*flag.FlagSet, *demoOpts) {
	o := &demoOpts{}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.StringVar(&o.db, "db", "", "record to this SQLite file (default cutover-demo-YYYYMMDD-HHMMSS.db in the current directory)")
	fs.Float64Var(&o.speed, "speed", 60, "event seconds per wall second (0 = as fast as possible; headless default 0)")
	fs.IntVar(&o.numbers, "numbers", 200, "ported numbers in the simulated night")
	fs.Float64Var(&o.rate, "calls-per-hour", sim.DefaultOptions().CallsPerNumberHour, "calls per number per hour (load tests turn this up)")
	fs.BoolVar(&o.viaHEP, "via-hep", false, "send the night's SIP as HEPv3 over UDP on 127.0.0.1 to a collector, as live traffic arrives")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the simulated night (same seed, same night)")
	o.runOpts.flags(fs, "run, record, print a one-line summary and exit", "when the night ends")
	setUsage(fs, fmt.Sprintf("Usage: cutover demo [flags]\n\nWatch a simulated cutover night: %d numbers ported from a legacy to a new\nSIP trunk, with everything that goes wrong on such a night. It is recorded\nto SQLite and can be replayed with \"cutover replay FILE\". The action keys\n(f, F, o, u) act on the simulated network: nothing outside the process changes.\n\nFlags:\n", sim.DefaultOptions().Numbers))
	return fs, o
}

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs, o := demoFlags()
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cutover demo: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if o.numbers < 1 || o.numbers > sim.MaxNumbers || o.speed < 0 || o.rate <= 0 {
		fmt.Fprintf(stderr, "cutover demo: --numbers must be 1 to %d, --speed not negative, --calls-per-hour positive\n", sim.MaxNumbers)
		return errUsage
	}
	speedSet := false
	fs.Visit(func(f *flag.Flag) { speedSet = speedSet || f.Name == "speed" })
	if o.headless && !speedSet {
		o.speed = 0
	}
	if o.db == "" {
		o.db = time.Now().Format("cutover-demo-20060102-150405.db")
	}
	logger, closeLog, err := newLogger(o.logPath, o.headless, stderr)
	if err != nil {
		return err
	}
	defer closeLog()

	so := sim.DefaultOptions()
	so.Seed, so.Numbers, so.CallsPerNumberHour = o.seed, o.numbers, o.rate
	cfg := sim.Config(so)
	st, err := store.Open(o.db)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.BeginCutover(cfg, "demo", so.Start.UnixNano()); err != nil {
		return err
	}
	w := store.NewWriter(st, store.WriterOptions{})
	pacer := pipeline.NewPacer(o.speed)
	night := sim.New(so)
	verifier, err := demoVerifier()
	if err != nil {
		return err
	}
	var clock atomic.Int64 // event time of the night's latest event: when an action happens
	clock.Store(so.Start.UnixNano())
	next := func() (monitor.Event, bool, error) {
		ev, ok := night.Next()
		if ok {
			clock.Store(ev.Time)
		}
		return ev, ok, nil
	}
	s := &session{
		mode: tui.ModeDemo, cfg: cfg, path: st.Path(), recorder: w, pacer: pacer, verifier: verifier,
		feed: func(ctx context.Context, pub func(context.Context, monitor.Event) error) error {
			return pacer.Play(ctx, next, pub)
		},
		headless: o.headless, duration: o.duration, logger: logger, stdout: stdout,
		actions: demoActions(cfg, night.Routes(), clock.Load),
		note:    pipelineNotes("", false),
	}
	if o.viaHEP {
		if s.feed, s.sources, err = overHEP(pacer, next, logger); err != nil {
			return err
		}
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
	fmt.Fprintln(stdout, summary("demo", st.Path(), out))
	return runErr
}

// summary is the one line a demo or replay leaves on the terminal.
func summary(what, path string, out outcome) string {
	if out.snap == nil {
		return fmt.Sprintf("cutover %s: nothing was folded; recording %s", what, path)
	}
	s := out.snap
	open := 0
	for _, a := range s.Alerts {
		if a.Open {
			open++
		}
	}
	end := "night complete"
	if out.feedErr != nil {
		end = "stopped early"
	}
	return fmt.Sprintf("cutover %s: %s at %s after %s: %d events (%d SIP, %d malformed), %d dropped, %d alerts open; recording %s",
		what, end, time.Unix(0, s.Now).UTC().Format("2006-01-02 15:04:05Z"), out.elapsed.Round(time.Millisecond),
		out.stats.Applied, s.SIP, s.Malformed, out.stats.Dropped, open, path)
}

// demoVerifier checks the simulator's Identity headers against the
// fixtures' test PKI, offline: fixtures.X5U is served from memory.
func demoVerifier() (*stir.Verifier, error) {
	return stir.NewVerifier(stir.Options{
		Trust: fixtures.STIRPool(),
		Certs: stir.NewFetcher(stir.FetcherOptions{Static: map[string][]byte{fixtures.X5U: fixtures.SPCertPEM()}, Offline: true}),
	})
}
