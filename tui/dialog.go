package tui

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// dialogStage is where an action's dialog stands.
type dialogStage int

const (
	dlgChoose   dialogStage = iota // choosing the target or trunk
	dlgPlanning                    // the dry run is under way
	dlgConfirm                     // the dry run is shown: y applies, anything else declines
	dlgApplying                    // applying: keys wait
	dlgOutcome                     // a failed plan or apply, or nothing to change: any key closes
)

// choice is one line of a dialog's chooser and the requests it makes.
type choice struct {
	label string
	reqs  []ActionRequest
}

// dialog is the modal over the dashboard while an action is chosen,
// planned, confirmed and applied.
type dialog struct {
	gen     int // tells its messages from an abandoned dialog's
	title   string
	stage   dialogStage
	choices []choice
	cursor  int
	plans   []ActionPlan
	outcome string
	bad     bool
	scroll  int // first line of the scrolled part shown
}

// Dialog sizes: the box leaves a margin around it on the dashboard.
const (
	dialogMaxW   = 100
	dialogMargin = 2
)

// openDialog starts an action: a chooser when there is more than one
// choice, else straight to its dry run.
func (m *Model) openDialog(title string, choices []choice) tea.Cmd {
	m.dlgGen++
	m.dlg = &dialog{gen: m.dlgGen, title: title, choices: choices}
	m.showHelp, m.detail = false, nil
	if len(choices) == 1 {
		return m.planChoice(0)
	}
	return nil
}

func (m *Model) planChoice(i int) tea.Cmd {
	d := m.dlg
	d.stage, d.scroll = dlgPlanning, 0
	if len(d.choices) > 1 {
		d.title += ": " + d.choices[i].label
	}
	return planCmd(m.o.Actor, d.gen, d.choices[i].reqs)
}

// dialogKey handles every key while the dialog is open. Only y (or Y)
// applies: Enter, Esc, n and any other key decline, so a stray key never
// fires an action. The arrows and page keys scroll a long dry run.
func (m *Model) dialogKey(k tea.KeyPressMsg) tea.Cmd {
	d, keys := m.dlg, m.c.keys
	switch d.stage {
	case dlgChoose:
		switch {
		case key.Matches(k, keys.Enter):
			return m.planChoice(d.cursor)
		case key.Matches(k, keys.Up, keys.Down, keys.PageUp, keys.PageDown):
			d.cursor = moveCursor(keys, k, d.cursor, len(d.choices), len(d.choices))
		default:
			m.dlg = nil
		}
	case dlgPlanning:
		if k.Code == tea.KeyEscape { // its plans are declined when they come
			m.dlg = nil
			m.status, m.statusOK = "abandoned: nothing changed", false
		}
	case dlgConfirm:
		switch {
		case key.Matches(k, keys.Confirm):
			d.stage = dlgApplying
			m.setShowActions(true)
			return applyCmd(m.o.Actor, d.gen, d.plans)
		case m.scrollKey(k):
		default:
			m.dlg = nil
			m.status, m.statusOK = "declined: nothing changed", false
			return declineCmd(m.o.Actor, d.plans)
		}
	case dlgOutcome:
		if !m.scrollKey(k) {
			m.dlg = nil
		}
	}
	return nil
}

// scrollKey scrolls the dialog's long part; false if k is not a scroll key.
func (m *Model) scrollKey(k tea.KeyPressMsg) bool {
	keys := m.c.keys
	if !key.Matches(k, keys.Up, keys.Down, keys.PageUp, keys.PageDown) {
		return false
	}
	page := max(m.dialogRows(), 1)
	m.dlg.scroll = moveCursor(keys, k, m.dlg.scroll, max(len(m.dialogBody())-page+1, 1), page)
	return true
}

// planned shows the dry run, or why there is nothing to confirm. Plans of
// an abandoned dialog are declined: nothing is left waiting.
func (m *Model) planned(msg plannedMsg) tea.Cmd {
	d := m.dlg
	if d == nil || d.gen != msg.gen {
		return declineCmd(m.o.Actor, msg.plans)
	}
	d.plans = msg.plans
	switch {
	case msg.err != nil:
		d.stage, d.outcome, d.bad = dlgOutcome, "dry run failed, nothing changed: "+strings.TrimPrefix(msg.err.Error(), "plan: "), true
	case allNoChange(msg.plans):
		d.stage, d.outcome = dlgOutcome, "nothing to change: it already is so (recorded)"
	default:
		d.stage = dlgConfirm
	}
	return nil
}

func allNoChange(plans []ActionPlan) bool {
	for _, p := range plans {
		if !p.NoChange {
			return false
		}
	}
	return true
}

// applied closes the dialog when the action is done; a failure stays on
// screen until a key is pressed. The actions pane shows how it goes on.
func (m *Model) applied(msg appliedMsg) {
	d := m.dlg
	what := strings.Join(msg.ids, ", ")
	if d != nil && d.gen == msg.gen {
		var titles []string
		for _, p := range d.plans {
			if !p.NoChange {
				titles = append(titles, p.Title)
			}
		}
		what = strings.Join(titles, ", ")
	}
	if msg.err != nil {
		if d != nil && d.gen == msg.gen {
			d.stage, d.outcome, d.bad = dlgOutcome, "FAILED: "+msg.err.Error(), true
			d.scroll = 0
			return
		}
		m.status, m.statusOK = "action failed: "+msg.err.Error(), false
		return
	}
	if d != nil && d.gen == msg.gen {
		m.dlg = nil
	}
	m.status, m.statusOK = "done: "+what+" (ACTIONS shows its verification)", true
}

func (m *Model) declined(msg declinedMsg) {
	if msg.err != nil {
		m.status, m.statusOK = "declined, but not recorded: "+msg.err.Error(), false
	}
}

// dialogBody is the dialog's scrolled part, wrapped to its width.
func (m Model) dialogBody() []string {
	w, _ := m.dialogSize()
	var out []string
	for _, l := range m.dialogText() {
		out = append(out, strings.Split(ansi.Wrap(l, w, ""), "\n")...)
	}
	return out
}

// dialogText is the choices, or the dry run and how it went.
func (m Model) dialogText() []string {
	st, d := m.c.st, m.dlg
	var lines []string
	switch d.stage {
	case dlgChoose:
		for i, c := range d.choices {
			if i == d.cursor {
				lines = append(lines, st.Selected.Render("▶ "+c.label))
				continue
			}
			lines = append(lines, "  "+c.label)
		}
		return lines
	case dlgPlanning:
		return []string{st.Warn.Render("planning… (a dry run: nothing changes)")}
	}
	for i, p := range d.plans {
		if len(d.plans) > 1 {
			if i > 0 {
				lines = append(lines, "")
			}
			lines = append(lines, st.Bold.Render(p.Title))
		}
		if p.NoChange {
			lines = append(lines, st.Muted.Render("  already so: nothing to change"))
			continue
		}
		lines = append(lines, textLines(p.Diff)...)
		for _, n := range textLines(p.Notes) {
			lines = append(lines, st.Muted.Render(n))
		}
	}
	if d.stage == dlgOutcome {
		style := st.OK
		if d.bad {
			style = st.Bad
		}
		if len(lines) > 0 {
			lines = append([]string{""}, lines...)
		}
		lines = append([]string{style.Render(d.outcome)}, lines...)
	}
	return lines
}

// dialogFoot is the dialog's last line: what the keys do now.
func (m Model) dialogFoot() string {
	st := m.c.st
	switch m.dlg.stage {
	case dlgChoose:
		return st.Muted.Render("↑/↓ choose · enter plan (a dry run) · esc cancel")
	case dlgPlanning:
		return st.Muted.Render("esc abandons")
	case dlgConfirm:
		return st.Bold.Render("Apply? ") + st.Warn.Render("y") + st.Bold.Render(" / ") + st.OK.Render("N") +
			st.Muted.Render("   y applies · any other key cancels")
	case dlgApplying:
		return st.Warn.Render("applying… (reading back)")
	}
	return st.Muted.Render("any key closes")
}

// dialogSize is the box's inner width and the most lines its body shows.
func (m Model) dialogSize() (w, rows int) {
	w = min(m.lay.width-2*dialogMargin, dialogMaxW) - 4 // border and padding
	rows = m.lay.body.h - 2 - 2 - 4                     // a line above and below, border, title and blank, blank and foot
	return w, rows
}

func (m Model) dialogRows() int { _, r := m.dialogSize(); return r }

// dialogBox draws the dialog: title, the body scrolled to fit, the keys.
func (m Model) dialogBox() string {
	st, d := m.c.st, m.dlg
	w, rows := m.dialogSize()
	body := m.dialogBody()
	from := clamp(d.scroll, 0, max(len(body)-rows, 0))
	shown := body[from:min(from+rows, len(body))]
	more := ""
	if from > 0 || from+rows < len(body) {
		more = "  " + strconv.Itoa(from+1) + "–" + strconv.Itoa(from+len(shown)) + "/" + strconv.Itoa(len(body)) + " ↑/↓"
	}
	title := fit(d.title, max(w-lipgloss.Width(more), 1)) // one line: the box keeps its height
	lines := []string{st.Brand.Render(title) + st.Muted.Render(more), ""}
	for _, l := range shown {
		lines = append(lines, fit(l, w))
	}
	lines = append(lines, "", m.dialogFoot())
	return st.Dialog.Width(w + 4).Render(strings.Join(lines, "\n"))
}

// overlayDialog draws the dialog over the dashboard's body lines, centred:
// each covered line keeps the dashboard left and right of the box.
func (m Model) overlayDialog(body []string) []string {
	box := strings.Split(m.dialogBox(), "\n")
	bw := lipgloss.Width(box[0]) + 2 // a blank cell either side
	x := max((m.lay.width-bw)/2, 0)
	y := max((len(body)-len(box))/2, 0)
	out := slices.Clone(body)
	for i, b := range box {
		if y+i >= len(out) {
			break
		}
		bg := out[y+i]
		out[y+i] = ansi.Truncate(bg, x, "") + ansiReset + " " + b + " " + ansiReset + ansi.TruncateLeft(bg, x+bw, "")
	}
	return out
}

// ansiReset ends every style, so one drawn next to another does not bleed.
const ansiReset = "\x1b[m"

// textLines splits an actuator's text into lines, tabs made spaces (a DNS
// record's fields are tab-separated, and a tab has no width on screen).
func textLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(strings.ReplaceAll(s, "\t", " "), "\n")
}
