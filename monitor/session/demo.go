package session

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
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

// RunOptions are how long and where a session runs, common to the demo, a replay
// and a watch.
type RunOptions struct {
	Headless bool
	Duration time.Duration // wall-clock limit; 0 = until the source ends (or q)
	Logger   *slog.Logger
	Input    io.Reader // the screen's terminal (nil: the process's)
	Output   io.Writer
}

func (r RunOptions) options(mode tui.Mode, path string, src Source) Options {
	return Options{Mode: mode, Path: path, Source: src, Headless: r.Headless, Duration: r.Duration, Logger: r.Logger,
		Screen: Screen{Input: r.Input, Output: r.Output}}
}

// Demo is a simulated cutover night, recorded to DB. The action keys act
// on the simulated network: nothing outside the process changes.
type Demo struct {
	DB      string
	Sim     sim.Options
	Speed   float64 // event seconds per wall second (0 = as fast as possible)
	ViaHEP  bool    // the night's SIP travels as HEPv3 over UDP on 127.0.0.1 to a collector
	Session RunOptions
}

// Run records the night until it ends (or the screen quits).
func (d Demo) Run(ctx context.Context) (Outcome, error) {
	cfg := sim.Config(d.Sim)
	st, err := store.Open(d.DB)
	if err != nil {
		return Outcome{}, err
	}
	defer st.Close()
	if _, err := st.BeginCutover(cfg, "demo", d.Sim.Start.UnixNano()); err != nil {
		return Outcome{}, err
	}
	w := store.NewWriter(st, store.WriterOptions{})
	pacer := pipeline.NewPacer(d.Speed)
	night := sim.New(d.Sim)
	verifier, err := demoVerifier()
	if err != nil {
		_ = w.Close()
		return Outcome{}, err
	}
	var clock atomic.Int64 // event time of the night's latest event: when an action happens
	clock.Store(d.Sim.Start.UnixNano())
	next := func() (monitor.Event, bool, error) {
		ev, ok := night.Next()
		if ok {
			clock.Store(ev.Time)
		}
		return ev, ok, nil
	}
	// The simulator's times are right by construction: nothing to judge.
	// (Over HEP its port changes reach the intake before the SIP sent
	// just ahead of them, which a judge by neighbours would take for a
	// jump.)
	in := NewIntake(IntakeOptions{Config: cfg, Recorder: w, Delivery: Paced, Pacer: pacer, Verifier: verifier,
		Time: monitor.TimeTrusted, Logger: d.Session.Logger})
	o := d.Session.options(tui.ModeDemo, st.Path(), SourceFunc(func(ctx context.Context, in *Intake) error {
		return pacer.Play(ctx, next, in.Publish)
	}))
	o.Screen.Player = pacer
	o.Screen.Actor = demoActor(cfg, night.Routes(), clock.Load, in.Record)
	o.Screen.Note = recordNotes(in, "", false)
	o.Screen.Ack = recordAcks(in, "", false)
	if d.ViaHEP {
		if o.Source, o.Screen.Health, err = overHEP(pacer, next, o.Logger); err != nil {
			_ = w.Close()
			return Outcome{}, err
		}
	}
	return finish(st, w, New(in, o), ctx)
}

// finish runs s and closes the recording's writer and ends its cutover
// as soon as the night's last event is folded (the screen then says the
// recording is closed), or once s has run. The outcome's Recorded and
// Lost are the closed writer's: what the file holds, and what it never
// will.
func finish(st *store.Store, w *store.Writer, s *Session, ctx context.Context) (Outcome, error) {
	var (
		once     sync.Once
		closeErr error
	)
	closeRec := func(snap *monitor.Snapshot) error {
		once.Do(func() { closeErr = closeRecording(st, w, snap) })
		return closeErr
	}
	s.o.Finish = closeRec
	out, runErr := s.Run(ctx)
	if err := closeRec(out.Snap); err != nil && runErr == nil {
		runErr = err
	}
	out.Recording = true
	out.Stats.Recorded, out.Stats.Lost, _ = w.Status()
	return out, runErr
}

// closeRecording closes the writer and records the cutover's end: the
// fold's clock at its last event (snap), or now when nothing moved it
// (every event quarantined, or none).
func closeRecording(st *store.Store, w *store.Writer, snap *monitor.Snapshot) error {
	werr := w.Close()
	end := time.Now().UnixNano()
	if snap != nil && snap.Now != 0 {
		end = snap.Now
	}
	return cmp.Or(werr, st.EndCutover(end))
}

// Summary is the line a session leaves on the terminal (a watch's adds
// its collector's counts).
func (out Outcome) Summary(what string) string {
	if out.HEP != nil {
		return strings.TrimSuffix(watchSummary(out.summary(what), *out.HEP, out.Capture, out.Stats)+"\n"+out.Alerts, "\n")
	}
	if out.Stream != "" {
		return strings.Replace(out.summary(what), "stopped early", "stopped", 1) + "\n" + out.Stream
	}
	return out.summary(what)
}

func (out Outcome) summary(what string) string {
	path := out.Path
	if out.Snap == nil {
		return fmt.Sprintf("cutover %s: nothing was folded; recording %s%s", what, path, out.recorded())
	}
	s := out.Snap
	open := 0
	for _, a := range s.Alerts {
		if a.Open {
			open++
		}
	}
	end := "night complete"
	switch {
	case out.FeedErr != nil:
		end = "stopped early"
	case out.CutShort:
		end = "recording cut short (no end recorded: its writer was killed, or is still recording); last event"
	}
	return fmt.Sprintf("cutover %s: %s at %s after %s: %d events (%d SIP, %d malformed), %d dropped, %d alerts open; recording %s%s",
		what, end, time.Unix(0, s.Now).UTC().Format("2006-01-02 15:04:05Z"), out.Elapsed.Round(time.Millisecond),
		out.Stats.Applied, s.SIP, s.Malformed, out.Stats.Dropped, open, path, out.recorded()) + setAside(s)
}

// setAside is what the fold counted without folding, when there is any.
func setAside(s *monitor.Snapshot) string {
	var parts []string
	if s.Quarantined > 0 {
		parts = append(parts, fmt.Sprintf("%d events quarantined for their time", s.Quarantined))
	}
	if s.CallsEvicted > 0 {
		parts = append(parts, fmt.Sprintf("%d unanswered calls evicted from a full table", s.CallsEvicted))
	}
	if s.Stir.Overloaded > 0 {
		parts = append(parts, fmt.Sprintf("%d requests not STIR-verified (verifier overloaded)", s.Stir.Overloaded))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; set aside: " + strings.Join(parts, ", ")
}

// recorded is what the recording holds and lost (the folded events and
// the alerts derived from them), for a session that wrote it.
func (out Outcome) recorded() string {
	if !out.Recording {
		return ""
	}
	return fmt.Sprintf(" (%d events committed, %d lost)", out.Stats.Recorded, out.Stats.Lost)
}

// demoVerifier checks the simulator's Identity headers against the
// fixtures' test PKI, offline: fixtures.X5U is served from memory.
func demoVerifier() (*stir.Verifier, error) {
	return stir.NewVerifier(stir.Options{
		Trust: fixtures.STIRPool(),
		Certs: stir.NewFetcher(stir.FetcherOptions{Static: map[string][]byte{fixtures.X5U: fixtures.SPCertPEM()}, Offline: true}),
	})
}
