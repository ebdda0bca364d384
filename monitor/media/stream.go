package media

import (
	"math"
	"strings"
	"time"
)

// Sequence tracking constants of RFC 3550 Appendix A.1.
const (
	maxDropout  = 3000
	maxMisorder = 100
	seqMod      = 1 << 16
	// seenWindow is how many sequence numbers behind the highest one the
	// duplicate bitmap remembers.
	seenWindow = 256
)

// Stream keeps one RTP stream's statistics (one SSRC in one direction): O(1)
// and no allocation per packet. The zero value is ready; the first packet
// starts it. Codecs is the media line's rtpmap, used to find the clock rate
// of a dynamic payload type; set it before the first packet or leave it nil
// for static types only.
type Stream struct {
	Codecs Codecs

	started     bool
	ssrc        uint32
	codec       Codec
	first, last time.Time
	maxDelta    time.Duration

	// RFC 3550 A.1 sequence state.
	maxSeq      uint16
	cycles      uint32 // shifted count of wraps, as A.1's
	baseSeq     uint32
	badSeq      uint32
	received    uint64 // distinct packets, duplicates not counted
	priorExpect uint64 // expected packets before a resynchronisation
	duplicates  uint64
	late        uint64 // arrived after a later sequence number
	gaps        uint64 // runs of missing sequence numbers as first seen
	seen        [seenWindow / 64]uint64

	// RFC 3550 §6.4.1 jitter state, in timestamp units.
	prevArrival float64
	prevTS      uint32
	jitter      float64
	maxJitter   float64
	hasTransit  bool
	noJitter    bool // a telephone-event stream: timestamps mark event starts
}

// Stats is a stream's summary: what the fold records and the screen shows.
type Stats struct {
	SSRC        uint32
	PayloadType uint8
	Codec       string
	ClockRate   uint32
	Packets     uint64 // distinct packets received
	Expected    uint64 // from the extended highest sequence number
	Lost        int64  // Expected − Packets; negative only if a resync miscounts
	Duplicates  uint64
	Late        uint64
	Gaps        uint64        // loss bursts: runs of missing sequence numbers
	Jitter      time.Duration // RFC 3550 interarrival jitter, after the last packet
	MaxJitter   time.Duration // its largest value over the stream
	MaxDelta    time.Duration // largest gap between two arrivals
	First, Last time.Time
}

// LossFraction is Lost/Expected in [0, 1].
func (s Stats) LossFraction() float64 {
	if s.Expected == 0 || s.Lost <= 0 {
		return 0
	}
	return min(float64(s.Lost)/float64(s.Expected), 1)
}

// Packet folds one RTP packet that arrived at at (event time).
func (s *Stream) Packet(h *RTPHeader, at time.Time) {
	if !s.started {
		s.start(h, at)
		return
	}
	if d := at.Sub(s.last); d > s.maxDelta {
		s.maxDelta = d
	}
	if at.After(s.last) {
		s.last = at
	}
	if !s.sequence(h.Seq) {
		return
	}
	s.received++
	if h.PayloadType != s.codec.PT {
		// Telephone events and comfort noise keep their own clocks and
		// timestamps: they do not feed the voice stream's jitter.
		return
	}
	s.jitterUpdate(h.Timestamp, at)
}

func (s *Stream) start(h *RTPHeader, at time.Time) {
	s.started = true
	s.ssrc = h.SSRC
	s.codec, _ = s.Codecs.Lookup(h.PayloadType)
	s.codec.PT = h.PayloadType
	s.noJitter = strings.EqualFold(s.codec.Name, "telephone-event")
	s.first, s.last = at, at
	s.initSeq(h.Seq)
	s.received = 1
	s.jitterUpdate(h.Timestamp, at)
}

func (s *Stream) initSeq(seq uint16) {
	s.baseSeq = uint32(seq)
	s.maxSeq = seq
	s.badSeq = seqMod + 1
	s.cycles = 0
	s.seen = [seenWindow / 64]uint64{}
	s.mark(uint32(seq))
}

// sequence applies RFC 3550 A.1's update_seq and reports whether the packet
// counts as received: duplicates and the first packet of a big jump do not.
func (s *Stream) sequence(seq uint16) bool {
	udelta := seq - s.maxSeq
	ext := s.cycles + uint32(seq)
	switch {
	case udelta == 0:
		s.duplicates++
		return false
	case udelta < maxDropout:
		if udelta > 1 {
			s.gaps++
		}
		s.advance(uint32(udelta))
		if seq < s.maxSeq {
			s.cycles += seqMod
		}
		ext = s.cycles + uint32(seq)
		s.maxSeq = seq
	case udelta <= seqMod-maxMisorder:
		// A big jump: believe it only when the next packet follows it.
		if uint32(seq) != s.badSeq {
			s.badSeq = (uint32(seq) + 1) & (seqMod - 1)
			return false
		}
		s.priorExpect += s.expectedSpan()
		s.initSeq(seq)
		return true
	default:
		// Late or duplicate: behind the highest sequence number.
		if s.maxSeq < seq && s.cycles >= seqMod {
			ext -= seqMod // seq is from the previous cycle
		}
		if s.isMarked(ext) {
			s.duplicates++
			return false
		}
		s.late++
	}
	s.mark(ext)
	return true
}

func (s *Stream) extMax() uint32 { return s.cycles + uint32(s.maxSeq) }

func (s *Stream) expectedSpan() uint64 {
	return uint64(s.extMax()) - uint64(s.baseSeq) + 1
}

// advance slides the seen-window forward by n sequence numbers, before
// the highest one moves.
func (s *Stream) advance(n uint32) {
	if n >= seenWindow {
		s.seen = [seenWindow / 64]uint64{}
		return
	}
	// Clear the bits the window now reuses: ext max+1 .. max+n.
	base := s.extMax()
	for i := uint32(1); i <= n; i++ {
		b := (base + i) % seenWindow
		s.seen[b/64] &^= 1 << (b % 64)
	}
}

func (s *Stream) mark(ext uint32) {
	b := ext % seenWindow
	s.seen[b/64] |= 1 << (b % 64)
}

// isMarked reports whether ext was seen; one older than the window is taken
// as not seen (a late packet).
func (s *Stream) isMarked(ext uint32) bool {
	if s.extMax()-ext >= seenWindow {
		return false
	}
	b := ext % seenWindow
	return s.seen[b/64]&(1<<(b%64)) != 0
}

// jitterUpdate applies RFC 3550 §6.4.1: D = (Rj − Ri) − (Sj − Si) in
// timestamp units, J += (|D| − J)/16. Arrivals are converted with the
// codec's clock rate; without a known rate, or for RFC 4733 events (whose
// packets of one event share its start timestamp), jitter stays 0.
func (s *Stream) jitterUpdate(ts uint32, at time.Time) {
	if s.codec.ClockRate == 0 || s.noJitter {
		return
	}
	// Arrival in timestamp units since the first packet, not rounded to a
	// whole unit (125 µs at 8 kHz is the size of the jitter it measures).
	arrival := float64(at.Sub(s.first)) * float64(s.codec.ClockRate) / float64(time.Second)
	if !s.hasTransit {
		s.prevArrival, s.prevTS, s.hasTransit = arrival, ts, true
		return
	}
	// The RTP timestamp wraps at 2^32: its difference is taken modulo 2^32.
	d := (arrival - s.prevArrival) - float64(int32(ts-s.prevTS))
	s.prevArrival, s.prevTS = arrival, ts
	s.jitter += (math.Abs(d) - s.jitter) / 16
	s.maxJitter = max(s.maxJitter, s.jitter)
}

// Stats returns the stream's summary.
func (s *Stream) Stats() Stats {
	if !s.started {
		return Stats{}
	}
	expected := s.priorExpect + s.expectedSpan()
	st := Stats{
		SSRC:        s.ssrc,
		PayloadType: s.codec.PT,
		Codec:       s.codec.Name,
		ClockRate:   s.codec.ClockRate,
		Packets:     s.received,
		Expected:    expected,
		Lost:        int64(expected) - int64(s.received),
		Duplicates:  s.duplicates,
		Late:        s.late,
		Gaps:        s.gaps,
		MaxDelta:    s.maxDelta,
		First:       s.first,
		Last:        s.last,
	}
	if s.codec.ClockRate > 0 {
		unit := float64(time.Second) / float64(s.codec.ClockRate)
		st.Jitter = time.Duration(s.jitter * unit)
		st.MaxJitter = time.Duration(s.maxJitter * unit)
	}
	return st
}
