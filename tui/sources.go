package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// sourcesText is each live source's state for the header's first line:
// "hep :9060 ● 1,234/s" with malformed and dropped counts when not zero.
// From dateWidth on it spells the state and the counters out.
func (m Model) sourcesText(w int) string {
	st := m.c.st
	var parts []string
	for _, s := range m.stats.Sources {
		wide := w >= dateWidth
		dot := st.OK.Render("●")
		if s.State != "listening" && s.State != "running" {
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
		if !s.Forward && (s.Malformed > 0 || wide) {
			label := "mal "
			if wide {
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
	return strings.Join(parts, st.Muted.Render(" · "))
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
