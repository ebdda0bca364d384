package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/termsafe"
)

// actionDetail is everything recorded about one action: its dry run, the
// read-back, the error, what verifies it and how to undo it.
func (v *detailView) actionDetail(a *monitor.ActionView) []string {
	st, w := v.c.st, v.w
	lines := []string{
		titleBar(st, "ACTION "+a.ID, a.Type+" "+a.Target, "↑/↓ scroll · esc back", w, true),
		"",
		labelled(st, "state", st.actionStyle(a.State).Render(string(a.State))),
		labelled(st, "operator", termsafe.Line(a.Operator)),
		labelled(st, "requested", clock(a.Requested, "2006-01-02 15:04:05")+" UTC"+
			st.Muted.Render("   updated ")+clock(a.Updated, "15:04:05")),
	}
	if a.Prompted != "" {
		lines = append(lines, labelled(st, "answers alert", termsafe.Line(a.Prompted)))
	}
	if e := a.Expect; e != nil {
		what := "calls " + string(e.Dir) + " on " + strings.Join(e.Trunks, ", ")
		if len(e.Numbers) > 0 {
			what += " for " + strings.Join(e.Numbers, ", ")
		}
		lines = append(lines, labelled(st, "expects", termsafe.Line(what)))
	}
	if a.Progress != "" {
		lines = append(lines, labelled(st, "verification", termsafe.Line(a.Progress)))
	}
	if a.Error != "" {
		lines = append(lines, labelled(st, "error", st.Bad.Render(termsafe.Line(a.Error))))
	}
	lines = append(lines, "")
	lines = append(lines, textBlock(st, "dry run", a.DryRun, w)...)
	lines = append(lines, textBlock(st, "result, read back", a.Result, w)...)
	undo := st.Muted.Render("    nothing to undo")
	switch {
	case a.State == monitor.ActionUndone:
		undo = st.Muted.Render("    already undone")
	case a.Undo != "":
		undo = "    u (when it is your last action), or: cutover act undo " + termsafe.Line(a.ID)
	}
	return append(lines, st.ColHeader.Render("  undo"), undo)
}

// noteDetail is one operator note, whole.
func (v *detailView) noteDetail(n monitor.NoteView) []string {
	st, w := v.c.st, v.w
	lines := []string{
		titleBar(st, "NOTE", clock(n.Time, "15:04:05"), "esc back", w, true),
		"",
		labelled(st, "time", clock(n.Time, "2006-01-02 15:04:05")+" UTC"),
		labelled(st, "author", termsafe.Line(n.Author)),
		"",
	}
	return append(lines, textBlock(st, "note", n.Text, w)...)
}

// textBlock is a titled, indented block of recorded text, wrapped at w
// (textLines shows its control characters escaped).
func textBlock(st *Styles, title, text string, w int) []string {
	lines := []string{st.ColHeader.Render("  " + title)}
	if strings.TrimSpace(text) == "" {
		return append(lines, st.Muted.Render("    —"), "")
	}
	for _, l := range textLines(text) {
		for _, part := range strings.Split(ansi.Wrap(l, w-6, ""), "\n") {
			lines = append(lines, "    "+part)
		}
	}
	return append(lines, "")
}
