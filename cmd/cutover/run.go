package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/cutover/cutover/monitor/session"
	"github.com/cutover/cutover/store"
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

// session is how the session runs, with its logger (closed by the
// returned func).
func (r *runOpts) session(stderr io.Writer) (session.RunOptions, func(), error) {
	logger, closeLog, err := newLogger(r.logPath, r.headless, stderr)
	if err != nil {
		return session.RunOptions{}, nil, err
	}
	return session.RunOptions{Headless: r.headless, Duration: r.duration, Logger: logger}, closeLog, nil
}

// summarise prints a session's summary line, if it ran, and passes its
// error on.
func summarise(stdout io.Writer, what string, out session.Outcome, err error) error {
	if out.Path != "" {
		fmt.Fprintln(stdout, out.Summary(what))
	}
	return err
}

// speedSet says whether the command line gave --speed.
func speedSet(fs *flag.FlagSet) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "speed" })
	return set
}

// newLogger logs to path, or nowhere for a screen session without one
// (anything on stderr would tear the screen), or to stderr when headless.
// It also becomes slog's default, since sipgo logs there.
func newLogger(path string, headless bool, stderr io.Writer) (*slog.Logger, func(), error) {
	var w io.Writer = io.Discard
	closeFn := func() {}
	switch {
	case path != "":
		f, err := store.OpenOwnFile(path, os.O_WRONLY|os.O_APPEND)
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
