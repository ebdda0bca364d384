package tui

import (
	"strconv"

	"github.com/cutover/cutover/monitor"
)

// stirLines is the STIR/SHAKEN breakdown of each window: why outbound
// calls did or did not verify (one count per verifier outcome), and the
// verstat inbound calls arrived with.
func stirLines(st *Styles, win *[3]monitor.Stats, w int) []string {
	lines := []string{st.ColHeader.Render("  STIR/SHAKEN out: verification outcome")}
	for i := range win {
		var tokens []string
		mix := win[i].Stir
		for k, n := range mix {
			if n == 0 {
				continue
			}
			name := monitor.StirResults[k]
			style := st.Bad
			switch name {
			case "valid":
				style = st.OK
			case "no-identity":
				style = st.Muted
			}
			tokens = append(tokens, style.Render(name)+st.Muted.Render("×"+strconv.Itoa(n)))
		}
		if len(tokens) == 0 {
			tokens = append(tokens, st.Muted.Render("—"))
		}
		lines = append(lines, wrapTokens(fit("    "+winLabel(i), detailLabelW), tokens, w)...)
	}
	lines = append(lines, st.ColHeader.Render("  STIR/SHAKEN in: verstat"))
	for i := range win {
		v := win[i].Verstat
		text := st.Muted.Render("—")
		if v.Passed+v.Failed+v.None+v.Absent > 0 {
			text = st.OK.Render("passed") + st.Muted.Render("×"+strconv.Itoa(v.Passed)) + " " +
				st.Bad.Render("failed") + st.Muted.Render("×"+strconv.Itoa(v.Failed)) + " " +
				st.Muted.Render("no-validation×"+strconv.Itoa(v.None)+" absent×"+strconv.Itoa(v.Absent))
		}
		lines = append(lines, fit("    "+winLabel(i), detailLabelW)+text)
	}
	return lines
}
