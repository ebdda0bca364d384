package capture

import (
	"net/netip"
	"slices"
)

// Bounds of TCP reassembly.
const (
	defaultMaxFlows  = 4096
	defaultMaxBuffer = 512 << 10 // bytes buffered per flow direction, in order and out of order
	maxOutOfOrder    = 64        // segments held waiting for a hole to fill
	flowIdle         = 600e9     // ns: a flow silent this long is forgotten when the table is full
	gapWait          = 2e9       // ns: a hole not filled within this much capture time never will be
)

type flowKey struct{ src, dst netip.AddrPort }

type segment struct {
	seq  uint32
	ts   int64
	data []byte
}

// stream is one direction of a TCP connection.
type stream struct {
	next   uint32 // the sequence number expected next
	buf    []byte // in-order bytes not yet framed
	ooo    []segment
	oooLen int
	resync bool      // look for the next start line before framing
	hint   frameHint // what framing knows of the message at the front of buf
	last   int64
}

// TCPStats count what TCP reassembly had to give up on.
type TCPStats struct {
	Retransmits uint64 // segments carrying only bytes already seen
	Gaps        uint64 // holes that never filled (bytes missing from the capture)
	Resyncs     uint64 // times a stream was scanned for the next start line
	SkippedB    uint64 // bytes skipped while resyncing
	Evicted     uint64 // flows forgotten because the table was full
	Oversize    uint64 // SIP messages dropped for being over the maximum (256 KiB, or the flow's buffer)
}

// assembler reassembles TCP streams and frames SIP messages out of them.
type assembler struct {
	flows     map[flowKey]*stream
	maxFlows  int
	maxBuffer int
	stats     TCPStats
	scanned   uint64 // bytes searched for the end of headers: the framing's work
}

func newAssembler(maxFlows, maxBuffer int) *assembler {
	if maxFlows <= 0 {
		maxFlows = defaultMaxFlows
	}
	if maxBuffer <= 0 {
		maxBuffer = defaultMaxBuffer
	}
	return &assembler{flows: make(map[flowKey]*stream), maxFlows: maxFlows, maxBuffer: maxBuffer}
}

// segment takes one TCP segment; emit receives each whole SIP message
// (the slice is only valid during the call) with the time of the segment
// that completed it.
func (a *assembler) segment(ts int64, k flowKey, t *transport, emit func(ts int64, msg []byte)) {
	s := a.flows[k]
	if s == nil {
		if len(t.payload) == 0 && t.flags&tcpSYN == 0 {
			return // a bare ACK or FIN of a flow we never saw data on
		}
		if len(a.flows) >= a.maxFlows {
			a.evict(ts)
		}
		s = &stream{next: t.seq, resync: true}
		a.flows[k] = s
	}
	s.last = ts
	switch {
	case t.flags&tcpSYN != 0:
		s.next, s.buf, s.ooo, s.oooLen, s.resync, s.hint = t.seq+1, s.buf[:0], nil, 0, false, frameHint{}
		return
	case len(t.payload) > 0:
		a.accept(s, ts, t.seq, t.payload, emit)
	}
	if len(s.ooo) > 0 && ts-s.ooo[0].ts > gapWait { // the capture lost a segment: go on without it
		a.skipGap(s, s.ooo[0].seq, emit)
	}
	if t.flags&(tcpFIN|tcpRST) != 0 {
		a.flushStream(s, emit)
		delete(a.flows, k)
	}
}

// flushStream gives up on every hole of a stream that ends (FIN, RST, end
// of the file), so the messages held behind them still come out.
func (a *assembler) flushStream(s *stream, emit func(int64, []byte)) {
	for len(s.ooo) > 0 {
		a.skipGap(s, s.ooo[0].seq, emit)
	}
}

// flushAll flushes every stream, at the end of the capture.
func (a *assembler) flushAll(emit func(k flowKey, ts int64, msg []byte)) {
	for k, s := range a.flows {
		a.flushStream(s, func(ts int64, msg []byte) { emit(k, ts, msg) })
	}
}

// accept places a segment's bytes: in order they are framed at once, ahead
// they wait for the hole to fill, behind they are a retransmission.
func (a *assembler) accept(s *stream, ts int64, seq uint32, data []byte, emit func(int64, []byte)) {
	d := int32(seq - s.next)
	switch {
	case d > 0:
		if len(s.ooo) >= maxOutOfOrder || s.oooLen+len(data) > a.maxBuffer {
			a.skipGap(s, seq, emit) // moves s.next to seq at the latest: no loop
			a.accept(s, ts, seq, data, emit)
			return
		}
		s.ooo = append(s.ooo, segment{seq: seq, ts: ts, data: append([]byte(nil), data...)})
		s.oooLen += len(data)
		return
	case d < 0:
		if int(-d) >= len(data) {
			a.stats.Retransmits++
			return
		}
		data = data[-d:]
	}
	a.append(s, ts, data, emit)
	a.drainOOO(s, emit)
}

// drainOOO moves held segments that now fit onto the in-order buffer.
func (a *assembler) drainOOO(s *stream, emit func(int64, []byte)) {
	for progress := true; progress && len(s.ooo) > 0; {
		progress = false
		for i := 0; i < len(s.ooo); i++ {
			sg := s.ooo[i]
			d := int32(sg.seq - s.next)
			if d > 0 {
				continue
			}
			s.ooo = slices.Delete(s.ooo, i, i+1)
			s.oooLen -= len(sg.data)
			i--
			if int(-d) < len(sg.data) {
				a.append(s, sg.ts, sg.data[-d:], emit)
				progress = true
			}
		}
	}
}

// skipGap gives up on a hole: the partial message before it is lost, the
// stream continues at the earliest held segment and resyncs on a start line.
// seq is the segment that did not fit; the stream moves to it at the latest.
func (a *assembler) skipGap(s *stream, seq uint32, emit func(int64, []byte)) {
	a.stats.Gaps++
	a.stats.SkippedB += uint64(len(s.buf))
	s.buf, s.hint = s.buf[:0], frameHint{}
	s.resync = true
	low := seq
	for _, sg := range s.ooo {
		if int32(sg.seq-low) < 0 {
			low = sg.seq
		}
	}
	s.next = low
	a.drainOOO(s, emit)
}

func (a *assembler) append(s *stream, ts int64, data []byte, emit func(int64, []byte)) {
	s.next += uint32(len(data))
	s.buf = append(s.buf, data...)
	a.frameStream(s, ts, emit)
	if len(s.buf) > a.maxBuffer { // a message too big for the buffer, or headers that never end: drop and resync
		if s.hint != (frameHint{}) { // it had begun as a SIP message
			a.stats.Oversize++
		}
		a.stats.SkippedB += uint64(len(s.buf))
		s.buf, s.resync, s.hint = s.buf[:0], true, frameHint{}
	}
}

// frameStream emits every whole message at the front of the stream buffer.
func (a *assembler) frameStream(s *stream, ts int64, emit func(int64, []byte)) {
	b, used := s.buf, 0
	for {
		skip := skipCRLF(b)
		b, used = b[skip:], used+skip
		if len(b) == 0 {
			break
		}
		if s.resync {
			if yes, decided := startLine(b); !yes && decided {
				i := nextStart(b)
				if i < 0 {
					i = len(b)
				}
				a.stats.SkippedB += uint64(i)
				a.stats.Resyncs++
				b, used = b[i:], used+i
				s.hint = frameHint{}
				continue
			}
			s.resync = false
		}
		n, st, searched := frameFrom(b, &s.hint)
		a.scanned += uint64(searched)
		if st == frameNeedMore {
			break
		}
		s.hint = frameHint{} // what comes next is another message
		if st == frameTooBig {
			a.stats.Oversize++
		}
		if st != frameOK { // not a message after all, or too big: skip to the next start line
			i := nextStart(b)
			if i < 0 {
				i = len(b)
			}
			a.stats.SkippedB += uint64(i)
			b, used = b[i:], used+i
			continue
		}
		emit(ts, b[:n])
		b, used = b[n:], used+n
	}
	if used > 0 {
		s.buf = append(s.buf[:0], s.buf[used:]...)
	}
}

// evict forgets idle flows, or the least recently used one.
func (a *assembler) evict(ts int64) {
	var lru flowKey
	var lruT int64 = -1
	for k, s := range a.flows {
		if ts-s.last > flowIdle {
			delete(a.flows, k)
			a.stats.Evicted++
			continue
		}
		if lruT < 0 || s.last < lruT {
			lru, lruT = k, s.last
		}
	}
	if len(a.flows) >= a.maxFlows && lruT >= 0 {
		delete(a.flows, lru)
		a.stats.Evicted++
	}
}
