package tui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cutover/cutover/monitor/termsafe"
)

// ladderGutter is the width of the time offsets left of the ladder.
const ladderGutter = 10

// party is one column of the ladder: an address, named by its trunk.
type party struct{ addr, trunk string }

// parties lists the addresses of msgs in the order they first appear,
// sender before receiver, as sngrep does.
func parties(msgs []CallMessage) (out []party, idx map[string]int) {
	idx = map[string]int{}
	add := func(addr, trunk string) {
		if _, ok := idx[addr]; !ok {
			idx[addr] = len(out)
			out = append(out, party{addr: addr, trunk: trunk})
		}
	}
	for _, m := range msgs {
		add(m.SIP.Src.String(), m.SrcTrunk)
		add(m.SIP.Dst.String(), m.DstTrunk)
	}
	return out, idx
}

// ladderLines draws the call as a ladder w columns wide: the parties'
// names and addresses, then for each message a label (method, or code and
// reason) over an arrow from sender to receiver, with its time since the
// first message. row is the line of the selected message's arrow.
func ladderLines(st *Styles, msgs []CallMessage, sel, w int) (lines []string, row int) {
	ps, idx := parties(msgs)
	slot := max((w-ladderGutter)/max(len(ps), 1), 1)
	xs := make([]int, len(ps))
	for i := range ps {
		xs[i] = ladderGutter + slot*i + slot/2
	}
	names, addrs := blank(w), blank(w)
	for i, p := range ps {
		centre(names, termsafe.Line(p.trunk), xs[i], slot-1)
		centre(addrs, p.addr, xs[i], slot-1)
	}
	lines = append(lines, st.Bold.Render(string(names)), st.Muted.Render(string(addrs)), st.Muted.Render(string(bars(w, xs))))
	row = -1
	for i, m := range msgs {
		a, b := xs[idx[m.SIP.Src.String()]], xs[idx[m.SIP.Dst.String()]]
		label, arrow := bars(w, xs), bars(w, xs)
		lo, hi := min(a, b), max(a, b)
		if hi > lo {
			centreIn(label, termsafe.Line(msgLabel(m)), lo+1, hi-1)
		} else {
			centre(label, termsafe.Line(msgLabel(m)), lo+slot/4, slot-1)
		}
		drawArrow(arrow, a, b)
		copy(arrow[1:], []rune(fit(offset(m.Time-msgs[0].Time), ladderGutter-2)))
		style := st.codeStyle(code(m))
		if i == sel {
			arrow[0], style = '▶', st.Selected
			row = len(lines) + 1
		}
		lines = append(lines, paint(label, lo, hi, style, st), paint(arrow, lo, hi, style, st))
	}
	return lines, row
}

func code(m CallMessage) int {
	if m.SIP.Info == nil {
		return 0
	}
	return m.SIP.Info.Code
}

// msgLabel is what an arrow says: the method of a request, the code and
// reason of a response ("183 Session Progress"), "malformed" for a message
// that did not parse.
func msgLabel(m CallMessage) string {
	in := m.SIP.Info
	switch {
	case in == nil:
		return "malformed"
	case in.Request:
		return in.Method
	}
	return strconv.Itoa(in.Code) + " " + in.Reason
}

func blank(w int) []rune { return []rune(strings.Repeat(" ", max(w, 0))) }

// bars is an empty ladder line: a │ under each party.
func bars(w int, xs []int) []rune {
	r := blank(w)
	for _, x := range xs {
		if x < len(r) {
			r[x] = '│'
		}
	}
	return r
}

// centre writes s, cut to at most n columns, centred on column x.
func centre(line []rune, s string, x, n int) {
	n = max(n, 1)
	centreIn(line, s, x-n/2, x-n/2+n-1)
}

// centreIn writes s, cut to fit, centred in the columns from..to.
func centreIn(line []rune, s string, from, to int) {
	n := to - from + 1
	if n <= 0 {
		return
	}
	rs := []rune(strings.TrimRight(fit(s, n), " "))
	start := max(from+(n-len(rs))/2, 0)
	for i, c := range rs {
		if start+i < len(line) {
			line[start+i] = c
		}
	}
}

// drawArrow draws an arrow from column a to column b between the bars;
// one from a party to itself is a loop mark.
func drawArrow(line []rune, a, b int) {
	if a == b {
		if a+1 < len(line) {
			line[a+1] = '↺'
		}
		return
	}
	lo, hi := min(a, b), max(a, b)
	for x := lo + 1; x < hi && x < len(line); x++ {
		line[x] = '─'
	}
	switch {
	case b > a && b-1 < len(line):
		line[b-1] = '▶'
	case b < a:
		line[b+1] = '◀'
	}
}

// paint styles the columns lo..hi of line (the arrow and its label), the
// rest muted.
func paint(line []rune, lo, hi int, style lipgloss.Style, st *Styles) string {
	lo, hi = min(lo, len(line)), min(hi+1, len(line))
	return st.Muted.Render(string(line[:lo])) + style.Render(string(line[lo:hi])) + st.Muted.Render(string(line[hi:]))
}

// offset is a time since the call's first message: +1.234s, +2:03.4, +1h02m.
func offset(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d < time.Minute:
		return "+" + strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + "s"
	case d < time.Hour:
		return "+" + strconv.Itoa(int(d/time.Minute)) + ":" + leftPad(strconv.FormatFloat((d%time.Minute).Seconds(), 'f', 1, 64), 4)
	}
	return "+" + strconv.Itoa(int(d/time.Hour)) + "h" + leftPad(strconv.Itoa(int(d%time.Hour/time.Minute)), 2) + "m"
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// messageLines is the selected message as recorded: where it went, then
// its start line, headers and body, every line through termsafe and
// wrapped at w columns (an Identity header is long).
func messageLines(st *Styles, msgs []CallMessage, sel, w int) []string {
	if sel < 0 || sel >= len(msgs) {
		return nil
	}
	m := msgs[sel]
	head := st.Bold.Render("MESSAGE "+strconv.Itoa(sel+1)+"/"+strconv.Itoa(len(msgs))) +
		st.Muted.Render("  "+clock(m.Time, "15:04:05.000")+"  "+m.SIP.Src.String()+" → "+m.SIP.Dst.String()+" "+termsafe.Line(m.SIP.Transport))
	lines := []string{head}
	for _, l := range strings.Split(strings.TrimRight(string(m.SIP.Raw), "\r\n"), "\n") {
		wrapped := ansi.Hardwrap(termsafe.Line(strings.TrimSuffix(l, "\r")), max(w, 1), true)
		lines = append(lines, strings.Split(wrapped, "\n")...)
	}
	return lines
}
