package tui

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/cutover/cutover/monitor"
)

// actionsPane lists every operator action of the night, newest first,
// with its state and how its verification stands. It shares the alerts'
// place on screen (a toggles); starting an action brings it up.
type actionsPane struct {
	c         *shared
	simulated bool                 // the demo: actions change the simulated network only
	all       []monitor.ActionView // newest first
	cursor    int
	offset    int
	page      int
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

func newActionsPane(c *shared, simulated bool) *actionsPane {
	return &actionsPane{c: c, simulated: simulated}
}

func (p *actionsPane) setSize(s size) {
	p.page = max(s.h-2, 1)
	p.offset = scrollTo(p.cursor, p.offset, p.page)
}

func (p *actionsPane) setData(acts []monitor.ActionView) {
	p.all = p.all[:0]
	for i := len(acts) - 1; i >= 0; i-- {
		p.all = append(p.all, acts[i])
	}
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
			return openDetail(detailAction, p.all[p.cursor].ID)
		}
		return nil
	}
	p.cursor = moveCursor(p.c.keys, k, p.cursor, len(p.all), p.page)
	p.offset = scrollTo(p.cursor, p.offset, p.page)
	return nil
}

func (p *actionsPane) view(s size, focused bool) []string {
	st := p.c.st
	cols := chooseColumns(actionColumns, s.w)
	lines := make([]string, 0, s.h)
	info := strconv.Itoa(len(p.all)) + " · newest first"
	if p.simulated {
		info += " · on the simulated network"
	}
	lines = append(lines, titleBar(st, "ACTIONS", info, "a: alerts", s.w, focused))
	lines = append(lines, headerRow(st, cols, s.w, -1, ""))
	lines = append(lines, tableRows(st, cols, s.w, p.offset, min(p.offset+p.page, len(p.all)), p.cursor, focused,
		func(i int, c column) cell { return p.cell(&p.all[i], c) })...)
	if len(p.all) == 0 {
		lines = append(lines, st.Muted.Render("  no actions yet"))
	}
	return padLines(lines, s.w, s.h)
}

func (p *actionsPane) cell(a *monitor.ActionView, c column) cell {
	st := p.c.st
	switch c.id {
	case xcTime:
		return cell{text: clock(a.Requested, "15:04:05")}
	case xcType:
		return cell{text: a.Type}
	case xcTarget:
		return cell{text: p.targetText(a)}
	case xcState:
		s := string(a.State)
		return cell{s, st.actionStyle(a.State).Render(s)}
	case xcOperator:
		return cell{text: a.Operator}
	case xcProgress:
		if a.Error != "" {
			return cell{a.Error, st.Bad.Render(a.Error)}
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
	for i := range p.all {
		if u := &p.all[i]; u.ID == a.Target {
			return "↶ " + u.Target
		}
	}
	return a.Target
}

// actionStyle is the colour of an action's state: under way amber, done
// green, failed red, undone dim.
func (s *Styles) actionStyle(st monitor.ActionState) lipgloss.Style {
	switch st {
	case monitor.ActionDone, monitor.ActionVerified:
		return s.OK
	case monitor.ActionFailed:
		return s.Bad
	case monitor.ActionUndone:
		return s.Muted
	}
	return s.Warn // requested, running, unverified
}
