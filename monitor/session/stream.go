package session

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/natsbus"
	"github.com/cutover/cutover/monitor/porting"
	"github.com/cutover/cutover/monitor/probe"
	"github.com/cutover/cutover/tui"
)

// StreamFrom is the NATS JetStream stream a watch folds (cutover watch
// --from) instead of its own collector, probes and porting poller: the
// collectors near each SBC (cutover collect) took those in, verified
// STIR and judged the events' times.
type StreamFrom struct {
	URL    string        // nats://HOST:PORT[,...][/STREAM] (no stream: the file's, natsbus.StreamName)
	Window time.Duration // the reorder window (0: natsbus.DefaultWindow)
	c      *natsbus.Consumer

	rateMu         sync.Mutex // the header's rate: received per second, over the last second or more
	rateN          uint64
	rateAt, perSec float64
}

// connectTimeout bounds how long connecting to NATS may take before a
// watch, a collector or a replay is refused.
const connectTimeout = 10 * time.Second

// connect reaches the stream before anything starts: a server away or a
// stream missing refuses the watch.
func (sf *StreamFrom) connect(f *config.File, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	c, err := natsbus.NewConsumer(ctx, natsbus.ConsumeOptions{URL: sf.URL, Stream: natsbus.StreamName(f.Cutover.Name),
		Window: sf.Window, Follow: true, Logger: logger})
	sf.c = c
	return err
}

// close closes the stream's connection (if any; again is harmless).
func (sf *StreamFrom) close() {
	if sf != nil && sf.c != nil {
		sf.c.Close()
	}
}

// intake is how a watch's events enter: from a stream, at the fold's
// pace (the stream keeps what waits), their times already judged by the
// collectors and their STIR verdicts inside them.
func (sf *StreamFrom) intake(o IntakeOptions) IntakeOptions {
	if sf != nil {
		o.Delivery, o.Time, o.Verifier = Lossless, monitor.TimeTrusted, nil
	}
	return o
}

// feed is the watch's source, its collector's counters (nil: no
// collector) and the sources' health for the header.
func (wa Watch) feed(col *hep.Collector, live *capture.Live, med liveMedia, prober *probe.Prober, sweeper *Sweeper, poller *porting.Poller, logger *slog.Logger) (Source, func() hep.Stats, func() []tui.SourceStat) {
	if sf := wa.From; sf != nil {
		return SourceFunc(sf.feed), nil, sf.health
	}
	return liveFeed(col, live, med, prober, sweeper, poller, logger), col.Stats, func() []tui.SourceStat {
		h := col.Stats()
		return slices.Concat([]tui.SourceStat{sourceStat(h)}, captureStat(live), forwardStats(h), portingStat(poller))
	}
}

// logStart says what the watch takes in and where it records.
func (wa Watch) logStart(logger *slog.Logger, col *hep.Collector, path string) {
	f := wa.File
	if wa.From != nil {
		logger.Info("watching a stream", "config", f.Path, "nats", wa.From.URL, "stream", wa.From.c.Stream(), "recording", path)
		return
	}
	logger.Info("watching", "config", f.Path, "hep", col.UDPAddr().String(), "tcp", f.HEP.TCP, "forward", f.HEP.Forward, "recording", path)
}

// feed folds the stream in event-time order, with the clock's ticks,
// until ctx ends.
func (sf *StreamFrom) feed(ctx context.Context, in *Intake) error {
	defer sf.c.Close()
	sf.c.MeasureToFold(func() (uint64, uint64) { _, st := in.Latest(); return st.Published, st.Applied })
	var wg sync.WaitGroup
	wg.Go(func() { clockTicks(ctx, func(ev monitor.Event) bool { return in.Publish(ctx, ev) == nil }) })
	err := sf.c.Run(ctx, in.Publish)
	wg.Wait()
	return err
}

// health is the stream in the header: what it brought, and what came
// later than the window (quarantined) as its losses.
func (sf *StreamFrom) health() []tui.SourceStat {
	st := sf.c.Stats()
	sf.rateMu.Lock()
	defer sf.rateMu.Unlock()
	if now := float64(time.Now().UnixNano()) / 1e9; now-sf.rateAt >= 1 {
		if sf.rateAt > 0 {
			sf.perSec = float64(st.Received-sf.rateN) / (now - sf.rateAt)
		}
		sf.rateN, sf.rateAt = st.Received, now
	}
	state := "consuming"
	if !st.Connected {
		state = "reconnecting"
	}
	return []tui.SourceStat{{Name: "nats", State: state, PerSec: sf.perSec, Packets: st.Received, Malformed: st.Malformed, Dropped: st.Late}}
}

// outcome puts the watch's input counts in its outcome: the collector's,
// or the stream's.
func (sf *StreamFrom) outcome(out *Outcome, hepStats func() hep.Stats) {
	if sf == nil {
		h := hepStats()
		out.HEP = &h
		return
	}
	out.Stream = streamSummary(sf.c.Stream(), sf.c.Stats())
}

// streamSummary is a consumer's line in a summary: counts, sites, lag.
func streamSummary(stream string, st natsbus.ConsumeStats) string {
	sites := make([]string, 0, len(st.Sites))
	for s, n := range st.Sites {
		sites = append(sites, fmt.Sprintf("%s %d", s, n))
	}
	sort.Strings(sites)
	ms := func(ns int64) string { return time.Duration(ns).Round(time.Millisecond).String() }
	return fmt.Sprintf("nats %s: %d received in %d messages (%s), %d duplicates (dropped by id), %d malformed messages, %d later than the reorder window (quarantined), %d held; lag from a collector's receipt to the fold p50 %s, p99 %s, max %s (%d sampled)",
		stream, st.Received, st.Messages, strings.Join(sites, ", "), st.Duplicates, st.Malformed, st.Late, st.Held, ms(st.Lag.P50), ms(st.Lag.P99), ms(st.Lag.Max), st.Lag.N)
}
