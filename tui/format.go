package tui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cutover/cutover/monitor"
)

// Small, pure formatting functions shared by the panes. Every width is
// measured in terminal cells (lipgloss.Width), never in bytes.

const ellipsis = "…"

// fit truncates s to w cells (with an ellipsis) and pads it on the right.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := lipgloss.Width(s)
	if sw > w {
		return ansi.Truncate(s, w, ellipsis)
	}
	return s + strings.Repeat(" ", w-sw)
}

// fitRight truncates s to w cells and pads it on the left.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := lipgloss.Width(s)
	if sw > w {
		return ansi.Truncate(s, w, ellipsis)
	}
	return strings.Repeat(" ", w-sw) + s
}

// pct formats a ratio in [0,1] as a whole percentage; "—" when unknown (<0).
func pct(r float64) string {
	if r < 0 {
		return "—"
	}
	return strconv.Itoa(int(r*100+0.5)) + "%"
}

// compactDur formats a duration in at most about six cells: 23ms, 1.2s, 3m12s, 2h05m.
func compactDur(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Second:
		return strconv.Itoa(int(d/time.Millisecond)) + "ms"
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
		return strconv.Itoa(m) + "m" + pad2(s) + "s"
	default:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		return strconv.Itoa(h) + "h" + pad2(m) + "m"
	}
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// age is how long before now (both Unix ns) t happened; "—" when t is unset.
func age(now, t int64) string {
	if t == 0 {
		return "—"
	}
	return compactDur(time.Duration(now - t))
}

// clock formats an event time as UTC wall-clock time.
func clock(t int64, layout string) string {
	if t == 0 {
		return "--:--:--"
	}
	return time.Unix(0, t).UTC().Format(layout)
}

// sparkBlocks are the eight levels of a sparkline.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the newest w values, scaled to the largest of them. A
// zero is drawn as a blank so that silence stands out.
func sparkline(vals []int, w int) string {
	if w <= 0 {
		return ""
	}
	if len(vals) > w {
		vals = vals[len(vals)-w:]
	}
	peak := 0
	for _, v := range vals {
		peak = max(peak, v)
	}
	var b strings.Builder
	b.Grow(w * 3)
	for range w - len(vals) {
		b.WriteByte(' ')
	}
	for _, v := range vals {
		if v <= 0 || peak == 0 {
			b.WriteByte(' ')
			continue
		}
		lvl := (v*len(sparkBlocks) - 1) / peak
		b.WriteRune(sparkBlocks[min(lvl, len(sparkBlocks)-1)])
	}
	return b.String()
}

// shareBar draws the legacy/new split of inbound attempts as a w-cell bar,
// legacy on the left, followed by the new provider's share. It returns the
// styled bar and its plain text (for the selected row).
func shareBar(st *Styles, legacy, newer, w int) (styled, plain string) {
	const label = 5 // " 100%"
	if legacy+newer == 0 {
		return st.Muted.Render(fit("—", w)), fit("—", w)
	}
	barW := max(w-label, 1)
	n := (newer*barW + (legacy+newer)/2) / (legacy + newer)
	if newer > 0 && n == 0 {
		n = 1
	}
	if legacy > 0 && n == barW {
		n = barW - 1
	}
	l := strings.Repeat("▒", barW-n)
	r := strings.Repeat("█", n)
	p := fitRight(pct(float64(newer)/float64(legacy+newer)), w-barW)
	return st.Legacy.Render(l) + st.New.Render(r) + p, strings.Repeat("▒", barW-n) + r + p
}

// attestText is an attestation mix as percentages, e.g. "A97 B2 C1".
func attestText(m monitor.AttestMix) string {
	total := m.Total()
	if total == 0 {
		return "—"
	}
	parts := make([]string, 0, 5)
	add := func(label string, n int) {
		if n > 0 {
			parts = append(parts, label+strconv.Itoa((n*100+total/2)/total))
		}
	}
	add("A", m.A)
	add("B", m.B)
	add("C", m.C)
	add("none", m.None)
	add("bad", m.Invalid)
	return strings.Join(parts, " ")
}

// topFailures lists up to n failure codes (>= 300), most frequent first:
// "503×12 486×3".
func topFailures(codes []monitor.CodeCount, n int) string {
	var b strings.Builder
	k := 0
	for _, c := range codes {
		if c.Code < 300 || k == n {
			continue
		}
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(c.Code))
		b.WriteString("×")
		b.WriteString(strconv.Itoa(c.Count))
		k++
	}
	if k == 0 {
		return "—"
	}
	return b.String()
}

// thousands formats n with thin separators: 12,345.
func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// roleStyle colours a trunk name or role by the provider side it is on.
func (s *Styles) roleStyle(r monitor.Role) lipgloss.Style {
	switch r {
	case monitor.RoleLegacy:
		return s.Legacy
	case monitor.RoleNew:
		return s.New
	}
	return s.Text
}

// padLines makes lines exactly h lines of exactly w cells each.
func padLines(lines []string, w, h int) []string {
	out := make([]string, h)
	for i := range h {
		if i < len(lines) {
			out[i] = fit(lines[i], w)
		} else {
			out[i] = strings.Repeat(" ", w)
		}
	}
	return out
}
