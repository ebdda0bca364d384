package report

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// A night's media adds up minute by minute: the counts, and the MOS bins
// element by element, so the night's p5 is the p5 of every call.
func TestReportAddsUpMediaMinutes(t *testing.T) {
	var a acc
	var m1, m2, all monitor.MediaMix
	m1.Judged, m1.OneWay, m1.NoMedia, m1.Bad = 10, 2, 1, 1
	m2.Judged, m2.OneWay = 10, 1
	for i := range 19 {
		m1.AddMOS(4.4)
		all.AddMOS(4.4)
		if i < 2 {
			m2.AddMOS(2.0) // the worst 2 of 21 calls: the p5 is theirs
			all.AddMOS(2.0)
		}
	}
	a.add(monitor.Stats{Media: m1})
	a.add(monitor.Stats{Media: m2})
	s := a.summary().Media
	if s.Judged != 20 || s.OneWay != 3 || s.NoMedia != 1 || s.Bad != 1 || s.MOSCalls != 21 {
		t.Fatalf("media %+v", s)
	}
	if *s.OneWayRate != 0.15 || *s.NoMediaRate != 0.05 || *s.MOSP5 != all.MOSP5() || *s.MOSP5 != 2.0 || math.Abs(*s.MOSMean-all.MOSMean()) > 1e-9 {
		t.Fatalf("rates %v %v, MOS p5 %v mean %v; want p5 %v mean %v", *s.OneWayRate, *s.NoMediaRate, *s.MOSP5, *s.MOSMean, all.MOSP5(), all.MOSMean())
	}
	if m1.MOSBins[monitor.MOSBin(4.4)] != 19 { // adding did not write into the minute's own bins
		t.Fatalf("the minute's bins changed: %v", m1.MOSBins)
	}
	if e := (&acc{}).summary().Media; e.OneWayRate != nil || e.MOSMean != nil || e.MOSP5 != nil {
		t.Fatalf("no media judged, yet %+v", e)
	}
}

// mediaEvent is a media report of call id answered at ans, recorded at
// at, with a stream each way as fwd and rev say.
func mediaEvent(id string, ans, at time.Time, fwd, rev, final bool) monitor.Event {
	r := &monitor.MediaReport{CallID: id, Answered: ans.UnixNano(), Final: final, Origin: monitor.MediaFromRTP}
	st := func(dir bool) monitor.MediaStream {
		first := ans.Add(50 * time.Millisecond)
		return monitor.MediaStream{Src: netip.MustParseAddrPort("192.0.2.50:4000"), Dst: netip.MustParseAddrPort("203.0.113.50:5000"), Forward: dir,
			Stats: media.Stats{Codec: "PCMU", ClockRate: 8000, Packets: 500, Expected: 500, Jitter: 2 * time.Millisecond, First: first, Last: at}}
	}
	if fwd {
		r.Streams = append(r.Streams, st(true))
	}
	if rev {
		r.Streams = append(r.Streams, st(false))
	}
	return monitor.Event{Time: at.UnixNano(), Kind: monitor.KindMedia, Source: monitor.SourcePcap, Media: r}
}

// The report judges each call's last media report with the config's
// thresholds and lists the one-way and silent calls with their number
// and trunk; the summary warns of them; every format has the section.
func TestReportListsOneWayAndSilentCalls(t *testing.T) {
	var evs []monitor.Event
	kinds := []struct{ fwd, rev bool }{{true, true}, {true, false}, {false, false}, {true, true}}
	for i, k := range kinds {
		id := fmt.Sprintf("m%d", i)
		l := leg{id: id, from: "+12125550100", to: cNum, caller: cNew, callee: cSBC}
		at := cT0.Add(time.Duration(i) * time.Minute)
		ans := at.Add(2 * time.Second)
		evs = append(evs, l.invite(at, ""), l.reply(ans, 200),
			mediaEvent(id, ans, ans.Add(5*time.Second), k.fwd, k.rev, false),
			mediaEvent(id, ans, ans.Add(40*time.Second), k.fwd, k.rev, true))
	}
	// A call answered, its first report in: too early to say.
	evs = append(evs, mediaEvent("m9", cT0.Add(10*time.Minute), cT0.Add(10*time.Minute+time.Second), false, false, false))
	rep := build(t, countingConfig(), evs...)
	m := rep.Media
	if m.Reports != 9 || m.Calls != 5 || m.OK != 2 || m.OneWay != 1 || m.NoMedia != 1 || m.Pending != 1 || len(m.Listed) != 2 {
		t.Fatalf("media section %+v", m)
	}
	ow, nm := m.Listed[0], m.Listed[1]
	if ow.CallID != "m1" || ow.Verdict != "one_way" || ow.Number != cNum || ow.Trunk != "new" || ow.Reason != "RTP only caller to callee" ||
		!ow.Answered.Equal(cT0.Add(time.Minute+2*time.Second)) {
		t.Fatalf("one-way call %+v", ow)
	}
	if nm.CallID != "m2" || nm.Verdict != "no_media" || nm.Trunk != "new" {
		t.Fatalf("silent call %+v", nm)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "1 had audio one way only, 1 none") {
		t.Fatalf("warnings %q", rep.Warnings)
	}
	for _, f := range []string{"text", "md", "html"} {
		out := rendered(t, rep, f)
		for _, want := range []string{"WARNING: media: of 4 calls whose RTP was watched", "Media: calls with one-way audio or none (2 of 5 calls with a media report)",
			"Media by trunk (whole cutover)", "Media by number (whole cutover)"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %q", f, want)
			}
		}
		if rows := rowsWith(out, "m1"); len(rows) != 1 || !strings.Contains(rows[0], "one_way") || !strings.Contains(rows[0], cNum[1:]) { // HTML writes + as &#43;
			t.Errorf("%s: the one-way call's row: %q", f, rows)
		}
	}
	var back Report
	if err := json.Unmarshal([]byte(rendered(t, rep, "json")), &back); err != nil || back.Media.OneWay != 1 || len(back.Media.Listed) != 2 {
		t.Fatalf("json: %v %+v", err, back.Media)
	}

	// Stricter thresholds from the config: the healthy calls' 2 ms jitter
	// is past 1 ms, a bad stream.
	cfg := countingConfig()
	cfg.Thresholds.MediaMaxJitter = time.Millisecond
	if rep := build(t, cfg, evs...); rep.Media.BadStream != 2 || rep.Media.OK != 0 {
		t.Fatalf("with 1 ms jitter allowed: %+v", rep.Media)
	}
}

// A trunk whose calls' media was judged has a row in the media tables and
// a line in the chart of one-way and silent shares; a night without media
// has neither.
func TestReportMediaTablesAndChart(t *testing.T) {
	t0 := cT0
	mos := 4.2
	p5 := 3.1
	ow, nm := 0.2, 0.1
	rep := &Report{Start: t0, End: t0.Add(3 * time.Minute), Bucket: "1m",
		Trunks: []TrunkReport{
			{Name: "legacy", Role: "legacy", Total: Summary{Media: MediaSummary{Judged: 10, OneWay: 2, NoMedia: 1, OneWayRate: &ow, NoMediaRate: &nm, MOSCalls: 8, MOSMean: &mos, MOSP5: &p5}},
				Minutes: []TrunkMinute{{MediaJudged: 5, OneWay: 1}, {MediaJudged: 5, OneWay: 1, NoMedia: 1}, {}}},
			{Name: "new", Role: "new", Minutes: []TrunkMinute{{}, {}, {}}},
		},
		Minutes: []Minute{{Time: t0}, {Time: t0.Add(time.Minute)}, {Time: t0.Add(2 * time.Minute)}},
	}
	text := rendered(t, rep, "text")
	if rows := rowsWith(text, "legacy  legacy"); len(rows) != 2 || !strings.Contains(rows[1], "2 (20.0%)") || !strings.Contains(rows[1], "4.20") || !strings.Contains(rows[1], "3.1") {
		t.Fatalf("media row of legacy: %q", rows)
	}
	html := rendered(t, rep, "html")
	if !strings.Contains(html, "Calls with one-way audio or no media, share of judged calls") {
		t.Fatal("no media chart")
	}
	rep.Trunks[0].Minutes = []TrunkMinute{{}, {}, {}}
	if html := rendered(t, rep, "html"); strings.Contains(html, "Calls with one-way audio or no media, share") {
		t.Fatal("a media chart for a night without media")
	}
}

// A media share with no data in its middle (no call judged for a while)
// is drawn as two lines, not one straight line across the gap (it was).
func TestChartLeavesGapsOpen(t *testing.T) {
	t0 := cT0
	xs := []time.Time{t0, t0.Add(time.Minute), t0.Add(2 * time.Minute), t0.Add(3 * time.Minute), t0.Add(4 * time.Minute)}
	c := chart{title: "gap", xs: xs, yMax: 1, yFmt: pctFmt, gaps: true,
		lines: []line{{name: "l", color: "#000", ys: []float64{0.5, 0.5, math.NaN(), math.NaN(), 0.1}}}}
	svg := string(c.svg())
	if n := strings.Count(svg, "<polyline"); n != 2 {
		t.Fatalf("%d polylines for a line with one gap:\n%s", n, svg)
	}
	c.gaps = false // a curve over bins joins the bins with calls
	if n := strings.Count(string(c.svg()), "<polyline"); n != 1 {
		t.Fatalf("%d polylines for a curve", n)
	}
}
