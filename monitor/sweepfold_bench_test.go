package monitor_test

import (
	"testing"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
)

// BenchmarkFoldDuringSweep is BenchmarkFold with a sweep of every number
// under way from the first event on (no call of it ever ends): each
// inbound INVITE of the night is tried against the sweep's calls. The
// difference to BenchmarkFold is what a running sweep costs the fold.
func BenchmarkFoldDuringSweep(b *testing.B) {
	evs := nightEvents(b, 200_000)
	cfg := sim.Config(sim.DefaultOptions())
	nums := make([]string, len(cfg.Numbers))
	for i, n := range cfg.Numbers {
		nums[i] = n.E164
	}
	start := monitor.Event{Time: evs[0].Time, Kind: monitor.KindProbe, Source: monitor.SourceProbe,
		Probe: &monitor.ProbeResult{Probe: monitor.ProbeSweep, Sweep: "bench", From: "+15550000000", Numbers: nums}}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		st := monitor.NewState(cfg)
		st.Apply(start)
		for _, ev := range evs {
			st.Apply(ev)
			st.Drain(nil)
		}
		n += len(evs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
