package monitor_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// bigMediaState is bigState with media: every answered call of the
// 9,899-number night reports its two streams NoMediaAfter past its answer
// and ends its media a minute later (one in ten one-way, one in seven
// losing 3 %), so numbers' buckets carry media verdicts and MOS bins.
func bigMediaState(b *testing.B, n int) *monitor.State {
	b.Helper()
	type due struct {
		at     int64
		report *monitor.MediaReport
	}
	var judge, final []due // each in time order
	seen := map[string]bool{}
	flush := func(st *monitor.State, q *[]due, t int64) {
		for len(*q) > 0 && (*q)[0].at <= t {
			st.Apply(monitor.Event{Time: (*q)[0].at, Kind: monitor.KindMedia, Source: "pcap", Media: (*q)[0].report})
			st.Drain(nil)
			*q = (*q)[1:]
		}
	}
	k := 0
	var answered []due // answers folded with the event before
	return bigNight(n, func(st *monitor.State, ev monitor.Event) {
		k++
		for _, a := range answered {
			streams := benchStreams(a.at, k)
			judge = append(judge, due{a.at + int64(5*time.Second), &monitor.MediaReport{CallID: a.report.CallID, Answered: a.at, Streams: streams, Origin: monitor.MediaFromRTP}})
			final = append(final, due{a.at + int64(time.Minute), &monitor.MediaReport{CallID: a.report.CallID, Answered: a.at, Streams: streams, Final: true, Origin: monitor.MediaFromRTP}})
		}
		answered = answered[:0]
		flush(st, &judge, ev.Time)
		flush(st, &final, ev.Time)
		if ev.SIP == nil {
			return
		}
		if i := ev.SIP.Info; i != nil && !i.Request && i.Code == 200 && i.Method == "INVITE" && !seen[i.CallID] {
			seen[i.CallID] = true
			answered = append(answered, due{ev.Time, &monitor.MediaReport{CallID: i.CallID}})
		}
	})
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
	benchEncode(b, st)
	b.ReportMetric(float64(judged), "judged") // after: benchEncode's ResetTimer drops metrics
}
