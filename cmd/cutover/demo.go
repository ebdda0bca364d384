package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor/session"
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

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
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
	if o.headless && !speedSet(fs) {
		o.speed = 0
	}
	if o.db == "" {
		o.db = time.Now().Format("cutover-demo-20060102-150405.db")
	}
	run, closeLog, err := o.runOpts.session(stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	so := sim.DefaultOptions()
	so.Seed, so.Numbers, so.CallsPerNumberHour = o.seed, o.numbers, o.rate
	out, err := session.Demo{DB: o.db, Sim: so, Speed: o.speed, ViaHEP: o.viaHEP, Session: run}.Run(ctx)
	return summarise(stdout, "demo", out, err)
}
