// Package mediatrack matches RTP and RTCP to their calls at ingest, through
// the SDP of the calls' offers and answers, and turns the packets into
// per-call media reports (monitor.KindMedia events): RTP runs at 50 packets
// a second per direction, so packets are never events.
//
// A Tracker sees every SIP message (SIP) and every UDP datagram that is not
// SIP (Packet). An SDP names where its sender receives: RTP sent to that
// c=/m= address and port belongs to the call. Sent to the address of an SDP
// in a request of the caller (the initial INVITE's From tag), it flows
// callee to caller (Forward false); of an SDP in a response to the caller,
// caller to callee (Forward true); a request of the callee (a re-INVITE it
// sends) flips both. RTCP goes to port+1, to a=rtcp, or to the RTP port with
// rtcp-mux (told apart by its packet type). Each 5-tuple and SSRC is a
// stream (media.Stream), never the SSRC alone: a relay such as rtpengine
// keeps the SSRC on both legs, and each leg has its own SDP and 5-tuples.
//
// Reports come out of Due in event-time order: every ReportEvery while a
// call's media flows, once at Answered+NoMediaAfter (with no streams if no
// RTP came either way), and once Final (BYE or CANCEL plus EndGrace, a
// failed call, or Idle without a packet or a SIP message).
package mediatrack

import (
	"math"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// Options tune a Tracker. Zero values take the defaults.
type Options struct {
	ReportEvery  time.Duration // a flowing call's report interval (default 5s)
	NoMediaAfter time.Duration // the report after the answer (default 5s: monitor.Thresholds.NoMediaAfter)
	EndGrace     time.Duration // after BYE or CANCEL, before the final report (default 2s)
	Idle         time.Duration // no packet nor SIP message this long ends a call (default 60s, rtpengine's timeout)
	MaxCalls     int           // calls tracked at once; the oldest is ended and counted past it (default 20000)
	// Source is the Source of the events the tracker makes (default
	// monitor.SourcePcap: a capture file or an interface).
	Source monitor.Source
}

func (o Options) withDefaults() Options {
	if o.ReportEvery <= 0 {
		o.ReportEvery = 5 * time.Second
	}
	if o.NoMediaAfter <= 0 {
		o.NoMediaAfter = 5 * time.Second
	}
	if o.EndGrace <= 0 {
		o.EndGrace = 2 * time.Second
	}
	if o.Idle <= 0 {
		o.Idle = 60 * time.Second
	}
	if o.MaxCalls <= 0 {
		o.MaxCalls = 20000
	}
	if o.Source == "" {
		o.Source = monitor.SourcePcap
	}
	return o
}

// Bounds per call: an SDP names at most media.MaxMedia media; a call keeps
// at most maxSlots SDP senders (hop and side) and maxStreams streams.
const (
	maxSlots   = 16
	maxStreams = 64
)

// Stats count what the tracker saw.
type Stats struct {
	Calls       int    // calls tracked now
	Evicted     uint64 // calls ended early because MaxCalls were tracked
	Streams     uint64 // streams started (5-tuples of RTP, plus external ones)
	Reports     uint64 // KindMedia events made
	RTP         uint64 // RTP packets matched to a call
	RTCP        uint64 // RTCP packets matched to a call
	RTCPReports uint64 // RTCP sender and receiver reports in them
	Unmatched   uint64 // datagrams Packet refused: no SDP named their address, or not RTP/RTCP
	BadRTP      uint64 // sent to a call's address but not a valid RTP or RTCP packet
	BadSDP      uint64 // SDP bodies ParseSDP refused
	Dropped     uint64 // packets of a call past maxStreams streams
}

// Tracker matches media to calls. It is safe for concurrent use.
type Tracker struct {
	mu    sync.Mutex
	o     Options
	calls map[string]*call
	dests map[netip.AddrPort]dest
	order []*call // by creation, for eviction; ended calls are skipped
	done  recent  // Call-IDs whose final report is out: late messages are ignored
	sched schedule
	// head is the time at the top of the schedule (math.MaxInt64 when it
	// is empty): Due before it has nothing to do, and returns without the
	// lock (a capture reader calls Due before every packet).
	head  atomic.Int64
	seq   uint64
	stats Stats
	hdr   media.RTPHeader
	sdp   media.Session // applySDP's, between offers
	// mediaSeen: an RTP or RTCP datagram (matched or not) or an external
	// figure has come. Until then the input has no media at all (a
	// capture of SIP only, HEP without RTCP) and a call without streams
	// is not reported: every answered call would look silent.
	mediaSeen bool
}

// dest is what an SDP said about an address: which call receives there,
// which way RTP to it flows, and the receiver's payload types.
type dest struct {
	c       *call
	forward bool
	shared  bool // another call named it too: the source decides
	codecs  media.Codecs
}

// New returns an empty tracker.
func New(o Options) *Tracker {
	o = o.withDefaults()
	t := &Tracker{o: o, calls: map[string]*call{}, dests: map[netip.AddrPort]dest{}, done: newRecent(o.MaxCalls)}
	t.head.Store(math.MaxInt64)
	return t
}

// Stats returns the counts so far.
func (t *Tracker) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats
	s.Calls = len(t.calls)
	return s
}

// Packet takes one UDP datagram that is not SIP, seen at event time at
// (Unix ns). It returns true for RTP or RTCP sent to an address a call's
// SDP named, false for anything else. It does not allocate for RTP.
func (t *Tracker) Packet(at int64, src, dst netip.AddrPort, payload []byte) bool {
	if len(payload) < 8 || payload[0]&0xc0 != 0x80 {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mediaSeen = true
	d, ok := t.dests[dst]
	if !ok {
		t.stats.Unmatched++
		return false
	}
	if d.shared {
		d = t.bySource(d, src)
	}
	c := d.c
	if media.IsRTCP(payload) {
		reports, err := media.ParseRTCP(payload)
		if err != nil && len(reports) == 0 {
			t.stats.BadRTP++
			return false
		}
		t.stats.RTCP++
		t.stats.RTCPReports += uint64(len(reports))
		c.active(at)
		return true
	}
	if err := media.ParseRTP(payload, &t.hdr); err != nil {
		t.stats.BadRTP++
		return false
	}
	s := c.stream(src, dst, t.hdr.SSRC)
	if s == nil {
		if len(c.streams) >= maxStreams {
			t.stats.Dropped++
			return true
		}
		s = &stream{src: src, dst: dst, ssrc: t.hdr.SSRC, forward: d.forward}
		s.st.Codecs = d.codecs
		c.streams = append(c.streams, s)
		t.stats.Streams++
	}
	s.st.Packet(&t.hdr, time.Unix(0, at))
	t.stats.RTP++
	c.active(at)
	c.lastPacket = max(c.lastPacket, at)
	t.flowing(c, at)
	return true
}

// bySource picks among the calls that named a shared destination: a
// source that a call's SDP named as where it receives is that call's
// (symmetric RTP, RFC 4961: a side sends from the port it receives on),
// flowing the other way from RTP sent to it. A source no SDP named leaves
// the destination's latest call.
func (t *Tracker) bySource(d dest, src netip.AddrPort) dest {
	s, ok := t.dests[src]
	if !ok || s.c == d.c {
		return d
	}
	return dest{c: s.c, forward: !s.forward, codecs: s.codecs}
}

// External records a stream whose figures were computed elsewhere (RTCP
// reports over HEP): the latest figures for st's 5-tuple and origin replace
// the earlier ones. A call not seen before is tracked from here.
func (t *Tracker) External(at int64, callID string, origin string, st monitor.MediaStream) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if callID == "" || t.done.has(callID) {
		return
	}
	t.mediaSeen = true
	c := t.calls[callID]
	if c == nil {
		c = t.newCall(at, callID)
	}
	s := c.external(st.Src, st.Dst, origin)
	if s == nil {
		if len(c.streams) >= maxStreams {
			t.stats.Dropped++
			return
		}
		s = &stream{src: st.Src, dst: st.Dst, origin: origin}
		c.streams = append(c.streams, s)
		t.stats.Streams++
	}
	s.forward, s.ext = t.externalForward(c, st), st.Stats
	c.active(at)
	c.lastPacket = max(c.lastPacket, at)
	t.flowing(c, at)
}

// externalForward is the direction of an external stream: its own
// Forward, unless the call's SDP named one of its ends. RTCP reports do not
// say which way the call goes (monitor/hep leaves Forward false): a stream
// sent to an address a side named flows towards that side, one sent from
// it flows away from it (symmetric RTP and RTCP, RFC 4961).
func (t *Tracker) externalForward(c *call, st monitor.MediaStream) bool {
	if d, ok := t.dests[st.Dst]; ok && d.c == c {
		return d.forward
	}
	if d, ok := t.dests[st.Src]; ok && d.c == c {
		return !d.forward
	}
	return st.Forward
}

// flowing schedules c's next periodic report if none is due.
func (t *Tracker) flowing(c *call, at int64) {
	if c.nextReport == 0 && c.finalAt == 0 {
		c.nextReport = at + int64(t.o.ReportEvery)
		t.reschedule(c)
	}
}

// newCall starts tracking callID, ending the oldest call past MaxCalls.
func (t *Tracker) newCall(at int64, callID string) *call {
	for len(t.calls) >= t.o.MaxCalls && len(t.order) > 0 {
		old := t.order[0]
		t.order = t.order[1:]
		if old.gone || t.calls[old.id] != old {
			continue // ended already
		}
		t.stats.Evicted++
		t.forget(old)
		if old.finalAt == 0 {
			old.finalAt = max(at, old.lastActive) // its final report comes out at the next Due
		}
		old.deadline = 0
		t.reschedule(old)
	}
	t.seq++
	c := &call{id: callID, seq: t.seq, lastActive: at, hidx: -1}
	t.calls[callID] = c
	t.order = append(t.order, c)
	t.reschedule(c)                    // at its idle time, at the latest
	if len(t.order) > 2*t.o.MaxCalls { // drop the ended calls' entries
		live := t.order[:0]
		for _, o := range t.order {
			if !o.gone && t.calls[o.id] == o {
				live = append(live, o)
			}
		}
		clear(t.order[len(live):])
		t.order = live
	}
	return c
}

// forget stops matching c: its addresses and its Call-ID are released
// (a call being evicted or ended for good).
func (t *Tracker) forget(c *call) {
	for i := range c.slots {
		t.unmap(c, &c.slots[i])
	}
	if t.calls[c.id] == c {
		delete(t.calls, c.id)
	}
	t.done.add(c.id)
}
