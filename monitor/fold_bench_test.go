package monitor_test

import (
	"testing"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

// nightEvents returns the first n events of the default simulated night,
// SIP decoded as the pipeline does before folding.
func nightEvents(b *testing.B, n int) []monitor.Event {
	b.Helper()
	o := sim.DefaultOptions()
	night := sim.New(o)
	evs := make([]monitor.Event, 0, n)
	for len(evs) < n {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if ev.SIP != nil {
			ev.SIP.Decode(sipparse.Parse)
		}
		evs = append(evs, ev)
	}
	return evs
}

// BenchmarkFold is the fold's throughput on one core: decoded events of the
// simulated night applied to a fresh State (SIP parsing excluded, see
// BenchmarkDecode).
func BenchmarkFold(b *testing.B) {
	evs := nightEvents(b, 200_000)
	cfg := sim.Config(sim.DefaultOptions())
	b.ResetTimer()
	n := 0
	for b.Loop() {
		st := monitor.NewState(cfg)
		for _, ev := range evs {
			st.Apply(ev)
			st.Drain(nil)
		}
		n += len(evs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecode is parsing a SIP message through sipgo into sipmsg.Info.
func BenchmarkDecode(b *testing.B) {
	evs := nightEvents(b, 20_000)
	var sips []monitor.SIPMessage
	for _, ev := range evs {
		if ev.SIP != nil {
			sips = append(sips, monitor.SIPMessage{Src: ev.SIP.Src, Dst: ev.SIP.Dst, Transport: ev.SIP.Transport, Raw: ev.SIP.Raw})
		}
	}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		m := sips[n%len(sips)]
		m.Decode(sipparse.Parse)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
}
