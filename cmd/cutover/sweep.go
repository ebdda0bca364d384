package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"

	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/session"
)

type sweepOpts struct {
	config, db, numbers string
	rate                float64
	concurrency         int
	yes, out            bool
}

func sweepFlags() (*flag.FlagSet, *sweepOpts) {
	o := &sweepOpts{}
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.StringVar(&o.config, "c", "", "the cutover file (cutover.toml)")
	fs.StringVar(&o.db, "db", "", "the running watch's recording (default: the file's db)")
	fs.StringVar(&o.numbers, "numbers", "", "NUMBER, PREFIX*, FIRST-LAST or a port request id (default: every number of the file)")
	fs.Float64Var(&o.rate, "rate", 0, "test calls started a second (default: [probes] sweep_rate)")
	fs.IntVar(&o.concurrency, "concurrency", 0, "test calls at once (default: [probes] sweep_concurrency)")
	fs.BoolVar(&o.out, "out", false, "the outbound check: a call from each number to [probes] outbound_check_to through sbc_uri")
	fs.BoolVar(&o.yes, "yes", false, "do not ask")
	setUsage(fs, `Usage:
  cutover sweep -c cutover.toml [--numbers NUMBER|PREFIX*|FIRST-LAST|REQUEST] [--rate R] [--concurrency N] [--out] [--yes]

A running cutover watch places a test call to each number from [probes]
test_call_from, each INVITE carrying X-Cutover-Sweep, and folds where each
arrived. With --out, the outbound check: a call from each number to
outbound_check_to through sbc_uri, and which trunk it left by, with which
attestation. Prints the progress, then each number's verdict.
Exit status: 0 every number landed on (left by) new, 1 any did not (or failed), 2 usage.

Flags:
`)
	return fs, o
}

func runSweep(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, o := sweepFlags()
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if o.config == "" || fs.NArg() > 0 || o.rate < 0 || o.concurrency < 0 {
		fmt.Fprintln(stderr, "cutover sweep: want -c cutover.toml and flags only (a rate and concurrency not negative)")
		return errUsage
	}
	f, err := config.Load(o.config)
	if err != nil {
		return err
	}
	in := bufio.NewReader(stdin)
	return session.SweepCommand{
		File: f, DB: o.db, Yes: o.yes, Out: stdout,
		Request: session.SweepRequest{Target: o.numbers, Rate: o.rate, Concurrency: o.concurrency, Out: o.out},
		Confirm: func(title string) bool { return confirm(in, stdout, title, "") },
	}.Run()
}
