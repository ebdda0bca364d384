package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/session"
)

type replayOpts struct {
	speed   float64
	follow  bool
	config  string
	reorder time.Duration
	runOpts
}

func replayFlags() (*flag.FlagSet, *replayOpts) {
	o := &replayOpts{}
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.Float64Var(&o.speed, "speed", 60, "event seconds per wall second (0 = as fast as possible; headless default 0)")
	o.runOpts.flags(fs, "fold the recording, print a one-line summary and exit", "at the end of the recording")
	fs.BoolVar(&o.follow, "follow", false, "follow a recording that is still being written (another cutover records it): start at its end and stay live")
	fs.StringVar(&o.config, "c", "", "with nats://HOST:PORT/STREAM: the cutover file (a stream carries no configuration)")
	fs.DurationVar(&o.reorder, "reorder", 0, "with a stream: the reorder window by event time (default 2s)")
	setUsage(fs, "Usage: cutover replay [flags] FILE.db | -c cutover.toml nats://HOST:PORT/STREAM\n\nPlay a recorded cutover night back through the same fold and screen.\nThe recording is opened read-only; notes taken with n go to FILE.db-notes.jsonl.\n\nFlags:\n")
	return fs, o
}

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
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
	if (o.headless || o.follow) && !speedSet(fs) {
		o.speed = 0 // as fast as recorded: a follower keeps up with its writer
	}
	run, closeLog, err := o.runOpts.session(stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	if session.IsStream(fs.Arg(0)) {
		return replayStream(ctx, fs.Arg(0), o, run, stdout)
	}
	out, err := session.Replay{Path: fs.Arg(0), Speed: o.speed, Follow: o.follow, Session: run}.Run(ctx)
	return summarise(stdout, "replay", out, err)
}

// replayStream replays a NATS stream's history with -c's trunks and numbers.
func replayStream(ctx context.Context, url string, o *replayOpts, run session.RunOptions, stdout io.Writer) error {
	if o.config == "" {
		return fmt.Errorf("%s: give the cutover file with -c (a stream carries events, not the configuration)", url)
	}
	f, err := config.Load(o.config)
	if err != nil {
		return err
	}
	out, err := session.StreamReplay{URL: url, File: f, Window: o.reorder, Speed: o.speed, Session: run}.Run(ctx)
	return summarise(stdout, "replay", out, err)
}
