package tui

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
)

// boardView is the go/no-go board (B): every number grouped by port
// request, judged by monitor.NewBoard, in the whole body. It replaces the
// panes while shown; from a selected row the action keys (o, f/F, p) act
// on that number or its trunk through the usual dialogs.
type boardView struct {
	c      *shared
	th     monitor.Thresholds
	board  monitor.Board
	items  []boardItem // group lines and rows, in order
	cursor int         // index into items, always a row when there is one
	offset int
	page   int
	sel    string // E.164 under the cursor, kept across refreshes
}

// boardItem is one line of the board: a port request's summary (row nil)
// or a number.
type boardItem struct {
	group *monitor.BoardGroup
	row   *monitor.BoardRow
}

// keyPort is p, the port state key (a port rule's fix on the board).
const keyPort = "p"

const (
	bcNumber = iota
	bcPort
	bcSince
	bcIn
	bcOut
	bcAttest
	bcVerdict
	bcReason
	bcFix
)

var boardColumns = []column{
	{id: bcNumber, title: "number", w: 13, prio: 0},
	{id: bcPort, title: "port", w: 11, prio: 0},
	{id: bcSince, title: "since", w: 5, right: true, prio: 2},
	{id: bcIn, title: "inbound landing", w: 17, prio: 1},
	{id: bcOut, title: "outbound egress", w: 20, prio: 3},
	{id: bcAttest, title: "attest", w: 8, prio: 4},
	{id: bcVerdict, title: "verdict", w: 7, prio: 0},
	{id: bcReason, title: "reason", w: 18, maxW: 50, prio: 0, flex: true},
	{id: bcFix, title: "fix", w: 3, prio: 0},
}

func newBoardView(c *shared, th monitor.Thresholds) *boardView { return &boardView{c: c, th: th} }

// setSize fits the board to the body: title, column heads and the hint
// line around its rows.
func (b *boardView) setSize(s size) {
	b.page = max(s.h-3, 1)
	b.scroll()
}

// setData judges snap's numbers and keeps the cursor on the same number.
func (b *boardView) setData(snap *monitor.Snapshot) {
	if snap == nil {
		return
	}
	b.board = monitor.NewBoard(snap, b.th)
	b.items = b.items[:0]
	for gi := range b.board.Groups {
		g := &b.board.Groups[gi]
		b.items = append(b.items, boardItem{group: g})
		for ri := range g.Rows {
			b.items = append(b.items, boardItem{group: g, row: &g.Rows[ri]})
		}
	}
	b.cursor = -1
	for i, it := range b.items {
		if it.row != nil && it.row.E164 == b.sel {
			b.cursor = i
		}
	}
	if b.cursor < 0 {
		b.cursor = 0
		b.move(1)
	}
	b.scroll()
}

// scroll keeps the cursor in view, with its group's line above it when
// the cursor is on the group's first row.
func (b *boardView) scroll() {
	if b.page <= 0 {
		return // no size yet: the first view scrolls
	}
	b.offset = scrollTo(b.cursor, b.offset, b.page)
	if b.cursor > 0 && b.cursor-1 < b.offset && b.items[b.cursor-1].row == nil {
		b.offset = b.cursor - 1
	}
}

// move steps the cursor by d rows (a page, to an end), over group lines.
func (b *boardView) move(d int) {
	if len(b.items) == 0 {
		return
	}
	c := clamp(b.cursor+d, 0, len(b.items)-1)
	step := 1
	if d < 0 {
		step = -1
	}
	for c >= 0 && c < len(b.items) && b.items[c].row == nil {
		c += step
	}
	if c < 0 || c >= len(b.items) { // an end: the nearest row the other way
		c = clamp(c, 0, len(b.items)-1)
		for c >= 0 && c < len(b.items) && b.items[c].row == nil {
			c -= step
		}
	}
	if c >= 0 && c < len(b.items) {
		b.cursor = c
		b.sel = b.items[c].row.E164
	}
	b.scroll()
}

// selected is the row under the cursor.
func (b *boardView) selected() (monitor.BoardRow, bool) {
	if b.cursor < 0 || b.cursor >= len(b.items) || b.items[b.cursor].row == nil {
		return monitor.BoardRow{}, false
	}
	return *b.items[b.cursor].row, true
}

// Update moves the cursor and opens a number's detail; the root handles
// the action keys.
func (b *boardView) Update(k tea.KeyPressMsg) tea.Cmd {
	keys := b.c.keys
	switch {
	case key.Matches(k, keys.Up):
		b.move(-1)
	case key.Matches(k, keys.Down):
		b.move(1)
	case key.Matches(k, keys.PageUp):
		b.move(-b.page)
	case key.Matches(k, keys.PageDown):
		b.move(b.page)
	case key.Matches(k, keys.Top):
		b.move(-len(b.items))
	case key.Matches(k, keys.Bottom):
		b.move(len(b.items))
	case key.Matches(k, keys.Enter):
		if r, ok := b.selected(); ok {
			return openDetail(detailNumber, r.E164)
		}
	}
	return nil
}

// view draws the board in s: title, column heads, the lines, and what
// the selected row's fixing key does.
func (b *boardView) view(s size) []string {
	st := b.c.st
	bd := b.board
	summary := strconv.Itoa(bd.Go) + " go · " + strconv.Itoa(bd.Watch) + " watch · " + strconv.Itoa(bd.NoGo) + " no-go"
	lines := []string{titleBar(st, "GO/NO-GO BOARD", summary, "B/esc: back", s.w, true)}
	cols := chooseColumns(boardColumns, s.w)
	lines = append(lines, headerRow(st, cols, s.w, -1, ""))
	end := min(b.offset+b.page, len(b.items))
	for i := b.offset; i < end; i++ {
		it := b.items[i]
		if it.row == nil {
			lines = append(lines, st.ColHeader.Render(fit(groupLine(it.group), s.w)))
			continue
		}
		cells := make([]cell, len(cols))
		for j, c := range cols {
			cells[j] = b.cell(it.row, c)
		}
		lines = append(lines, tableRow(st, cols, cells, s.w, i == b.cursor))
	}
	if len(b.items) == 0 {
		lines = append(lines, st.Muted.Render(fit("  no numbers in the cutover", s.w)))
	}
	lines = padLines(lines, s.w, s.h-1)
	return append(lines, fit(b.hint(), s.w))
}

func groupLine(g *monitor.BoardGroup) string {
	name := g.PortRequestID
	if name == "" {
		name = "(no port request)"
	}
	return "▸ " + name + "  " + plural(len(g.Rows), "number") + ": " + strconv.Itoa(g.Go) + " go · " +
		strconv.Itoa(g.Watch) + " watch · " + strconv.Itoa(g.NoGo) + " no-go"
}

// cell is row r's cell in column c, coloured by its verdict: the whole
// row for watch and no-go, only the verdict for go.
func (b *boardView) cell(r *monitor.BoardRow, c column) cell {
	st := b.c.st
	text := ""
	switch c.id {
	case bcNumber:
		text = r.E164
	case bcPort:
		text = string(r.PortState)
	case bcSince:
		text = "-"
		if r.Activated != 0 {
			text = monitor.ShortDur(r.Since)
		}
	case bcIn:
		text = r.InboundText()
	case bcOut:
		text = r.OutboundText()
	case bcAttest:
		text = r.AttestText()
	case bcVerdict:
		text = string(r.Verdict)
	case bcReason:
		text = r.Reason
	case bcFix:
		text = r.Key
	}
	switch {
	case r.Verdict == monitor.VerdictNoGo:
		return netCell(st.Bad, text)
	case r.Verdict == monitor.VerdictWatch:
		return netCell(st.Warn, text)
	case c.id == bcVerdict:
		return netCell(st.OK, text)
	}
	return cell{text: text}
}

// hint says what the selected row's fixing key does, then why: the key
// first, so that a narrow screen keeps it.
func (b *boardView) hint() string {
	r, ok := b.selected()
	if !ok {
		return ""
	}
	why := r.E164 + " " + string(r.Verdict) + ": " + r.Reason
	if r.Key == "" {
		return " " + why + " · enter: details"
	}
	what := map[string]string{
		keyOutbound: "move its outbound to a new trunk",
		keyFailover: "fail " + r.Outage + " over to legacy",
		keyRestore:  "restore " + r.Outage + " to new",
		keyPort:     "set its port state",
	}[r.Key]
	return " press " + r.Key + ": " + what + " · " + why
}

// The root's side of the board: B shows and hides it; the action keys
// read its selection.

// toggleBoard shows or hides the board. It opens at its top: the first
// port request's worst row.
func (m *Model) toggleBoard() {
	m.showBoard = !m.showBoard
	if m.showBoard {
		m.board.sel, m.board.offset = "", 0
		m.board.setData(m.snap)
	}
}

// boardKey handles a key while the board is shown; false leaves it to
// the global keys (the action keys among them).
func (m *Model) boardKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	keys := m.c.keys
	switch {
	case key.Matches(k, keys.Board), key.Matches(k, keys.Back):
		m.showBoard = false
		return nil, true
	case key.Matches(k, keys.Up, keys.Down, keys.PageUp, keys.PageDown, keys.Top, keys.Bottom, keys.Enter):
		return m.board.Update(k), true
	case key.Matches(k, keys.NextPane, keys.PrevPane, keys.Filter, keys.Sort):
		return nil, true // the panes are hidden
	}
	return nil, false
}

// pickedNumber is the number the action keys act on: the board's row
// while it is shown, else the numbers pane's selection when it has focus.
func (m *Model) pickedNumber() (monitor.NumberView, bool) {
	if !m.showBoard {
		n, ok := m.numbers.selected()
		return n, ok && m.focus == focusNumbers
	}
	r, ok := m.board.selected()
	if !ok || m.snap == nil {
		return monitor.NumberView{}, false
	}
	for i := range m.snap.Numbers {
		if m.snap.Numbers[i].E164 == r.E164 {
			return m.snap.Numbers[i], true
		}
	}
	return monitor.NumberView{}, false
}

// pickedTrunk is the trunk f/F answer: the board row's trunk in an
// outage while the board is shown, else the trunks pane's selection when
// it has focus.
func (m *Model) pickedTrunk() (string, bool) {
	if m.showBoard {
		r, ok := m.board.selected()
		return r.Outage, ok && r.Outage != ""
	}
	t, ok := m.trunks.selected()
	return t.Name, ok && m.focus == focusTrunks
}
