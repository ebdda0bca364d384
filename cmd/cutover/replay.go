package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
)

type replayOpts struct {
	speed    float64
	headless bool
	duration time.Duration
	logPath  string
}

func replayFlags() (*flag.FlagSet, *replayOpts) {
	o := &replayOpts{}
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.Float64Var(&o.speed, "speed", 60, "event seconds per wall second (0 = as fast as possible; headless default 0)")
	fs.BoolVar(&o.headless, "headless", false, "no screen: fold the recording, print a one-line summary and exit")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this much wall-clock time (0 = at the end of the recording)")
	fs.StringVar(&o.logPath, "log", "", "write the log to this file (default: none on screen, stderr headless)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: cutover replay [flags] FILE.db\n\nPlay a recorded cutover night back through the same fold and screen.\nThe recording is opened read-only.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs, o
}

func runReplay(args []string, stdout, stderr io.Writer) error {
	fs, o := replayFlags()
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "cutover replay: give exactly one recording (FILE.db)")
		return errUsage
	}
	if o.speed < 0 {
		fmt.Fprintln(stderr, "cutover replay: --speed must not be negative")
		return errUsage
	}
	speedSet := false
	fs.Visit(func(f *flag.Flag) { speedSet = speedSet || f.Name == "speed" })
	if o.headless && !speedSet {
		o.speed = 0
	}
	path := fs.Arg(0)
	r, err := store.OpenReader(path)
	if err != nil {
		return err
	}
	defer r.Close()
	logger, closeLog, err := newLogger(o.logPath, o.headless, stderr)
	if err != nil {
		return err
	}
	defer closeLog()

	pacer := pipeline.NewPacer(o.speed)
	s := &session{
		mode: tui.ModeReplay, cfg: r.Cutover().Config, path: path, pacer: pacer, lossless: true,
		feed: func(ctx context.Context, pub func(context.Context, monitor.Event) error) error {
			return r.Events(ctx, 0, func(_ int64, ev monitor.Event) error {
				if err := pacer.Wait(ctx, ev.Time); err != nil {
					return err
				}
				return pub(ctx, ev)
			})
		},
		headless: o.headless, duration: o.duration, logger: logger, stdout: stdout,
	}
	out, err := s.run(context.Background())
	fmt.Fprintln(stdout, summary("replay", path, out))
	return err
}
