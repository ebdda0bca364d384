package tui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/termsafe"
)

// The landing transition in the detail views: a number's since its
// activation, and a port request's propagation curve.

const (
	landingChartH    = 4   // rows of the share-on-new chart
	landingNumbersUp = 200 // a request's numbers listed in its detail, at most
)

// landingLines is a number's landing transition for its detail view.
func (v *detailView) landingLines(n *monitor.NumberView) []string {
	st := v.c.st
	lines := []string{st.ColHeader.Render("  landing since activation")}
	if n.PortState != monitor.PortCompleted || n.Activated == 0 {
		return append(lines, st.Muted.Render("    port "+string(n.PortState)+": counted from its activation"), "")
	}
	l := &n.Landing
	lines = append(lines,
		labelled(st, "activated", clock(n.Activated, "15:04:05")+" UTC"+st.Muted.Render(" · "+age(v.c.now, n.Activated)+" ago")),
		labelled(st, "first new", sinceActivation(st, l.FirstNew, n.Activated, v.c.now, "none yet")),
		labelled(st, "last legacy", lastLegacy(st, l, n.Activated, v.c.now)),
		labelled(st, "calls", landingCounts(st, l)),
	)
	lines = append(lines, landingChart(st, n.Curve, v.c.now-n.Activated, v.w)...)
	return append(lines, "")
}

// sinceActivation is t as a time after activation, and how long ago.
func sinceActivation(st *Styles, t, activated, now int64, none string) string {
	if t == 0 {
		return st.Muted.Render(none)
	}
	return "+" + compactDur(time.Duration(t-activated)) + st.Muted.Render(" after activation · "+age(now, t)+" ago")
}

func lastLegacy(st *Styles, l *monitor.Landing, activated, now int64) string {
	if l.LastLegacy == 0 {
		return st.OK.Render("none since activation")
	}
	return st.Legacy.Render(sinceActivation(st, l.LastLegacy, activated, now, ""))
}

func landingCounts(st *Styles, l *monitor.Landing) string {
	s := st.New.Render(strconv.Itoa(l.New)+" new") + st.Muted.Render(" · ") +
		st.Legacy.Render(strconv.Itoa(l.Legacy)+" legacy")
	if t := l.New + l.Legacy; t > 0 {
		s += st.Muted.Render(" · ") + pct(float64(l.New)/float64(t)) + " on new"
	}
	return s
}

// landingChart draws the share on new of each bin of curve from
// activation to since (the time since activation): a column per bin, new
// (█) from the bottom and legacy (▒) above it; a bin without calls is
// blank. The bins widen with time (LandingSpan), the axis says where.
func landingChart(st *Styles, curve []monitor.LandingBin, since int64, w int) []string {
	if len(curve) == 0 {
		return []string{labelled(st, "share on new", st.Muted.Render("no calls since activation"))}
	}
	bins := int(curve[len(curve)-1].Bin) + 1
	for bins < monitor.LandingBins {
		if from, _ := monitor.LandingSpan(bins); int64(from) > since {
			break
		}
		bins++
	}
	indent := detailLabelW
	if indent+bins > w {
		indent = 4
	}
	cw := clamp((w-indent)/bins, 1, 3)
	share := make([]int, bins) // eighths of the column on new, -1 = no calls
	for i := range share {
		share[i] = -1
	}
	for _, b := range curve {
		if int(b.Bin) < bins {
			share[b.Bin] = int(b.Share()*landingChartH*8 + 0.5)
		}
	}
	lines := []string{labelled(st, "share on new", spanSummary(curve))}
	for r := range landingChartH {
		floor := (landingChartH - 1 - r) * 8
		var b strings.Builder
		for _, s := range share {
			var cellStr string
			switch lvl := clamp(s-floor, 0, 8); {
			case s < 0:
				cellStr = " "
			case lvl == 0:
				cellStr = st.Legacy.Render("▒")
			case lvl == 8:
				cellStr = st.New.Render("█")
			default:
				cellStr = st.New.Render(string(sparkBlocks[lvl-1]))
			}
			b.WriteString(strings.Repeat(cellStr, cw))
		}
		lines = append(lines, strings.Repeat(" ", indent)+b.String())
	}
	return append(lines, strings.Repeat(" ", indent)+st.Muted.Render(landingAxis(bins, cw)))
}

// landingTicks are the axis labels, by bin.
var landingTicks = []struct {
	bin   int
	label string
}{{0, "0"}, {10, "10m"}, {20, "20m"}, {30, "30m"}, {33, "1h"}, {39, "2h"}, {45, "3h"},
	{48, "6h"}, {54, "12h"}, {60, "18h"}, {66, "24h"}}

// landingAxis labels the chart's bins, where there is room.
func landingAxis(bins, cw int) string {
	axis := []rune(strings.Repeat(" ", bins*cw+4))
	next := 0
	for _, t := range landingTicks {
		at := t.bin * cw
		if t.bin >= bins || at < next {
			continue
		}
		copy(axis[at:], []rune("╵"+t.label))
		next = at + len(t.label) + 2
	}
	return strings.TrimRight(string(axis), " ")
}

// spanSummary is the share on new over four spans since activation:
// the first 10 minutes, to 30 minutes, to 3 hours, and later.
func spanSummary(curve []monitor.LandingBin) string {
	spans := []struct {
		label  string
		to     time.Duration
		nw, lg int
	}{{label: "0–10m", to: 10 * time.Minute}, {label: "10–30m", to: 30 * time.Minute},
		{label: "30m–3h", to: 3 * time.Hour}, {label: "3h+", to: 1 << 62}}
	for _, b := range curve {
		from, _ := monitor.LandingSpan(int(b.Bin))
		k := 0
		for from >= spans[k].to {
			k++
		}
		spans[k].nw += int(b.New)
		spans[k].lg += int(b.Legacy)
	}
	var parts []string
	for _, s := range spans {
		if s.nw+s.lg > 0 {
			parts = append(parts, s.label+" "+pct(float64(s.nw)/float64(s.nw+s.lg)))
		}
	}
	return strings.Join(parts, " · ")
}

// requestDetail is a port request's detail: its numbers by state, their
// landing summed, the propagation curve and each number's transition.
func (v *detailView) requestDetail(r *monitor.RequestView) []string {
	st, w := v.c.st, v.w
	var states []string
	for _, s := range portStates {
		if n := r.ByState[s]; n > 0 {
			states = append(states, portCell(st, s).render()+" "+strconv.Itoa(n))
		}
	}
	act := st.Muted.Render("not yet")
	if r.FirstActivated != 0 {
		act = clock(r.FirstActivated, "15:04:05")
		if r.LastActivated != r.FirstActivated {
			act += " – " + clock(r.LastActivated, "15:04:05")
		}
		act += " UTC" + st.Muted.Render(" · "+age(v.c.now, r.FirstActivated)+" ago")
	}
	l := &r.Landing
	lines := []string{
		titleBar(st, "PORT REQUEST "+r.ID, plural(r.Numbers, "number"), "↑/↓ scroll · esc back", w, true),
		"",
		labelled(st, "numbers", strings.Join(states, st.Muted.Render(" · "))),
		labelled(st, "activated", act),
		labelled(st, "first new", clockAgo(st, l.FirstNew, v.c.now, "none yet")),
		labelled(st, "last legacy", clockAgo(st, l.LastLegacy, v.c.now, "none since activation")),
		labelled(st, "calls", landingCounts(st, l)),
	}
	lines = append(lines, landingChart(st, r.Curve, v.c.now-r.FirstActivated, w)...)
	lines = append(lines, "")
	return append(lines, v.requestNumbers(r.ID)...)
}

func clockAgo(st *Styles, t, now int64, none string) string {
	if t == 0 {
		return st.Muted.Render(none)
	}
	return clock(t, "15:04:05") + " UTC" + st.Muted.Render(" · "+age(now, t)+" ago")
}

// requestNumbers lists the request's numbers with their transitions:
// those still landing on legacy first (the latest first), then by number.
func (v *detailView) requestNumbers(id string) []string {
	st := v.c.st
	var nums []*monitor.NumberView
	for i := range v.snap.Numbers {
		if v.snap.Numbers[i].PortRequestID == id {
			nums = append(nums, &v.snap.Numbers[i])
		}
	}
	slices.SortFunc(nums, func(a, b *monitor.NumberView) int {
		return cmp.Or(cmp.Compare(b.Landing.LastLegacy, a.Landing.LastLegacy), cmp.Compare(a.E164, b.E164))
	})
	lines := []string{st.ColHeader.Render("  " + fit("number", 16) + fit("port", 12) + fitRight("to new", 8) +
		fitRight("to legacy", 11) + fitRight("new", 7) + fitRight("legacy", 8))}
	for i, n := range nums {
		if i == landingNumbersUp {
			lines = append(lines, st.Muted.Render("  … "+plural(len(nums)-i, "more number")))
			break
		}
		lines = append(lines, "  "+fit(termsafe.Line(n.E164), 16)+portCell(st, n.PortState).render()+
			strings.Repeat(" ", max(12-len(n.PortState), 1))+
			fitRight(afterActivation(n.Landing.FirstNew, n.Activated), 8)+
			fitRight(afterActivation(n.Landing.LastLegacy, n.Activated), 11)+
			fitRight(strconv.Itoa(n.Landing.New), 7)+fitRight(strconv.Itoa(n.Landing.Legacy), 8))
	}
	return lines
}

// afterActivation is "+1m30s", or "—" when t is unset.
func afterActivation(t, activated int64) string {
	if t == 0 {
		return "—"
	}
	return "+" + compactDur(time.Duration(t-activated))
}

// requestOf is the port request of the number the detail shows, in snap
// ("" none).
func (v *detailView) requestOf(snap *monitor.Snapshot) string {
	if v.kind != detailNumber || snap == nil {
		return ""
	}
	for i := range snap.Numbers {
		if snap.Numbers[i].E164 == v.id {
			return snap.Numbers[i].PortRequestID
		}
	}
	return ""
}
