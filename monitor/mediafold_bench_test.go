package monitor

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkFoldMedia is KindMedia reports folded per second on one core:
// 1,000 answered calls on a trunk, each reporting its two streams every
// 5 s of event time (a report every 5 ms), every twelfth report of a call
// Final (then its next report starts it over, judged again). Each
// report's figures are new (packets and losses move on); the fold runs
// media.Judge on two of a call's twelve reports (the one NoMediaAfter
// past the answer, and the Final one), as it would on a night of
// one-minute calls.
func BenchmarkFoldMedia(b *testing.B) {
	const calls = 1000
	s := NewState(testConfig())
	reports := make([]MediaReport, calls)
	for i := range reports {
		id := fmt.Sprintf("bench-%d", i)
		s.c.Calls[id] = &call{Trunk: 1, Number: i % 2, Start: t0, Answered: t0, HasFinal: true, ExpiresAt: t0 + int64(24*time.Hour)}
		reports[i] = MediaReport{CallID: id, Answered: t0, Origin: MediaFromRTP,
			Streams: []MediaStream{stream(true, t0, 0, 0, time.Millisecond), stream(false, t0, 0, 0, time.Millisecond)}}
	}
	n := 0
	for b.Loop() {
		r := &reports[n%calls]
		k := n / calls
		for j := range r.Streams {
			st := &r.Streams[j].Stats
			st.Packets, st.Lost = uint64(250*(k%12+1)), int64(k%7)
			st.Expected = st.Packets + uint64(st.Lost)
			st.Jitter = time.Duration(k%5) * time.Millisecond
		}
		r.Final = k%12 == 11
		s.Apply(Event{Time: t0 + int64(n)*int64(5*time.Millisecond), Kind: KindMedia, Source: "pcap", Media: r})
		s.Drain(nil)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "reports/s")
	if s.c.Media.Unknown != 0 {
		b.Fatalf("%d reports for unknown calls", s.c.Media.Unknown)
	}
}
