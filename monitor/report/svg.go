package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// line is one series of a chart.
type line struct {
	name  string
	color string
	ys    []float64
}

// chart is a line chart over the report's minutes, drawn as inline SVG so
// the report needs nothing from the network.
type chart struct {
	title string
	xs    []time.Time
	lines []line
	yMax  float64 // 0: from the data
	yFmt  func(float64) string
	xFmt  func(time.Time) string // a tick's label ("": no tick there); nil: the time of day, about ten ticks
	marks []mark                 // the incidents, drawn under the lines
	// gaps: a NaN (no data) breaks a line; otherwise the line joins the
	// points on either side (a curve over bins, some without calls).
	gaps bool
}

// mark is an incident on a chart: a shaded band (a trunk's) or a tick
// along the top (a number's), numbered as in the incidents table.
type mark struct {
	from, to time.Time
	n        int
	severity string
	band     bool
	title    string
}

const (
	chartW, chartH = 1200, 260
	padL, padR     = 60, 150
	padT, padB     = 30, 30
)

// palette is colour-blind safe (Okabe–Ito).
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"}

func (c chart) svg() template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		chartW, chartH, chartW, chartH, template.HTMLEscapeString(c.title))
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="15" font-weight="bold">%s</text>`, padL, template.HTMLEscapeString(c.title))
	n := len(c.xs)
	if n < 2 {
		b.WriteString(`<text x="60" y="120">not enough data</text></svg>`)
		return template.HTML(b.String())
	}
	ymax := c.yMax
	if ymax == 0 {
		for _, l := range c.lines {
			for _, y := range l.ys {
				ymax = math.Max(ymax, y)
			}
		}
		ymax = niceCeil(ymax)
	}
	pw, ph := float64(chartW-padL-padR), float64(chartH-padT-padB)
	x := func(i int) float64 { return padL + pw*float64(i)/float64(n-1) }
	y := func(v float64) float64 { return padT + ph - ph*v/ymax }
	c.axes(&b, x, y, ymax)
	c.drawMarks(&b, x)
	for k, l := range c.lines {
		for _, pts := range segments(l.ys, x, y, c.gaps) {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.6" points="%s"/>`, l.color, strings.Join(pts, " "))
		}
		ly := padT + 16*k + 10
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="4" fill="%s"/><text x="%d" y="%d" font-size="12">%s</text>`,
			chartW-padR+10, ly-4, l.color, chartW-padR+30, ly+1, template.HTMLEscapeString(l.name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func (c chart) axes(b *strings.Builder, x func(int) float64, y func(float64) float64, ymax float64) {
	fmt.Fprintf(b, `<g stroke="#999" stroke-width="1"><line x1="%d" y1="%d" x2="%d" y2="%d"/><line x1="%d" y1="%d" x2="%d" y2="%d"/></g>`,
		padL, padT, padL, chartH-padB, padL, chartH-padB, chartW-padR, chartH-padB)
	for k := 0; k <= 5; k++ {
		v := ymax * float64(k) / 5
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%d" y="%.1f" font-size="11" text-anchor="end">%s</text>`,
			padL, chartW-padR, y(v), y(v), padL-6, y(v)+4, c.yFmt(v))
	}
	step := tickStep(c.xs[len(c.xs)-1].Sub(c.xs[0]))
	for i, t := range c.xs {
		label := c.xLabel(t, step)
		if label == "" {
			continue
		}
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#999"/><text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>`,
			x(i), x(i), chartH-padB, chartH-padB+4, x(i), chartH-padB+16, label)
	}
}

// xLabel is the label of a tick at t ("": no tick), step apart by default.
func (c chart) xLabel(t time.Time, step time.Duration) string {
	switch {
	case c.xFmt != nil:
		return c.xFmt(t)
	case t.Truncate(step) != t:
		return ""
	}
	return t.UTC().Format("15:04")
}

// tickStep picks about ten time ticks across the span.
func tickStep(span time.Duration) time.Duration {
	for _, s := range []time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour} {
		if span/s <= 12 {
			return s
		}
	}
	return 12 * time.Hour
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func countFmt(v float64) string { return fmt.Sprintf("%.0f", v) }
func pctFmt(v float64) string   { return fmt.Sprintf("%.0f%%", v*100) }

// drawMarks shades the trunks' incidents and ticks the numbers' along the
// top of the plot, at the minutes they cover.
func (c chart) drawMarks(b *strings.Builder, x func(int) float64) {
	n := len(c.xs)
	at := func(t time.Time) float64 {
		f := float64(t.Sub(c.xs[0])) / float64(time.Minute)
		f = math.Max(0, math.Min(f, float64(n-1)))
		lo := int(f)
		if lo >= n-1 {
			return x(n - 1)
		}
		return x(lo) + (x(lo+1)-x(lo))*(f-float64(lo))
	}
	bands := 0
	for _, m := range c.marks {
		color, opacity := "#E69F00", 0.12
		if m.severity == "critical" {
			color, opacity = "#D55E00", 0.2
		}
		x0, x1 := at(m.from), at(m.to)
		title := template.HTMLEscapeString(fmt.Sprintf("#%d %s", m.n, m.title))
		if !m.band {
			fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="%.1f" height="5" fill="%s" fill-opacity="0.7"><title>%s</title></rect>`,
				x0, padT-7, math.Max(x1-x0, 1.5), color, title)
			continue
		}
		fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" fill-opacity="%.2f"><title>%s</title></rect>`,
			x0, padT, math.Max(x1-x0, 1.5), chartH-padT-padB, color, opacity, title)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" font-size="10" fill="%s">#%d</text>`, x0+2, padT+10+11*(bands%3), color, m.n) // staggered: bands that start together keep their labels apart
		bands++
	}
}

// segments are a line's points, skipping NaN; with gaps, split into runs
// at each NaN.
func segments(ys []float64, x func(int) float64, y func(float64) float64, gaps bool) [][]string {
	var out [][]string
	var cur []string
	for i, v := range ys {
		if math.IsNaN(v) {
			if gaps && len(cur) > 0 {
				out, cur = append(out, cur), nil
			}
			continue
		}
		cur = append(cur, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
