package tui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
)

// sourcesText is each live source's state for the header's first line:
// "hep :9060 ● 1,234/s" with malformed and dropped counts when not zero.
// From dateWidth on it spells the state and the counters out.
func (m Model) sourcesText(w int) string {
	st := m.c.st
	var parts []string
	wide := w >= dateWidth
	var fwd []SourceStat
	for _, s := range m.stats.Sources {
		if s.Forward {
			if fwd = append(fwd, s); wide {
				parts = append(parts, forwardText(st, fwd[len(fwd)-1:], s.Name))
			}
			continue
		}
		dot := st.OK.Render("●")
		if s.State != "listening" && s.State != "running" && s.State != "capturing" {
			dot = st.Bad.Render("●")
		}
		state := dot
		if wide || dot != st.OK.Render("●") {
			state += " " + st.Text.Render(s.State)
		}
		rate := thousands(uint64(s.PerSec+0.5)) + "/s"
		if wide {
			rate = thousands(uint64(s.PerSec+0.5)) + " pkt/s"
		}
		b := []string{st.Bold.Render(s.Name), state, st.Text.Render(rate)}
		if s.Sink {
			b[2] = st.Text.Render("sent " + thousands(s.Packets))
		}
		if !s.Forward && (s.Malformed > 0 || wide) {
			label := "mal "
			switch {
			case s.Sink:
				label = "failed "
			case wide:
				label = "malformed "
			}
			b = append(b, counterStyle(st, s.Malformed, false).Render(label+thousands(s.Malformed)))
		}
		if s.Dropped > 0 || wide {
			label := "drop "
			if wide {
				label = "dropped "
			}
			b = append(b, counterStyle(st, s.Dropped, true).Render(label+thousands(s.Dropped)))
		}
		parts = append(parts, strings.Join(b, " "))
	}
	if len(fwd) > 0 && !wide { // at 80 columns the targets are one part: "fwd 2 ● drop 63"
		parts = append(parts, forwardText(st, fwd, "fwd "+strconv.Itoa(len(fwd))))
	}
	return strings.Join(parts, st.Muted.Render(" · "))
}

// forwardText is [hep] forward targets under one name: a red dot when one
// is not running, and what they dropped (left out when nothing, except
// for one target on a wide screen, which also spells out its state). The
// rate is left out: it is the collector's.
func forwardText(st *Styles, ts []SourceStat, name string) string {
	var dropped uint64
	dot := st.OK.Render("●")
	for _, s := range ts {
		dropped += s.Dropped
		if s.State != "running" {
			dot = st.Bad.Render("●")
		}
	}
	b := []string{st.Bold.Render(name), dot}
	if len(ts) == 1 {
		if s := ts[0]; s.State != "running" {
			b = append(b, st.Text.Render(s.State))
		}
		return strings.Join(append(b, counterStyle(st, dropped, true).Render("dropped "+thousands(dropped))), " ")
	}
	if dropped > 0 {
		b = append(b, counterStyle(st, dropped, true).Render("drop "+thousands(dropped)))
	}
	return strings.Join(b, " ")
}

// counterStyle: a zero counter is muted; a non-zero one warns, or alarms
// when it means lost events.
func counterStyle(st *Styles, n uint64, loss bool) lipgloss.Style {
	switch {
	case n == 0:
		return st.Muted
	case loss:
		return st.Bad
	}
	return st.Warn
}
