package tui

import (
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// Mouse, as lazygit and btop have it: a click focuses the pane under the
// pointer and selects the row clicked; the wheel moves the selection of
// the pane under the pointer (and scrolls the detail, the help and the
// ladder's message). The mouse is captured in cell-motion mode (View);
// the terminal's own selection is then shift+drag.

// wheelStep is how many rows one notch of the wheel moves.
const wheelStep = 3

// tableRowsTop is how many lines a pane draws above its first row: its
// title and its column header.
const tableRowsTop = 2

// picker is a pane whose rows a click selects.
type picker interface {
	pane
	// rowAt is the cursor, the offset of the first row shown and the
	// number of rows.
	rowAt() (cursor, offset, n int)
	// pick puts the cursor on row i as the keys would.
	pick(i int)
}

func (p *numbersPane) rowAt() (int, int, int) { return p.cursor, p.offset, len(p.rows) }
func (p *numbersPane) pick(i int)             { p.cursor = clamp(i, 0, len(p.rows)-1); p.remember() }
func (p *trunksPane) rowAt() (int, int, int)  { return p.cursor, p.offset, len(p.trunks) }
func (p *trunksPane) pick(i int) {
	p.cursor = clamp(i, 0, len(p.trunks)-1)
	p.offset = scrollTo(p.cursor, p.offset, p.rows)
}
func (p *feedPane) rowAt() (int, int, int) { return p.cursor, p.offset, len(p.rows) }
func (p *feedPane) pick(i int) {
	p.cursor = clamp(i, 0, len(p.rows)-1)
	p.follow = p.cursor >= len(p.rows)-1
	p.place()
}
func (p *alertsPane) rowAt() (int, int, int) { return p.cursor, p.offset, len(p.all) }
func (p *alertsPane) pick(i int) {
	p.cursor = clamp(i, 0, len(p.all)-1)
	p.pinned = p.cursor > 0
	p.remember()
}
func (p *actionsPane) rowAt() (int, int, int) { return p.cursor, p.offset, len(p.all) }
func (p *actionsPane) pick(i int) {
	p.cursor = clamp(i, 0, len(p.all)-1)
	p.offset = scrollTo(p.cursor, p.offset, p.page)
}

// paneAt is the pane of the dashboard at cell (x, y), its focus and the
// line within it; false outside every pane.
func (m *Model) paneAt(x, y int) (focus, int, bool) {
	l := m.lay
	y -= headerHeight
	if l.width == 0 || l.tooSmall || y < 0 || y >= l.body.h {
		return focusNone, 0, false
	}
	left := x < l.leftW
	right := x >= l.leftW+paneGap
	if l.wide {
		switch {
		case left && y < l.trunks.h:
			return focusTrunks, y, true
		case left:
			return focusNumbers, y - l.trunks.h, true
		case right && y < l.alerts.h:
			return focusAlerts, y, true
		case right:
			return focusFeed, y - l.alerts.h, true
		}
		return focusNone, 0, false
	}
	switch top := l.trunks.h + l.numbers.h; {
	case y < l.trunks.h:
		return focusTrunks, y, true
	case y < top:
		return focusNumbers, y - l.trunks.h, true
	case m.showActions || right:
		return focusAlerts, y - top, true
	case left:
		return focusFeed, y - top, true
	}
	return focusNone, 0, false
}

// handleMouse routes a click or a wheel notch: on the dashboard to the
// pane under the pointer, over it to the open view's scroll.
func (m *Model) handleMouse(msg tea.MouseMsg) tea.Cmd {
	defer m.syncKeys()
	ev := msg.Mouse()
	_, wheel := msg.(tea.MouseWheelMsg)
	_, click := msg.(tea.MouseClickMsg)
	delta := 0
	switch {
	case wheel && ev.Button == tea.MouseWheelUp:
		delta = -wheelStep
	case wheel && ev.Button == tea.MouseWheelDown:
		delta = wheelStep
	case !click || ev.Button != tea.MouseLeft:
		return nil
	}
	switch {
	case m.mode != modeNormal:
		m.scrollOpenView(delta)
		return nil
	case m.showBoard:
		m.boardMouse(ev.Y-headerHeight, delta)
		return nil
	}
	f, line, ok := m.paneAt(ev.X, ev.Y)
	if !ok {
		return nil
	}
	m.focus = f
	if f == focusNumbers && click && line == tableRowsTop-1 { // the column header: sort by it, again inverts
		m.numbers.sortByColumn(ev.X, m.lay.numbers.w)
		return nil
	}
	p, ok := m.focused().(picker)
	if !ok {
		return nil
	}
	cursor, offset, n := p.rowAt()
	switch {
	case delta != 0:
		p.pick(cursor + delta)
	case line >= tableRowsTop && offset+line-tableRowsTop < n:
		p.pick(offset + line - tableRowsTop)
	}
	return nil
}

// scrollOpenView scrolls the detail, the help or the ladder's message by
// a wheel notch; a click there does nothing.
func (m *Model) scrollOpenView(delta int) {
	vp := m.openViewport()
	switch {
	case vp == nil:
	case delta < 0:
		vp.ScrollUp(-delta)
	case delta > 0:
		vp.ScrollDown(delta)
	}
}

// openViewport is the viewport the wheel scrolls over the dashboard: the
// help's, the detail's, the ladder's message; nil for the rest.
func (m *Model) openViewport() *viewport.Model {
	switch {
	case m.mode == modeHelp:
		return &m.helpv.vp
	case m.mode == modeDetail && m.detail != nil:
		return &m.detail.vp
	case m.mode == modeLadder && m.ladder != nil:
		return &m.ladder.vm
	}
	return nil
}

// boardMouse moves the board's cursor: a notch of the wheel by delta
// rows, a click (delta 0) to the number on body line y (on a group's
// line: to its first number).
func (m *Model) boardMouse(y, delta int) {
	b := m.board
	if delta != 0 {
		b.move(delta)
		return
	}
	i := b.offset + y - tableRowsTop
	if y < tableRowsTop || y-tableRowsTop >= b.page || i >= len(b.items) || i == b.cursor {
		return
	}
	b.move(i - b.cursor)
}
