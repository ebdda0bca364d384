package monitor

import (
	"testing"
	"time"

	"github.com/cutover/cutover/monitor/media"
)

// A report is judged by its streams' directions with the config's media
// thresholds, their zero fields defaulted.
func TestMediaReportJudge(t *testing.T) {
	ans := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	st := media.Stats{Codec: "PCMU", ClockRate: 8000, Packets: 500, Expected: 500, Jitter: 12 * time.Millisecond, First: ans.Add(time.Second), Last: ans.Add(11 * time.Second)}
	r := &MediaReport{CallID: "c", Answered: ans.UnixNano(), Streams: []MediaStream{{Forward: true, Stats: st}}}
	th := Thresholds{}.MediaThresholds()
	if th != media.DefaultThresholds() {
		t.Fatalf("defaulted media thresholds %+v, want %+v", th, media.DefaultThresholds())
	}
	at := ans.Add(6 * time.Second).UnixNano()
	if j := r.Judge(at, th); j.Verdict != media.VerdictOneWay || j.Reason != "RTP only caller to callee" {
		t.Fatalf("forward only: %+v", j)
	}
	r.Streams = append(r.Streams, MediaStream{Stats: st})
	if j := r.Judge(at, th); j.Verdict != media.VerdictOK {
		t.Fatalf("both ways: %+v", j)
	}
	strict := Thresholds{MediaMaxJitter: 10 * time.Millisecond}.MediaThresholds()
	if strict.MaxJitter != 10*time.Millisecond || strict.MaxLoss != 0.05 || strict.NoMediaAfter != 5*time.Second {
		t.Fatalf("config thresholds %+v", strict)
	}
	if j := r.Judge(at, strict); j.Verdict != media.VerdictBadStream {
		t.Fatalf("12 ms jitter over 10 ms: %+v", j)
	}
	if l := (Thresholds{OneWayRateMax: 0.3}).MediaLimits(); l.OneWayRateMax != 0.3 || l.NoMediaRateMax != 0.1 || l.MOSMin != 3.5 {
		t.Fatalf("limits %+v", l)
	}
}
