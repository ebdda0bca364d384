package tui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/termsafe"
)

// actionsPane is the operators' log of the night, newest first: every
// action with its state and how its verification stands, and every note.
// It shares the alerts' place on screen (a toggles); starting an action
// brings it up.
type actionsPane struct {
	c         *shared
	simulated bool       // the demo: actions change the simulated network only
	all       []logEntry // newest first
	actions   int        // how many of them are actions
	cursor    int
	offset    int
	page      int
}

// logEntry is one row: an action, or a note (act is nil).
type logEntry struct {
	act  *monitor.ActionView
	note monitor.NoteView
}

func (e logEntry) time() int64 {
	if e.act != nil {
		return e.act.Requested
	}
	return e.note.Time
}

const (
	xcTime = iota
	xcType
	xcTarget
	xcState
	xcOperator
	xcProgress
)

var actionColumns = []column{
	{id: xcTime, title: "time", w: 8, prio: 0},
	{id: xcType, title: "type", w: 8, prio: 0},
	{id: xcTarget, title: "target", w: 16, prio: 0},
	{id: xcState, title: "state", w: 10, prio: 0},
	{id: xcOperator, title: "operator", w: 14, prio: 2},
	{id: xcProgress, title: "progress / error", w: 12, prio: 1, flex: true},
}

// noteColumns lay out a note's row: the text takes the width of the
// action's target, state, operator and progress.
var noteColumns = []column{
	{id: xcTime, title: "time", w: 8, prio: 0},
	{id: xcType, title: "type", w: 8, prio: 0},
	{id: xcProgress, title: "note", w: 12, prio: 0, flex: true},
}

func newActionsPane(c *shared, simulated bool) *actionsPane {
	return &actionsPane{c: c, simulated: simulated}
}

func (p *actionsPane) setSize(s size) {
	p.page = max(s.h-2, 1)
	p.offset = scrollTo(p.cursor, p.offset, p.page)
}

func (p *actionsPane) setData(acts []monitor.ActionView, notes []monitor.NoteView) {
	p.all, p.actions = p.all[:0], len(acts)
	for i := range acts {
		p.all = append(p.all, logEntry{act: &acts[i]})
	}
	for _, n := range notes {
		p.all = append(p.all, logEntry{note: n})
	}
	slices.SortStableFunc(p.all, func(a, b logEntry) int { return cmp.Compare(b.time(), a.time()) })
	p.cursor = clamp(p.cursor, 0, len(p.all)-1)
	p.offset = scrollTo(p.cursor, p.offset, p.page)
}

// Update handles a key sent to the focused actions pane; Enter opens the
// action's detail.
func (p *actionsPane) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if key.Matches(k, p.c.keys.Enter) {
		if p.cursor >= 0 && p.cursor < len(p.all) {
			if e := p.all[p.cursor]; e.act != nil {
				return openDetail(detailAction, e.act.ID)
			} else {
				return openDetail(detailNote, noteID(e.note))
			}
		}
		return nil
	}
	p.cursor = moveCursor(p.c.keys, k, p.cursor, len(p.all), p.page)
	p.offset = scrollTo(p.cursor, p.offset, p.page)
	return nil
}

func (p *actionsPane) view(s size, focused bool) []string {
	st := p.c.st
	cols, noteCols := chooseColumns(actionColumns, s.w), chooseColumns(noteColumns, s.w)
	lines := make([]string, 0, s.h)
	summary := plural(p.actions, "action") + " · " + plural(len(p.all)-p.actions, "note") + " · newest first"
	if p.simulated {
		summary = strings.TrimSuffix(summary, "newest first") + "on the simulated network"
	}
	lines = append(lines, titleBar(st, "ACTIONS & NOTES", summary, "a: alerts", s.w, focused))
	lines = append(lines, headerRow(st, cols, s.w, -1, ""))
	colsAt := func(i int) []column {
		if p.all[i].act == nil {
			return noteCols
		}
		return cols
	}
	lines = append(lines, mixedRows(st, colsAt, s.w, p.offset, min(p.offset+p.page, len(p.all)), p.cursor, focused,
		func(i int, c column) cell { return p.cell(p.all[i], c) })...)
	if len(p.all) == 0 {
		lines = append(lines, st.Muted.Render("  no actions or notes yet"))
	}
	return padLines(lines, s.w, s.h)
}

func (p *actionsPane) cell(e logEntry, c column) cell {
	st := p.c.st
	a := e.act
	if a == nil {
		return noteCell(st, e.note, c)
	}
	switch c.id {
	case xcTime:
		return cell{text: clock(a.Requested, "15:04:05")}
	case xcType:
		return cell{text: a.Type}
	case xcTarget:
		return cell{text: p.targetText(a)}
	case xcState:
		s := a.State
		if a.Declined() { // a decline recorded before declined was a state says failed
			s = monitor.ActionDeclined
		}
		return cell{string(s), st.actionStyle(s).Render(string(s))}
	case xcOperator:
		return cell{text: a.Operator}
	case xcProgress:
		if a.Error != "" && !a.Declined() {
			return netCell(st.Bad, a.Error)
		}
		return cell{text: a.Progress}
	}
	return cell{}
}

// targetText is what an action acts on; an undo names what it restores
// (its target is the undone action's id).
func (p *actionsPane) targetText(a *monitor.ActionView) string {
	if a.Type != reqUndo {
		return a.Target
	}
	for _, e := range p.all {
		if u := e.act; u != nil && u.ID == a.Target {
			return "↶ " + u.Target
		}
	}
	return a.Target
}

// noteCell is a note's row: its time, author and text.
func noteCell(st *Styles, n monitor.NoteView, c column) cell {
	switch c.id {
	case xcTime:
		return cell{text: clock(n.Time, "15:04:05")}
	case xcType:
		return cell{"note", st.Muted.Render("note")}
	case xcProgress:
		author, text := termsafe.Line(n.Author+": "), termsafe.Line(strings.Join(strings.Fields(n.Text), " "))
		return cell{author + text, st.Muted.Render(author) + st.Info.Render(text)}
	}
	return cell{}
}

// actionStyle is the colour of an action's state: under way amber, done
// green, failed red, undone and declined (nothing changed) dim.
func (s *Styles) actionStyle(st monitor.ActionState) lipgloss.Style {
	switch st {
	case monitor.ActionDone, monitor.ActionVerified:
		return s.OK
	case monitor.ActionFailed:
		return s.Bad
	case monitor.ActionUndone, monitor.ActionDeclined:
		return s.Muted
	}
	return s.Warn // requested, running, unverified
}

// plural is "1 note", "2 notes".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
