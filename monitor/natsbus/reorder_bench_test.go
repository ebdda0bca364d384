package natsbus

import (
	"testing"

	"github.com/cutover/cutover/monitor"
)

// BenchmarkReorderAt90k: three sites' events at 90,000/s of event time
// through a fresh 2 s window, released every 256 events as the consumer
// does: the window holds about 180,000 at once, as a watch --from does at
// the rate.
//
//	go test -run X -bench ReorderAt90k -benchtime 5x ./monitor/natsbus
func BenchmarkReorderAt90k(b *testing.B) {
	const n = 540_000
	envs := make([]Envelope, n)
	sites := []string{"sbc-a", "sbc-b", "sbc-c"}
	for i := range envs {
		t := int64(1e18) + int64(i)*11_111 // 90,000 a second
		envs[i] = Envelope{ID: "x", Site: sites[i%3], Recv: t, Event: monitor.Event{Time: t, Kind: monitor.KindSIP}}
	}
	var out []Item
	released := 0
	for b.Loop() {
		var r Reorder
		for i := range envs {
			r.Push(envs[i])
			if i%256 == 255 {
				out = r.Release(out[:0])
				released += len(out)
			}
		}
		released += len(r.Flush(out[:0]))
	}
	if released != b.N*n {
		b.Fatalf("released %d of %d", released, b.N*n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
}
