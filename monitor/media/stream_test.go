package media

import (
	"math"
	"slices"
	"testing"
	"time"
)

type sent struct {
	i  int // index in the sender's sequence: the unwrapped sequence number
	at time.Time
}

// synthetic builds a 600-packet G.711 stream whose sequence numbers and
// timestamps both wrap, with single losses, a 5-packet burst, two late
// packets, two duplicates (one from before the wrap) and arrival jitter in
// 637 µs steps (not whole 8 kHz units).
func synthetic(t0 time.Time) []sent {
	var out []sent
	for i := range 600 {
		if i%50 == 17 || (i >= 300 && i < 305) {
			continue
		}
		at := t0.Add(time.Duration(i)*20*time.Millisecond + time.Duration(i*7919%13)*637*time.Microsecond)
		switch i {
		case 100:
			at = at.Add(30 * time.Millisecond) // arrives after 101
		case 400:
			at = at.Add(70 * time.Millisecond) // arrives after 403
		case 200:
			out = append(out, sent{i, at.Add(5 * time.Millisecond)}) // a duplicate of the highest
		case 134:
			out = append(out, sent{i, at.Add(50 * time.Millisecond)}) // a duplicate after the wrap
		}
		out = append(out, sent{i, at})
	}
	slices.SortStableFunc(out, func(a, b sent) int { return a.at.Compare(b.at) })
	return out
}

const (
	seq0 = 65400
	ts0  = math.MaxUint32 - 7000
)

func TestStreamSynthetic(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	pkts := synthetic(t0)
	var s Stream
	var h RTPHeader
	for _, p := range pkts {
		b := rtpPacket(8, uint16(seq0+p.i), uint32(ts0+160*p.i), 0xcafe, 160)
		if err := ParseRTP(b, &h); err != nil {
			t.Fatal(err)
		}
		s.Packet(&h, p.at)
	}
	got := s.Stats()

	// The expected values, computed from the unwrapped indexes.
	distinct := map[int]bool{}
	var dups, late, gaps uint64
	var jitter, maxJitter float64
	var maxDelta time.Duration
	highest, prevTransit := -1, 0.0
	for k, p := range pkts {
		if k > 0 {
			maxDelta = max(maxDelta, p.at.Sub(pkts[k-1].at))
		}
		if distinct[p.i] {
			dups++
			continue
		}
		distinct[p.i] = true
		switch {
		case p.i > highest+1 && highest >= 0:
			gaps++
		case p.i < highest:
			late++
		}
		highest = max(highest, p.i)
		transit := float64(p.at.Sub(t0))*8000/1e9 - float64(160*p.i)
		if k > 0 {
			jitter += (math.Abs(transit-prevTransit) - jitter) / 16
			maxJitter = max(maxJitter, jitter)
		}
		prevTransit = transit
	}
	want := Stats{
		SSRC: 0xcafe, PayloadType: 8, Codec: "PCMA", ClockRate: 8000,
		Packets: uint64(len(distinct)), Expected: 600, Lost: 600 - int64(len(distinct)),
		Duplicates: dups, Late: late, Gaps: gaps,
		Jitter:    time.Duration(jitter / 8000 * 1e9),
		MaxJitter: time.Duration(maxJitter / 8000 * 1e9),
		MaxDelta:  maxDelta, First: pkts[0].at, Last: pkts[len(pkts)-1].at,
	}
	if want.Lost != 17 || dups != 2 || late != 2 {
		t.Fatalf("the synthetic stream is not what the test means: lost %d dups %d late %d", want.Lost, dups, late)
	}
	if d := got.Jitter - want.Jitter; d < -time.Nanosecond || d > time.Nanosecond {
		t.Errorf("jitter = %v, want %v", got.Jitter, want.Jitter)
	}
	if d := got.MaxJitter - want.MaxJitter; d < -time.Nanosecond || d > time.Nanosecond {
		t.Errorf("max jitter = %v, want %v", got.MaxJitter, want.MaxJitter)
	}
	got.Jitter, got.MaxJitter = want.Jitter, want.MaxJitter
	if got != want {
		t.Errorf("stats\n got %+v\nwant %+v", got, want)
	}
}

func TestStreamResync(t *testing.T) {
	// A sender restart jumps the sequence: A.1 drops the first packet of the
	// jump and starts over when the next one follows it.
	var s Stream
	var h RTPHeader
	at := time.Unix(0, 0)
	feed := func(seq uint16) {
		at = at.Add(20 * time.Millisecond)
		_ = ParseRTP(rtpPacket(0, seq, uint32(seq)*160, 1, 0), &h)
		s.Packet(&h, at)
	}
	for seq := uint16(10); seq < 20; seq++ {
		feed(seq)
	}
	feed(40000) // a lone stray packet: not believed
	feed(20)
	for seq := uint16(30000); seq < 30010; seq++ {
		feed(seq)
	}
	st := s.Stats()
	// 11 from 10..20, then 30000 is dropped and 30001..30009 restart the count.
	if st.Packets != 20 || st.Expected != 20 || st.Lost != 0 {
		t.Errorf("packets %d expected %d lost %d, want 20/20/0", st.Packets, st.Expected, st.Lost)
	}
}

func TestStreamDynamicClock(t *testing.T) {
	// Opus at 48 kHz: 20 ms is 960 units; arrivals 1 ms late every other packet.
	s := Stream{Codecs: Codecs{{96, "opus", 48000}}}
	var h RTPHeader
	t0 := time.Unix(0, 0)
	var want float64
	for i := range 100 {
		late := time.Duration(i%2) * time.Millisecond
		_ = ParseRTP(rtpPacket(96, uint16(i), uint32(960*i), 7, 0), &h)
		s.Packet(&h, t0.Add(time.Duration(i)*20*time.Millisecond+late))
		if i > 0 {
			want += (48 - want) / 16 // |D| is 1 ms = 48 units each time
		}
	}
	st := s.Stats()
	if st.Codec != "opus" || st.ClockRate != 48000 {
		t.Fatalf("codec %q/%d", st.Codec, st.ClockRate)
	}
	if w := time.Duration(want / 48000 * 1e9); st.Jitter-w > time.Nanosecond || w-st.Jitter > time.Nanosecond {
		t.Errorf("jitter = %v, want %v", st.Jitter, w)
	}
	// A telephone event in the stream is counted but does not feed jitter.
	_ = ParseRTP(rtpPacket(101, 100, 0, 7, 0), &h)
	s.Packet(&h, t0.Add(2*time.Second+7*time.Millisecond))
	if st2 := s.Stats(); st2.Packets != 101 || st2.Jitter != st.Jitter {
		t.Errorf("after an event: packets %d jitter %v", st2.Packets, st2.Jitter)
	}
}

func TestStreamNoAllocs(t *testing.T) {
	var s Stream
	var h RTPHeader
	b := rtpPacket(0, 0, 0, 1, 160)
	at := time.Unix(0, 0)
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		b[2], b[3] = byte(i>>8), byte(i)
		_ = ParseRTP(b, &h)
		s.Packet(&h, at.Add(time.Duration(i)*20*time.Millisecond))
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet, want 0", allocs)
	}
}

// BenchmarkStreamPacket parses and folds a fresh packet each iteration: new
// sequence number, timestamp and arrival, with 1 % loss.
func BenchmarkStreamPacket(b *testing.B) {
	var s Stream
	var h RTPHeader
	pkt := rtpPacket(0, 0, 0, 1, 160)
	at := time.Unix(0, 0)
	seq, ts := uint16(0), uint32(0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		seq++
		ts += 160
		if i%100 == 99 {
			seq++ // a lost packet
			ts += 160
		}
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		pkt[4], pkt[5], pkt[6], pkt[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
		if err := ParseRTP(pkt, &h); err != nil {
			b.Fatal(err)
		}
		s.Packet(&h, at.Add(time.Duration(i)*20*time.Millisecond+time.Duration(i%7)*time.Millisecond))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
