package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/cutover/cutover/monitor/session"
)

type replayOpts struct {
	speed  float64
	follow bool
	runOpts
}

func replayFlags() (*flag.FlagSet, *replayOpts) {
	o := &replayOpts{}
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.Float64Var(&o.speed, "speed", 60, "event seconds per wall second (0 = as fast as possible; headless default 0)")
	o.runOpts.flags(fs, "fold the recording, print a one-line summary and exit", "at the end of the recording")
	fs.BoolVar(&o.follow, "follow", false, "follow a recording that is still being written (another cutover records it): start at its end and stay live")
	setUsage(fs, "Usage: cutover replay [flags] FILE.db\n\nPlay a recorded cutover night back through the same fold and screen.\nThe recording is opened read-only; notes taken with n go to FILE.db-notes.jsonl.\n\nFlags:\n")
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
	out, err := session.Replay{Path: fs.Arg(0), Speed: o.speed, Follow: o.follow, Session: run}.Run(ctx)
	return summarise(stdout, "replay", out, err)
}
