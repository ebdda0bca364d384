package monitor_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
	"github.com/cutover/cutover/monitor/sipparse"
)

// bigMediaState is bigState with media: every answered call of the
// 9,899-number night reports its two streams NoMediaAfter past its answer
// and ends its media a minute later (one in ten one-way, one in seven
// losing 3 %), so numbers' buckets carry media verdicts and MOS bins.
func bigMediaState(b *testing.B, n int) *monitor.State {
	b.Helper()
	o := sim.DefaultOptions()
	o.Numbers, o.CallsPerNumberHour = sim.MaxNumbers, 45
	night := sim.New(o)
	st := monitor.NewState(sim.Config(o))
	type due struct {
		at     int64
		report *monitor.MediaReport
	}
	var judge, final []due // each in time order
	seen := map[string]bool{}
	flush := func(q *[]due, t int64) {
		for len(*q) > 0 && (*q)[0].at <= t {
			st.Apply(monitor.Event{Time: (*q)[0].at, Kind: monitor.KindMedia, Source: "pcap", Media: (*q)[0].report})
			st.Drain(nil)
			*q = (*q)[1:]
		}
	}
	for k := range n {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if ev.SIP != nil {
			ev.SIP.Decode(sipparse.Parse)
		}
		flush(&judge, ev.Time)
		flush(&final, ev.Time)
		st.Apply(ev)
		st.Drain(nil)
		if i := ev.SIP.Info; ev.SIP != nil && i != nil && !i.Request && i.Code == 200 && i.Method == "INVITE" && !seen[i.CallID] {
			seen[i.CallID] = true
			streams := benchStreams(ev.Time, k)
			judge = append(judge, due{ev.Time + int64(5*time.Second), &monitor.MediaReport{CallID: i.CallID, Answered: ev.Time, Streams: streams, Origin: monitor.MediaFromRTP}})
			final = append(final, due{ev.Time + int64(time.Minute), &monitor.MediaReport{CallID: i.CallID, Answered: ev.Time, Streams: streams, Final: true, Origin: monitor.MediaFromRTP}})
		}
	}
	return st
}

func benchStreams(ans int64, k int) []monitor.MediaStream {
	var out []monitor.MediaStream
	for _, fwd := range []bool{true, false} {
		st := media.Stats{SSRC: uint32(k), Codec: "PCMU", ClockRate: 8000, Packets: 3000, Expected: 3000,
			Jitter: time.Millisecond, First: time.Unix(0, ans+int64(100*time.Millisecond)), Last: time.Unix(0, ans+int64(time.Minute))}
		if k%7 == 0 {
			st.Expected, st.Lost = 3090, 90
		}
		out = append(out, monitor.MediaStream{Src: netip.MustParseAddrPort("203.0.113.1:30000"), Dst: netip.MustParseAddrPort("192.0.2.1:40000"), Forward: fwd, Stats: st})
		if k%10 == 0 {
			break // one-way
		}
	}
	return out
}

// BenchmarkCheckpointEncodeMedia is BenchmarkCheckpointEncode with every
// answered call's media reported: what media adds to a checkpoint.
func BenchmarkCheckpointEncodeMedia(b *testing.B) {
	st := bigMediaState(b, 400_000)
	snap := st.Snapshot()
	judged := 0
	for _, tr := range snap.Trunks {
		judged += tr.Total.Media.Judged
	}
	if judged == 0 || snap.Media.Unknown != 0 {
		b.Fatalf("%d calls judged, %d reports unknown", judged, snap.Media.Unknown)
	}
	var size int
	b.ResetTimer()
	for b.Loop() {
		blob, err := st.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		size = len(blob)
	}
	b.ReportMetric(float64(size), "bytes")
	b.ReportMetric(float64(judged), "judged")
}
