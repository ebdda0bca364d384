package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/monitor/replay"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
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
	if (o.headless || o.follow) && !speedSet {
		o.speed = 0 // as fast as recorded: a follower keeps up with its writer
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
	rec := &recording{Reader: r}
	ctl := replay.NewController(rec, replay.Options{
		Config: r.Cutover().Config, Pacer: pacer, Follow: o.follow, Hold: !o.headless,
	})
	s := &session{
		mode: tui.ModeReplay, cfg: r.Cutover().Config, path: path, pacer: pacer, lossless: true,
		control: ctl.Run, headless: o.headless, duration: o.duration, logger: logger, stdout: stdout,
		actions: screenActions{off: "replay: read-only (act on the live night with cutover act or cutover watch)"},
	}
	if !o.headless {
		side, err := loadSideNotes(path)
		if err != nil {
			return err
		}
		s.seeker, s.sideNotes = ctl, side.all
		s.note = func(*pipeline.Pipeline) func(int64, string) error {
			return func(t int64, text string) error {
				if err := side.add(t, text); err != nil {
					return err
				}
				ctl.AddMark(monitor.Mark{Time: t, Kind: monitor.MarkNote})
				return nil
			}
		}
	}
	out, err := s.run(context.Background())
	fmt.Fprintln(stdout, summary("replay", path, out))
	return err
}

// recording is a store.Reader with the marks of the replay's timeline:
// alerts, actions, and notes from the recording and its side file.
type recording struct{ *store.Reader }

func (r *recording) Marks() ([]monitor.Mark, error) {
	var out []monitor.Mark
	alerts, err := r.Alerts()
	if err != nil {
		return nil, err
	}
	for _, a := range alerts {
		out = append(out, monitor.Mark{Time: a.OpenedNs, Kind: monitor.MarkAlert})
	}
	actions, err := r.Actions()
	if err != nil {
		return nil, err
	}
	for _, a := range actions {
		out = append(out, monitor.Mark{Time: a.RequestedNs, Kind: monitor.MarkAction})
	}
	notes, err := r.Notes()
	if err != nil {
		return nil, err
	}
	side, err := readSideNotes(r.Path())
	if err != nil {
		return nil, err
	}
	for _, n := range append(notes, side...) {
		out = append(out, monitor.Mark{Time: n.TsNs, Kind: monitor.MarkNote})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time < out[j].Time })
	return out, nil
}

// CheckpointTimes lists the recording's checkpoint times (replay.Recording).
func (r *recording) CheckpointTimes() ([]int64, error) {
	cks, err := r.Checkpoints()
	out := make([]int64, len(cks))
	for i, c := range cks {
		out[i] = c.TsNs
	}
	return out, err
}
