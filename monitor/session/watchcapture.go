package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/mediatrack"
	"github.com/cutover/cutover/tui"
)

// openCapture opens [capture] (or --iface): nil without an interface.
// Its filter is compiled and attached here, so a bad one, a missing
// interface or a missing CAP_NET_RAW refuses the watch before it starts.
func openCapture(ctx context.Context, c config.Capture, th monitor.Thresholds) (*capture.Live, error) {
	if c.Iface == "" {
		return nil, nil
	}
	if err := config.CheckIface(c.Iface); err != nil {
		return nil, fmt.Errorf("--iface: %w", err)
	}
	// The reader matches the RTP it sees to its calls (monitor/mediatrack).
	med := mediatrack.New(mediatrack.Options{NoMediaAfter: th.NoMediaAfter, Source: monitor.SourcePcap})
	return capture.OpenLive(ctx, capture.LiveOptions{Iface: c.Iface, BPF: c.BPF, Options: capture.Options{Media: med}})
}

// serveCapture reads the interface until ctx ends (nothing without one).
// Only a full queue loses an event: once ctx has ended, Publish still
// queues what the capture drains from its ring (and says ctx ended).
func serveCapture(ctx context.Context, live *capture.Live, in *Intake) error {
	if live == nil {
		return nil
	}
	return live.Serve(ctx, func(ev monitor.Event) bool { return !errors.Is(in.Publish(ctx, ev), ErrDropped) })
}

// captureStat is the interface capture in the header, "iface lo": its
// frames per second, the events the pipeline refused, and the frames the
// kernel dropped (its ring full) with the other stages' losses.
func captureStat(live *capture.Live) []tui.SourceStat {
	if live == nil {
		return nil
	}
	s := live.Stats()
	return []tui.SourceStat{{Name: s.Name, State: s.State, PerSec: s.PerSec, Packets: s.Packets,
		Dropped: s.Dropped, KernelDropped: s.KernelDropped}}
}

// captureStats is the capture's counters at the end (nil without one).
func captureStats(live *capture.Live) *capture.LiveStats {
	if live == nil {
		return nil
	}
	s := live.Stats()
	return &s
}

// captureSummary is the summary's line for the capture ("" without one).
func captureSummary(c *capture.LiveStats) string {
	if c == nil {
		return ""
	}
	return fmt.Sprintf("\n%s: %d frames read, %d events, %d dropped (%d by the kernel, ring full, of %d it passed the filter; %d queue freezes; %d by the pipeline)",
		c.Name, c.Packets, c.Events+c.Dropped, c.KernelDropped+c.Dropped, c.KernelDropped, c.KernelPackets, c.QueueFreezes, c.Dropped)
}

// captureMetrics is the capture's counters for /metrics (nil without one).
func captureMetrics(live *capture.Live) func() capture.LiveStats {
	if live == nil {
		return nil
	}
	return live.Stats
}
