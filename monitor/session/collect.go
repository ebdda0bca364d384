package session

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/natsbus"
	"github.com/cutover/cutover/monitor/probe"
	"github.com/cutover/cutover/monitor/stir"
)

// Collect runs near an SBC (cutover collect --to): a watch's inputs (the
// HEP collector, the interface capture of [capture] iface, the probes,
// the porting poller), with STIR verified and
// the events' times judged here, published to the cutover's NATS
// JetStream stream instead of folded and recorded. Headless; it stops on
// SIGINT, SIGTERM, ctx or Duration, once everything published is
// acknowledged by the stream (or ackGrace has passed).
type Collect struct {
	File      *config.File
	To        string         // nats://HOST:PORT[,...][/STREAM] (no stream: the file's, natsbus.StreamName)
	Site      string         // carried by each event (default: the host's name)
	Collector *hep.Collector // nil: listen where the file's [hep] says
	Duration  time.Duration  // 0: until stopped
	Logger    *slog.Logger
}

// Collected is what a collector leaves behind for its summary.
type Collected struct {
	Stream  string
	HEP     hep.Stats
	Capture *capture.LiveStats // the interface capture (nil: none)
	Pub     natsbus.PublishStats
	Elapsed time.Duration
}

// ackGrace bounds how long a stopping collector waits for the stream's
// acknowledgements (a server away that long: the rest is counted failed).
const ackGrace = 30 * time.Second

// collectProgress is how often a collector logs its counts.
const collectProgress = 10 * time.Second

// Run collects and publishes until stopped.
func (c Collect) Run(parent context.Context) (Collected, error) {
	logger := cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	site := c.Site
	if site == "" {
		site, _ = os.Hostname()
	}
	live, err := openCapture(parent, c.File.Capture, c.File.Cutover.Thresholds) // first: a refused capture leaves nothing open
	if err != nil {
		return Collected{}, err
	}
	defer live.Close()
	med := newLiveMedia(c.File.Cutover.Thresholds, monitor.SourceHEP)
	poller, col, err := Watch{File: c.File, Collector: c.Collector}.inputs(logger, med)
	if err != nil {
		return Collected{}, err
	}
	verifier, err := configVerifier(c.File)
	if err != nil {
		return Collected{}, err
	}
	cctx, cancel := context.WithTimeout(parent, connectTimeout)
	pub, err := natsbus.NewPublisher(cctx, natsbus.PublishOptions{URL: c.To, Stream: natsbus.StreamName(c.File.Cutover.Name), Site: site, Logger: logger})
	cancel()
	if err != nil {
		return Collected{}, err
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.Duration > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.Duration)
		defer cancel()
	}
	logger.Info("collecting", "config", c.File.Path, "hep", col.UDPAddr().String(), "tcp", c.File.HEP.TCP, "nats", c.To, "stream", pub.Stream(), "site", site)
	start := time.Now()
	publish := collectPublish(pub, verifier)
	go logCollectProgress(ctx, logger, col, pub)
	var wg sync.WaitGroup
	if live != nil {
		wg.Go(func() { _ = live.Serve(ctx, publish.event) })
	}
	runInputs(ctx, publish.event, col, med, probe.New(c.File, probe.Options{Logger: logger}), poller, logger)
	wg.Wait()
	publish.close()
	actx, cancel := context.WithTimeout(context.Background(), ackGrace)
	defer cancel()
	err = pub.Close(actx)
	res := Collected{Stream: pub.Stream(), HEP: col.Stats(), Capture: captureStats(live), Pub: pub.Stats(), Elapsed: time.Since(start)}
	return res, err
}

// collectPublisher is how a collector's events reach the stream: STIR
// verified (a verdict that needs a certificate fetch follows as its own
// event), the time judged by this host's clock, then published.
type collectPublisher struct {
	pub   *natsbus.Publisher
	async *stir.Async
}

func collectPublish(pub *natsbus.Publisher, v *stir.Verifier) *collectPublisher {
	cp := &collectPublisher{pub: pub}
	if v != nil {
		cp.async = v.Async(stir.AsyncOptions{Deliver: func(ev monitor.Event) { pub.Publish(ev) }})
	}
	return cp
}

func (cp *collectPublisher) event(ev monitor.Event) bool {
	if cp.async != nil {
		cp.async.Annotate(&ev)
	}
	monitor.JudgeByWall(&ev, time.Now().UnixNano())
	return cp.pub.Publish(ev)
}

// close delivers the verdicts still being fetched.
func (cp *collectPublisher) close() {
	if cp.async != nil {
		cp.async.Close(verdictGrace)
	}
}

func logCollectProgress(ctx context.Context, logger *slog.Logger, col *hep.Collector, pub *natsbus.Publisher) {
	t := time.NewTicker(collectProgress)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h, p := col.Stats(), pub.Stats()
			logger.Info("collect progress", "hep packets", h.Packets, "published", p.Taken, "acked", p.Acked, "duplicates", p.Duplicates,
				"retries", p.Retries, "dropped", p.Dropped+h.KernelDropped+h.QueueDropped, "queued", p.Queued, "connected", p.Connected)
		}
	}
}

// Summary is the line a collector leaves on the terminal.
func (r Collected) Summary() string {
	h, p := r.HEP, r.Pub
	return fmt.Sprintf("cutover collect: stream %s after %s: %d HEP packets (%d malformed, %d not SIP), %d events published, %d acknowledged (%d duplicates of a resend), %d retries, %d dropped (%d kernel, %d parse queue, %d publish queue full), %d not acknowledged",
		r.Stream, r.Elapsed.Round(time.Millisecond), h.Packets, h.Malformed, h.NotSIP, p.Taken, p.Acked, p.Duplicates, p.Retries,
		h.KernelDropped+h.QueueDropped+p.Dropped, h.KernelDropped, h.QueueDropped, p.Dropped, p.Failed) + captureSummary(r.Capture)
}
