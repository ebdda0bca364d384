package hep

import (
	"sync"
	"time"
)

// Stats describe the collector for the screen's header.
type Stats struct {
	Name         string // "hep udp+tcp :9060"
	State        string // listening, stopped
	Packets      uint64 // HEP packets received (good and bad)
	PerSec       float64
	Malformed    uint64 // undecodable HEP, truncated streams, unparsable SIP
	AuthRejected uint64 // wrong or missing auth key
	NotSIP       uint64 // a SIP-typed payload that is not SIP
	Other        uint64 // other protocol types (logs, DNS; RTCP without OnMedia), ignored
	Media        uint64 // RTCP reports (type 5) decoded and handed to OnMedia
	// MediaBad counts the RTCP reports refused, by reason (the ErrMedia
	// errors' texts: json, too_large, too_deep, range, no_report,
	// no_call_id, bad_call_id); nil when none was.
	MediaBad   map[string]uint64
	Dropped    uint64 // refused by the pipeline (its queue full)
	TCPRefused uint64 // TCP connections refused: too many in all or from one address
	// The losses before Packets: UDP datagrams the kernel dropped because
	// the socket's buffer was full (Linux: SO_RXQ_OVFL / SO_MEMINFO), so
	// sent = KernelDropped + Packets. Packets = published + Dropped +
	// QueueDropped + Malformed + AuthRejected + NotSIP + Other + Media +
	// the MediaBad counts.
	KernelDropped uint64
	QueueDropped  uint64 // read but not parsed: the parse queue was full
	// Forward is each [hep] forward target's counters (see relay.go).
	Forward []ForwardStats
}

// Stats returns the counters; PerSec is averaged over at least a second.
func (c *Collector) Stats() Stats {
	s := Stats{
		Name:         c.name(),
		Packets:      c.packets.Load(),
		Malformed:    c.malformed.Load(),
		AuthRejected: c.rejected.Load(),
		NotSIP:       c.notSIP.Load(),
		Other:        c.other.Load(),
		Dropped:      c.dropped.Load(),
		TCPRefused:   c.refused.Load(),
		QueueDropped: c.queueDropped.Load(),
		Media:        c.media.Load(),
		Forward:      c.fwd.stats(),
	}
	for i, reason := range mediaReasons {
		if n := c.mediaBad[i].Load(); n > 0 {
			if s.MediaBad == nil {
				s.MediaBad = map[string]uint64{}
			}
			s.MediaBad[reason.Error()] = n
		}
	}
	if v, ok := socketDrops(c.udp); ok {
		c.kernelDrops.observe(v)
	}
	s.KernelDropped = c.kernelDrops.total()
	s.State, _ = c.state.Load().(string)
	c.mu.Lock()
	s.PerSec = c.rate.sample(time.Now(), s.Packets)
	c.mu.Unlock()
	return s
}

func (c *Collector) name() string {
	if c.tcp != nil {
		return "hep " + c.UDPAddr().String() + " udp+tcp"
	}
	return "hep " + c.UDPAddr().String()
}

// dropCounter turns the kernel's 32-bit drop counter, observed from two
// places (a datagram's control message, the socket's counters) in no
// particular order, into a monotonic 64-bit count.
type dropCounter struct {
	mu   sync.Mutex
	last uint32
	sum  uint64
}

func (d *dropCounter) observe(v uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if delta := v - d.last; delta < 1<<31 { // else an older value seen late
		d.sum += uint64(delta)
		d.last = v
	}
}

func (d *dropCounter) total() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sum
}

// rateMeter turns a counter into a rate over windows of at least a second.
type rateMeter struct {
	at   time.Time
	n    uint64
	rate float64
}

func (m *rateMeter) sample(now time.Time, n uint64) float64 {
	if m.at.IsZero() {
		m.at, m.n = now, n
		return 0
	}
	if d := now.Sub(m.at); d >= time.Second {
		m.rate = float64(n-m.n) / d.Seconds()
		m.at, m.n = now, n
	}
	return m.rate
}
