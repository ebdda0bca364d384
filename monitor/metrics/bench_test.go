package metrics

import (
	"testing"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/pipeline"
)

// BenchmarkScrape is one scrape of /metrics (collect, encode, the Go and
// process collectors included) at ~10,000 numbers (sim.MaxNumbers, 45
// calls a number an hour). Each iteration serves a fresh snapshot of the
// fold, taken with the fold 200 events further on, outside the timer.
func BenchmarkScrape(b *testing.B) {
	st, night := fold(b, sim.MaxNumbers, 200_000)
	var snap *monitor.Snapshot
	c := New(Options{Latest: func() (*monitor.Snapshot, pipeline.Stats) { return snap, stats() },
		HEP: func() hep.Stats { return hep.Stats{Packets: 1} }})
	size := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		more(st, night, 200)
		snap = st.Snapshot()
		b.StartTimer()
		size = len(scrape(b, c))
	}
	if len(snap.Numbers) < 9_000 {
		b.Fatalf("%d numbers", len(snap.Numbers))
	}
	b.ReportMetric(float64(size), "bytes/scrape")
}
