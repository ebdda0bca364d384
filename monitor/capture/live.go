package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"

	"github.com/cutover/cutover/monitor"
)

// LiveOptions say what a live capture reads.
type LiveOptions struct {
	Iface string // the network interface (lo, eth0, ...)
	// BPF is a filter in the kernel: a tcpdump expression or a program
	// compiled by `tcpdump -ddd` (see CompileFilter). "": every packet.
	BPF     string
	RingMiB int // the kernel's ring (0: 32 MiB, about a second of 100,000 packets/s)
	Options     // the Reader's bounds
}

// LiveStats describe a live capture for the screen's header and /metrics.
type LiveStats struct {
	Name    string // "iface lo"
	State   string // capturing, stopped, error: ...
	Packets uint64 // frames read from the ring (after the filter)
	PerSec  float64
	Events  uint64 // events handed to the pipeline (SIP messages)
	Dropped uint64 // events the pipeline refused (its queue full)
	// The kernel's counters of the socket (PACKET_STATISTICS, polled every
	// second): frames that passed the filter, and the part of those it
	// dropped because the ring was full (KernelPackets counts them too, as
	// libpcap's ps_recv does), and how often a full ring froze the queue.
	KernelPackets, KernelDropped, QueueFreezes uint64
}

// Live captures from a network interface: frames read from an AF_PACKET
// ring (TPACKET_V3, no cgo) go through the same Reader as a capture file
// (IPv4/IPv6, fragments, TCP streams), with the frame's capture time as
// each event's time and Source pcap.
type Live struct {
	name    string
	ring    ring
	rd      *Reader
	packets atomic.Uint64
	events  atomic.Uint64
	dropped atomic.Uint64
	stop    atomic.Bool
	// drainUntil is when a stopped capture ends at the latest (zero: not
	// stopped); only the reading goroutine uses it.
	drainUntil time.Time
	serving    sync.Mutex // held by Serve: Close waits for it
	closed     sync.Once
	mu         sync.Mutex // guards below
	state      string
	kernel     kernelStats
	rate       float64
}

// ring is the kernel side of a live capture (live_linux.go).
type ring interface {
	read() ([]byte, gopacket.CaptureInfo, error) // the next frame; errRingIdle when none came for a while
	stats() (kernelStats, error)                 // the socket's counters so far
	close()
}

type kernelStats struct{ packets, drops, freezes uint64 }

// errRingIdle says no frame arrived within the ring's poll timeout.
var errRingIdle = errors.New("no frame")

// drainFor bounds how long a stopped capture goes on reading what the
// ring already holds.
const drainFor = time.Second

// liveSource is the Live as the Reader's packet source. When the ring is
// idle it says so (errSourceIdle, stamped now), so that the media reports
// due come out on a quiet link too. Once stopped it reads on until the
// ring is idle (or drainFor has passed), so what was captured before the
// stop is not lost.
type liveSource struct{ l *Live }

func (s liveSource) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	l := s.l
	if l.drainUntil.IsZero() && l.stop.Load() {
		l.drainUntil = time.Now().Add(drainFor)
	}
	data, ci, err := l.ring.read()
	switch {
	case errors.Is(err, errRingIdle) && l.drainUntil.IsZero():
		return nil, gopacket.CaptureInfo{Timestamp: time.Now()}, errSourceIdle
	case errors.Is(err, errRingIdle), !l.drainUntil.IsZero() && time.Now().After(l.drainUntil):
		return nil, ci, io.EOF
	case err != nil:
		return nil, ci, err
	}
	l.packets.Add(1)
	return data, ci, nil
}

// Serve reads the interface until ctx ends, handing each event to publish
// (false: refused, counted as Dropped). It polls the kernel's counters
// every second. The capture is closed when Serve returns.
func (l *Live) Serve(ctx context.Context, publish func(monitor.Event) bool) error {
	l.serving.Lock()
	defer l.serving.Unlock()
	defer l.closed.Do(l.ring.close)
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() { l.pollStats(ctx, done) })
	defer wg.Wait()
	defer close(done)
	stopped := context.AfterFunc(ctx, func() { l.stop.Store(true) })
	defer stopped()
	for {
		ev, err := l.rd.Next()
		if errors.Is(err, io.EOF) {
			l.setState("stopped")
			return ctx.Err()
		}
		if err != nil {
			l.setState("error: " + err.Error())
			return fmt.Errorf("capture on %s: %w", l.name, err)
		}
		if publish(ev) {
			l.events.Add(1)
		} else {
			l.dropped.Add(1)
		}
	}
}

// Close stops a Serve (it returns within the ring's poll timeout) and
// closes the capture; a capture never served is closed at once.
func (l *Live) Close() {
	if l == nil {
		return
	}
	l.stop.Store(true)
	l.serving.Lock()
	defer l.serving.Unlock()
	l.closed.Do(l.ring.close)
}

// pollStats reads the kernel's counters and the rate every second, and
// once more at the end.
func (l *Live) pollStats(ctx context.Context, done <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last, at := l.packets.Load(), time.Now()
	for {
		select {
		case <-done:
			l.sample()
			return
		case <-ctx.Done():
		case now := <-t.C:
			n := l.packets.Load()
			l.mu.Lock()
			l.rate = float64(n-last) / now.Sub(at).Seconds()
			l.mu.Unlock()
			last, at = n, now
		}
		l.sample()
	}
}

func (l *Live) sample() {
	k, err := l.ring.stats()
	if err != nil {
		return
	}
	l.mu.Lock()
	l.kernel = k
	l.mu.Unlock()
}

func (l *Live) setState(s string) {
	l.mu.Lock()
	l.state = s
	l.mu.Unlock()
}

// Name is the capture's name in the header: "iface lo".
func (l *Live) Name() string { return l.name }

// Stats returns the counters: the kernel's as last polled.
func (l *Live) Stats() LiveStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return LiveStats{Name: l.name, State: l.state, Packets: l.packets.Load(), PerSec: l.rate,
		Events: l.events.Load(), Dropped: l.dropped.Load(),
		KernelPackets: l.kernel.packets, KernelDropped: l.kernel.drops, QueueFreezes: l.kernel.freezes}
}

// ReaderStats are the Reader's counts (SIP messages by transport, frames
// skipped, fragments): read them once Serve has returned.
func (l *Live) ReaderStats() Stats { return l.rd.Stats() }
