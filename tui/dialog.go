package tui

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cutover/cutover/monitor/termsafe"
)

// dialogStage is where an action's dialog stands.
type dialogStage int

const (
	dlgChoose   dialogStage = iota // choosing the target or trunk
	dlgPlanning                    // the dry run is under way
	dlgConfirm                     // the dry run is shown: y (or the guard's word) applies, anything else declines
	dlgApplying                    // applying: keys wait
	dlgOutcome                     // a failed plan or apply, or nothing to change: any key closes
)

// choice is one line of a dialog's chooser and the requests it makes.
type choice struct {
	label string
	reqs  []ActionRequest
}

// dialog is the modal over the dashboard while an action is chosen,
// planned, confirmed and applied: a component with its own Update and
// view. It starts the Actor's commands and takes their messages; the root
// routes keys and those messages to it while it is open and closes it
// when it is done.
type dialog struct {
	c       *shared
	actor   Actor
	gen     int // tells its messages from an abandoned dialog's
	title   string
	stage   dialogStage
	choices []choice
	cursor  int
	reqs    []ActionRequest // the chosen choice's requests
	guard   guard           // what the screen knows of their targets
	typed   field           // the guard's word being typed
	wrong   bool            // Enter on a word that does not match
	plans   []ActionPlan
	outcome string
	bad     bool
	vp      viewport.Model // the body, scrolled when a dry run is long
	width   int            // the screen's width
	bodyH   int            // the height of the screen's body

	done   bool   // closed: the root takes it away
	said   string // what the status line says as it closes ("" = nothing)
	saidOK bool
}

// Dialog sizes: the box leaves a margin around it on the dashboard.
const (
	dialogMaxW   = 100
	dialogMargin = 2
)

func newDialog(c *shared, actor Actor, gen int, title string, choices []choice) *dialog {
	return &dialog{c: c, actor: actor, gen: gen, title: title, choices: choices, vp: newViewport(), typed: newField()}
}

// start plans the only choice straight away; with more, the chooser waits.
func (d *dialog) start() tea.Cmd {
	if len(d.choices) == 1 {
		return d.plan(0)
	}
	d.refresh()
	return nil
}

func (d *dialog) plan(i int) tea.Cmd {
	d.stage = dlgPlanning
	d.reqs = d.choices[i].reqs
	if len(d.choices) > 1 {
		d.title += ": " + d.choices[i].label
	}
	d.refresh()
	d.vp.GotoTop()
	return planCmd(d.actor, d.gen, d.choices[i].reqs)
}

// close ends the dialog, with what the status line should say.
func (d *dialog) close(said string, ok bool) {
	d.done, d.said, d.saidOK = true, said, ok
}

// Update takes a key, or the outcome of its plan or apply.
func (d *dialog) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		cmd = d.key(msg)
	case plannedMsg:
		d.planned(msg)
	case appliedMsg:
		d.applied(msg)
	}
	if !d.done {
		d.refresh()
	}
	return cmd
}

// key handles every key while the dialog is open. Only y (or Y) applies:
// Enter, Esc, n and any other key decline, so a stray key never fires an
// action. The arrows and page keys scroll a long dry run.
func (d *dialog) key(k tea.KeyPressMsg) tea.Cmd {
	keys := d.c.keys
	switch d.stage {
	case dlgChoose:
		switch {
		case key.Matches(k, keys.Enter):
			return d.plan(d.cursor)
		case key.Matches(k, keys.Up, keys.Down, keys.PageUp, keys.PageDown):
			d.cursor = moveCursor(keys, k, d.cursor, len(d.choices), len(d.choices))
		default:
			d.close("", false)
		}
	case dlgPlanning:
		if key.Matches(k, keys.Back) { // its plans are declined when they come
			d.close("abandoned: nothing changed", false)
		}
	case dlgConfirm:
		if d.guard.word != "" {
			return d.typeWord(k)
		}
		switch {
		case key.Matches(k, keys.Confirm):
			d.stage = dlgApplying
			return applyCmd(d.actor, d.gen, d.plans)
		case scrollKey(keys, k, &d.vp, false):
		default:
			d.close("declined: nothing changed", false)
			return declineCmd(d.actor, d.plans)
		}
	case dlgOutcome:
		if !scrollKey(keys, k, &d.vp, false) {
			d.close("", false)
		}
	}
	return nil
}

// typeWord takes a key while the guard's word is asked for: Enter on the
// word applies, Enter on nothing and Esc decline, Enter on anything else
// says it does not match and waits; the arrows and page keys scroll (j,
// k, ctrl+u and ctrl+d are typing). A paste is not taken: the word is
// typed, having been read.
func (d *dialog) typeWord(k tea.KeyPressMsg) tea.Cmd {
	keys := d.c.keys
	switch s := k.String(); {
	case key.Matches(k, keys.Back), key.Matches(k, keys.Enter) && strings.TrimSpace(d.typed.value()) == "":
		d.close("declined: nothing changed", false)
		return declineCmd(d.actor, d.plans)
	case key.Matches(k, keys.Enter):
		if !d.guard.matches(d.typed.value()) {
			d.wrong = true
			return nil
		}
		d.stage = dlgApplying
		return applyCmd(d.actor, d.gen, d.plans)
	case s == "up" || s == "down" || s == "pgup" || s == "pgdown":
		scrollKey(keys, k, &d.vp, false)
		return nil
	}
	d.wrong = false
	return d.typed.update(k)
}

// planned shows the dry run, or why there is nothing to confirm.
func (d *dialog) planned(msg plannedMsg) {
	d.plans = msg.plans
	switch {
	case msg.err != nil:
		d.stage, d.outcome, d.bad = dlgOutcome, "dry run failed, nothing changed: "+strings.TrimPrefix(msg.err.Error(), "plan: "), true
	case allNoChange(msg.plans):
		d.stage, d.outcome = dlgOutcome, "nothing to change: it already is so (recorded)"
	default:
		d.stage = dlgConfirm
	}
}

// applied closes the dialog when the action is done; a failure stays on
// screen until a key is pressed. The actions pane shows how it goes on.
func (d *dialog) applied(msg appliedMsg) {
	if msg.err != nil {
		d.stage, d.outcome, d.bad = dlgOutcome, "FAILED: "+msg.err.Error(), true
		d.refresh()
		d.vp.GotoTop()
		return
	}
	var titles []string
	for _, p := range d.plans {
		if !p.NoChange {
			titles = append(titles, p.Title)
		}
	}
	d.close(doneText(strings.Join(titles, ", ")), true)
}

func doneText(what string) string { return "done: " + what + " (ACTIONS shows its verification)" }

func allNoChange(plans []ActionPlan) bool {
	for _, p := range plans {
		if !p.NoChange {
			return false
		}
	}
	return true
}

// setSize fits the dialog to a screen w wide with a body h high.
func (d *dialog) setSize(w, h int) {
	d.width, d.bodyH = w, h
	d.refresh()
}

// size is the box's inner width and the most lines its body shows.
func (d *dialog) size() (w, rows int) {
	w = min(d.width-2*dialogMargin, dialogMaxW) - 4 // border and padding
	rows = d.bodyH - 2 - 2 - 4                      // a line above and below, border, title and blank, blank and foot
	return w, rows
}

// refresh puts the body, wrapped to the box, in the viewport: as many
// lines high as it has, up to the rows the box can show.
func (d *dialog) refresh() {
	w, rows := d.size()
	var body []string
	for _, l := range d.text() {
		body = append(body, strings.Split(ansi.Wrap(l, w, ""), "\n")...)
	}
	setLines(&d.vp, body, w, min(rows, len(body)))
}

// text is the choices, or the dry run and how it went.
func (d *dialog) text() []string {
	st := d.c.st
	var lines []string
	switch d.stage {
	case dlgChoose:
		for i, c := range d.choices {
			label := termsafe.Line(c.label)
			if i == d.cursor {
				lines = append(lines, st.Selected.Render("▶ "+label))
				continue
			}
			lines = append(lines, "  "+label)
		}
		return lines
	case dlgPlanning:
		return []string{st.Warn.Render("planning… (a dry run: nothing changes)")}
	}
	if !allNoChange(d.plans) && (len(d.guard.state) > 0 || len(d.guard.warn) > 0) {
		for _, l := range d.guard.warn {
			lines = append(lines, st.Bad.Render("⚠ "+termsafe.Line(l)))
		}
		lines = append(lines, d.guard.state...)
		lines = append(lines, "")
	}
	for i, p := range d.plans {
		if len(d.plans) > 1 {
			if i > 0 {
				lines = append(lines, "")
			}
			lines = append(lines, st.Bold.Render(termsafe.Line(p.Title)))
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
		lines = append([]string{style.Render(termsafe.Line(d.outcome))}, lines...)
	}
	return lines
}

// foot is the dialog's last line: what the keys do now.
func (d *dialog) foot() string {
	st := d.c.st
	switch d.stage {
	case dlgChoose:
		return st.Muted.Render("↑/↓ choose · enter plan (a dry run) · esc cancel")
	case dlgPlanning:
		return st.Muted.Render("esc abandons")
	case dlgConfirm:
		if g := d.guard; g.word != "" {
			hint := "   enter applies · esc cancels"
			if d.wrong {
				hint = "   does not match: type " + g.word + ", or esc"
			}
			return st.Bold.Render("type ") + st.Warn.Render(termsafe.Line(g.word)) + st.Bold.Render(" to apply"+g.alt+": ") +
				st.Bold.Render(d.typed.withCursor()) + st.Muted.Render(hint)
		}
		return st.Bold.Render("Apply? ") + st.Warn.Render("y") + st.Bold.Render(" / ") + st.OK.Render("N") +
			st.Muted.Render("   y applies · any other key cancels")
	case dlgApplying:
		return st.Warn.Render("applying… (reading back)")
	}
	return st.Muted.Render("any key closes")
}

// box draws the dialog: title, the body scrolled to fit, the keys.
func (d *dialog) box() string {
	st := d.c.st
	w, _ := d.size()
	total, from := d.vp.TotalLineCount(), d.vp.YOffset()
	shown := viewLines(d.vp)
	more := ""
	if from > 0 || from+len(shown) < total {
		more = "  " + strconv.Itoa(from+1) + "–" + strconv.Itoa(from+len(shown)) + "/" + strconv.Itoa(total) + " ↑/↓"
	}
	title := fit(termsafe.Line(d.title), max(w-lipgloss.Width(more), 1)) // one line: the box keeps its height
	lines := []string{st.Brand.Render(title) + st.Muted.Render(more), ""}
	lines = append(lines, shown...)
	lines = append(lines, "", fit(d.foot(), w))
	return st.Dialog.Width(w + 4).Render(strings.Join(lines, "\n"))
}

// openDialog starts an action: a chooser when there is more than one
// choice, else straight to its dry run.
func (m *Model) openDialog(title string, choices []choice) tea.Cmd {
	m.dlgGen++
	m.dlg = newDialog(m.c, m.o.Actor, m.dlgGen, title, choices)
	m.dlg.setSize(m.lay.width, m.lay.body.h)
	m.detail = nil // the dialog opens from the dashboard
	m.mode, m.under = modeDialog, modeNormal
	return m.dialogUpdate(nil, m.dlg.start())
}

// dialogKey routes a key to the open dialog.
func (m *Model) dialogKey(k tea.KeyPressMsg) tea.Cmd {
	return m.dialogUpdate(k, nil)
}

// dialogUpdate gives msg (when not nil) to the dialog, puts the actions
// pane up when it starts applying, and takes the dialog away when it is
// done, saying how it ended.
func (m *Model) dialogUpdate(msg tea.Msg, cmd tea.Cmd) tea.Cmd {
	d := m.dlg
	if msg != nil {
		wasApplying := d.stage == dlgApplying
		cmd = d.Update(msg)
		if d.stage == dlgApplying && !wasApplying {
			m.setShowActions(true)
		}
	}
	if d.done {
		m.dlg, m.mode = nil, modeNormal
		if d.said != "" {
			m.setStatus(d.said, d.saidOK)
		}
	}
	return cmd
}

// planned gives the dialog its dry run. Plans of an abandoned dialog are
// declined: nothing is left waiting.
func (m *Model) planned(msg plannedMsg) tea.Cmd {
	if m.dlg == nil || m.dlg.gen != msg.gen {
		return declineCmd(m.o.Actor, msg.plans)
	}
	m.dlg.guard = m.guardFor(m.dlg.reqs) // from the snapshot as the dry run comes
	return m.dialogUpdate(msg, nil)
}

// applied tells the dialog, or (when it was closed meanwhile) the status
// line, how applying ended.
func (m *Model) applied(msg appliedMsg) {
	if m.dlg != nil && m.dlg.gen == msg.gen {
		m.dialogUpdate(msg, nil)
		return
	}
	if msg.err != nil {
		m.setStatus("action failed: "+msg.err.Error(), false)
		return
	}
	m.setStatus(doneText(strings.Join(msg.ids, ", ")), true)
}

func (m *Model) declined(msg declinedMsg) {
	if msg.err != nil {
		m.setStatus("declined, but not recorded: "+msg.err.Error(), false)
	}
}

// overlayDialog draws the dialog over the dashboard's body lines, centred:
// each covered line keeps the dashboard left and right of the box.
func (m Model) overlayDialog(body []string) []string {
	box := strings.Split(m.dlg.box(), "\n")
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

// textLines splits an actuator's text (a dry run, an HTTP answer, a note)
// into lines for the screen through termsafe.Text: CRLF ends a line, tabs
// are made spaces (a DNS record's fields are tab-separated, and a tab has
// no width on screen), and any other control character is shown escaped.
func textLines(s string) []string {
	s = strings.TrimRight(termsafe.Text(s), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
