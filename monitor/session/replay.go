package session

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"sort"
	"syscall"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/monitor/replay"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
)

// Replay plays a recording back through the same fold and screen. The
// recording is opened read-only; notes taken on screen go to its side
// file (FILE.db-notes.jsonl).
type Replay struct {
	Path    string
	Speed   float64 // event seconds per wall second (0 = as fast as possible)
	Follow  bool    // a recording still being written: start at its end and stay live
	Session RunOptions
}

// Run plays the recording to its end (headless) or until the screen quits.
func (rp Replay) Run(ctx context.Context) (Outcome, error) {
	open := store.OpenReader // a recording read once: nothing is left beside it
	if rp.Follow {
		open = store.OpenFollower // every commit of the writer is seen
	}
	r, err := open(rp.Path)
	if err != nil {
		return Outcome{}, err
	}
	defer r.Close()
	pacer := pipeline.NewPacer(rp.Speed)
	cfg := r.Cutover().Config
	ctl := replay.NewController(&recording{Reader: r}, replay.Options{
		Config: cfg, Pacer: pacer, Follow: rp.Follow, Hold: !rp.Session.Headless, WriterGone: writerGone(rp.Path),
		Logger: rp.Session.Logger,
	})
	in := NewIntake(IntakeOptions{Config: cfg, Delivery: Lossless, Pacer: pacer, Logger: rp.Session.Logger})
	o := rp.Session.options(tui.ModeReplay, rp.Path, SourceFunc(func(ctx context.Context, in *Intake) error {
		return ctl.Run(ctx, in.Publish, in.Replace)
	}))
	o.Screen.Player = pacer
	o.Screen.NoActions = "replay: read-only (act on the live night with cutover act or cutover watch)"
	if !rp.Session.Headless {
		side, err := loadSideNotes(rp.Path)
		if err != nil {
			return Outcome{}, err
		}
		o.Screen.Seeker, o.Screen.SideNotes = ctl, side.all
		o.Screen.Note = func(t int64, text string) error {
			if err := side.add(t, text); err != nil {
				return err
			}
			ctl.AddMark(monitor.Mark{Time: t, Kind: monitor.MarkNote})
			return nil
		}
	}
	out, err := New(in, o).Run(ctx)
	if _, ended, perr := r.Progress(); perr == nil && ended == 0 {
		out.CutShort = true
	}
	return out, err
}

// writerGone says whether the watch writing db is known gone: its control
// socket is still there and nobody answers it (a watch killed with
// SIGKILL leaves it; one that stops removes it and writes its end). A
// demo or an import has no socket: then only the time says.
func writerGone(db string) func() bool {
	return func() bool {
		path := ControlPath(db)
		if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeSocket == 0 {
			return false
		}
		c, err := net.DialTimeout("unix", path, time.Second)
		if err == nil {
			c.Close()
			return false
		}
		return errors.Is(err, syscall.ECONNREFUSED)
	}
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
	side, err := ReadSideNotes(r.Path())
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
