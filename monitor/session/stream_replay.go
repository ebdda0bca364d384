package session

import (
	"context"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/natsbus"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/tui"
)

// IsStream says whether a replay's argument is a NATS stream
// (nats://HOST:PORT/STREAM) rather than a recording.
func IsStream(arg string) bool {
	return strings.HasPrefix(arg, "nats://") || strings.HasPrefix(arg, "tls://")
}

// StreamReplay plays a stream's retained history back through the same
// fold and screen, as a recording's replay does: read-only, nothing
// recorded. The stream carries events, not the cutover's configuration:
// File gives the trunks and numbers. The history is read in stream
// order and ordered by event time within the reorder window, so an event
// a live watch found late may fall in place here (the watch's recording
// keeps the verdict it gave).
type StreamReplay struct {
	URL     string
	File    *config.File
	Window  time.Duration // the reorder window (0: natsbus.DefaultWindow)
	Speed   float64       // event seconds per wall second (0 = as fast as possible)
	Session RunOptions
}

// Run plays the history to its end (headless) or until the screen quits.
func (sr StreamReplay) Run(ctx context.Context) (Outcome, error) {
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	c, err := natsbus.NewConsumer(cctx, natsbus.ConsumeOptions{URL: sr.URL, Stream: natsbus.StreamName(sr.File.Cutover.Name),
		Window: sr.Window, Logger: sr.Session.Logger})
	cancel()
	if err != nil {
		return Outcome{}, err
	}
	defer c.Close()
	pacer := pipeline.NewPacer(sr.Speed)
	in := NewIntake(IntakeOptions{Config: sr.File.Cutover, Delivery: Lossless, Pacer: pacer, Logger: sr.Session.Logger})
	c.MeasureToFold(func() (uint64, uint64) { _, st := in.Latest(); return st.Published, st.Applied })
	o := sr.Session.options(tui.ModeReplay, sr.URL, SourceFunc(func(ctx context.Context, in *Intake) error {
		return c.Run(ctx, func(ctx context.Context, ev monitor.Event) error {
			if err := pacer.Wait(ctx, ev.Time); err != nil {
				return err
			}
			return in.Publish(ctx, ev)
		})
	}))
	o.Screen.Player = pacer
	o.Screen.NoActions = "replay of a stream: read-only (act on the live night with cutover act or cutover watch)"
	out, err := New(in, o).Run(ctx)
	out.Stream = streamSummary(c.Stream(), c.Stats())
	return out, err
}
