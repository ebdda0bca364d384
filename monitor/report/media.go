package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// The media section (issue 16): per trunk and per number, the media
// verdicts the fold counted (Stats.Media, added up by acc like the other
// KPIs); and the calls themselves, from the recording's KindMedia events:
// each call's last report judged with media.Judge at its event time and
// the config's thresholds, the one-way and silent calls listed.

// maxMediaCalls is how many one-way and silent calls the report lists.
const maxMediaCalls = 50

// MediaSummary is a trunk's or number's media over the whole cutover.
type MediaSummary struct {
	Judged      int      `json:"judged"`   // answered calls whose media a source watched
	OneWay      int      `json:"one_way"`  // of judged: RTP one way only
	NoMedia     int      `json:"no_media"` // of judged: no RTP either way
	Bad         int      `json:"bad"`      // calls with a stream past a loss, jitter or MOS threshold
	OneWayRate  *float64 `json:"one_way_rate"`
	NoMediaRate *float64 `json:"no_media_rate"`
	MOSCalls    int      `json:"mos_calls"` // calls with a MOS (their worst stream's)
	MOSMean     *float64 `json:"mos_mean"`
	MOSP5       *float64 `json:"mos_p5"` // 5th percentile, to 0.1
}

// MediaSection is what the recording's media reports say of the calls.
type MediaSection struct {
	Reports int `json:"reports"` // media reports (KindMedia events)
	Calls   int `json:"calls"`   // calls with one
	// By the verdict of each call's last report (media.Judge):
	OK        int `json:"ok"`
	BadStream int `json:"bad_stream"`
	OneWay    int `json:"one_way"`
	NoMedia   int `json:"no_media"`
	Pending   int `json:"pending"` // answered, no RTP yet when the last report came, and too early to say
	// Listed are the one-way and silent calls, by answer time, the first
	// maxMediaCalls of them.
	Listed []MediaCall `json:"listed"`
}

// MediaCall is one call with one-way audio or none.
type MediaCall struct {
	Answered time.Time `json:"answered"`
	CallID   string    `json:"call_id"`
	Number   string    `json:"number"` // "" when the fold did not know it
	Trunk    string    `json:"trunk"`
	Verdict  string    `json:"verdict"` // one_way, no_media
	Reason   string    `json:"reason"`
}

// callMedia is what the builder keeps of one call's media: its last
// report, when it came, and where the fold placed the call.
type callMedia struct {
	r             *monitor.MediaReport
	at            int64
	trunk, number string
}

// media keeps a call's latest report; the fold is asked where the call
// is (trunk, number) while it still follows it.
func (b *builder) media(t int64, r *monitor.MediaReport) {
	b.rep.Media.Reports++
	c := b.calls[r.CallID]
	if c == nil {
		c = &callMedia{}
		b.calls[r.CallID] = c
	}
	c.r, c.at = r, t
	if c.trunk == "" && c.number == "" {
		c.trunk, c.number = b.st.CallSubject(r.CallID)
	}
}

// mediaSection judges every call's last report.
func (b *builder) mediaSection() {
	sec := &b.rep.Media
	sec.Calls, sec.Listed = len(b.calls), []MediaCall{}
	th := b.cfg.Thresholds.MediaThresholds()
	var listed []MediaCall
	for id, c := range b.calls {
		j := c.r.Judge(c.at, th)
		switch j.Verdict {
		case media.VerdictOK:
			sec.OK++
		case media.VerdictBadStream:
			sec.BadStream++
		case media.VerdictOneWay:
			sec.OneWay++
		case media.VerdictNoMedia:
			sec.NoMedia++
		default:
			sec.Pending++
		}
		if j.Verdict == media.VerdictOneWay || j.Verdict == media.VerdictNoMedia {
			listed = append(listed, MediaCall{Answered: utc(c.r.Answered), CallID: id, Number: c.number, Trunk: c.trunk,
				Verdict: j.Verdict.String(), Reason: j.Reason})
		}
	}
	sort.Slice(listed, func(i, j int) bool {
		a, z := listed[i], listed[j]
		return a.Answered.Before(z.Answered) || a.Answered.Equal(z.Answered) && a.CallID < z.CallID
	})
	sec.Listed = append(sec.Listed, listed[:min(len(listed), maxMediaCalls)]...)
	if w := mediaWarning(sec); w != "" {
		b.rep.Warnings = append(b.rep.Warnings, w)
	}
}

// mediaWarning is the summary's word on media trouble ("": none).
func mediaWarning(sec *MediaSection) string {
	if sec.OneWay+sec.NoMedia+sec.BadStream == 0 {
		return ""
	}
	judged := sec.OK + sec.BadStream + sec.OneWay + sec.NoMedia
	return fmt.Sprintf("media: of %d calls whose RTP was watched, %d had audio one way only, %d none, %d a bad stream (loss, jitter or MOS past the thresholds): see Media",
		judged, sec.OneWay, sec.NoMedia, sec.BadStream)
}

func mediaSummary(m monitor.MediaMix) MediaSummary {
	out := MediaSummary{Judged: m.Judged, OneWay: m.OneWay, NoMedia: m.NoMedia, Bad: m.Bad, MOSCalls: m.MOSCount,
		OneWayRate: ratio(m.OneWayRate()), NoMediaRate: ratio(m.NoMediaRate())}
	if m.MOSCount > 0 {
		mean, p5 := m.MOSMean(), m.MOSP5()
		out.MOSMean, out.MOSP5 = &mean, &p5
	}
	return out
}

var mediaHead = []string{"judged", "one-way", "no media", "bad", "MOS mean", "MOS p5"}

func mediaCells(m MediaSummary) []string {
	return []string{strconv.Itoa(m.Judged), countPct(m.OneWay, m.OneWayRate), countPct(m.NoMedia, m.NoMediaRate),
		strconv.Itoa(m.Bad), mos(m.MOSMean, 2), mos(m.MOSP5, 1)}
}

func countPct(n int, r *float64) string {
	if r == nil {
		return "-"
	}
	return strconv.Itoa(n) + " (" + pct(r) + ")"
}

func mos(x *float64, prec int) string {
	if x == nil {
		return "-"
	}
	return strconv.FormatFloat(*x, 'f', prec, 64)
}

func hasMedia(m MediaSummary) bool { return m.Judged > 0 || m.MOSCalls > 0 || m.Bad > 0 }

// mediaTrunkTable is the media of each trunk with judged calls.
func mediaTrunkTable(rep *Report) table {
	t := table{title: "Media by trunk (whole cutover)", head: append([]string{"trunk", "role"}, mediaHead...)}
	for _, tr := range rep.Trunks {
		if hasMedia(tr.Total.Media) {
			t.rows = append(t.rows, append([]string{tr.Name, tr.Role}, mediaCells(tr.Total.Media)...))
		}
	}
	return t
}

// mediaNumberTable is the media of each number with judged calls.
func mediaNumberTable(rep *Report) table {
	t := table{title: "Media by number (whole cutover)", head: append([]string{"number"}, mediaHead...)}
	for _, n := range rep.Numbers {
		if hasMedia(n.Total.Media) {
			t.rows = append(t.rows, append([]string{n.E164}, mediaCells(n.Total.Media)...))
		}
	}
	return t
}

// mediaCallsTable lists the one-way and silent calls.
func mediaCallsTable(rep *Report) table {
	m := &rep.Media
	n := m.OneWay + m.NoMedia
	title := fmt.Sprintf("Media: calls with one-way audio or none (%d of %d calls with a media report)", n, m.Calls)
	if n > len(m.Listed) {
		title += fmt.Sprintf(", the first %d", len(m.Listed))
	}
	t := table{title: title, head: []string{"answered", "Call-ID", "number", "trunk", "verdict", "reason"}}
	for _, c := range m.Listed {
		t.rows = append(t.rows, []string{clock(c.Answered), c.CallID, orDash(c.Number), orDash(c.Trunk), c.Verdict, c.Reason})
	}
	return t
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// mediaChart is the share of each trunk's judged calls with one-way audio
// or none, over a 5-minute moving window; nil when no call was judged.
func mediaChart(rep *Report, xs []time.Time, marks []mark) *chart {
	c := chart{title: "Calls with one-way audio or no media, share of judged calls (5-minute moving), by trunk",
		xs: xs, yMax: 1, yFmt: pctFmt, marks: marks, gaps: true} // no judged call: no share, a gap
	seen := false
	for k, tr := range rep.Trunks {
		l := line{name: tr.Name + " (" + tr.Role + ")", color: palette[k%len(palette)], ys: make([]float64, len(xs))}
		for i := range tr.Minutes {
			bad, judged := 0, 0
			for _, m := range tr.Minutes[max(0, i-4) : i+1] {
				bad, judged = bad+m.OneWay+m.NoMedia, judged+m.MediaJudged
			}
			l.ys[i] = math.NaN()
			if judged > 0 {
				l.ys[i], seen = float64(bad)/float64(judged), true
			}
		}
		c.lines = append(c.lines, l)
	}
	if !seen {
		return nil
	}
	return &c
}
