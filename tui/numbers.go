package tui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
)

// numberSort is the column the numbers pane is sorted by.
type numberSort int

const (
	sortNumber  numberSort = iota // E.164 ascending
	sortCalls                     // most attempts first
	sortDrop                      // highest drop rate first
	sortLegacy                    // highest legacy share first
	sortFlags                     // most flags first
	sortOneWay                    // highest one-way audio share first
	sortNoMedia                   // highest no-media share first
	sortMOS                       // lowest mean MOS first
	numSorts
)

var sortNames = [numSorts]string{"number", "calls", "drop %", "legacy share", "flags", "one-way %", "no media %", "MOS"}

// numbersPane is the table of ported numbers: filtered, sorted, scrolled.
// Rows are derived in Update (setData, sort, filter), never in View, and
// View renders only the visible rows.
type numbersPane struct {
	c      *shared
	all    []monitor.NumberView // from the latest snapshot, read only
	rows   []int32              // indexes into all, filtered and sorted
	keys   []numberKey          // derive's sort keys, kept to reuse their memory
	sortBy numberSort
	invert bool // the sort's order reversed (S)
	filter string
	cursor int
	offset int
	page   int    // visible rows
	sel    string // E.164 under the cursor, kept across refreshes
}

const (
	ncNumber = iota
	ncState
	ncShare
	ncCalls
	ncDrop
	ncOneWay
	ncMOS
	ncNoMedia
	ncMOSP5
	ncASR
	ncAttest
	ncFlags
	ncServing
	ncSeen
	ncSweep
)

var numberColumns = []column{
	{id: ncNumber, title: "number", w: 13, prio: 0},
	{id: ncState, title: "port", w: 11, prio: 0},
	{id: ncShare, title: "legacy▕new", w: 12, prio: 0},
	{id: ncCalls, title: "calls", w: 6, right: true, prio: 0},
	{id: ncDrop, title: "drop", w: 5, right: true, prio: 1},
	// Media: one-way share from 80 columns, MOS mean from 83, the
	// no-media share from 124 (a 200-column screen), MOS p5 from 128
	// (README: What you see).
	{id: ncOneWay, title: "1way", w: 5, right: true, prio: 1}, // room for the sort mark
	{id: ncMOS, title: "MOS", w: 4, right: true, prio: 2},
	{id: ncNoMedia, title: "nomed", w: 6, right: true, prio: 6},
	{id: ncMOSP5, title: "p5", w: 3, right: true, prio: 7},
	{id: ncASR, title: "ASR", w: 4, right: true, prio: 3},
	{id: ncAttest, title: "attest", w: 11, prio: 1},
	{id: ncFlags, title: "flags", w: 8, prio: 1, flex: true},
	{id: ncServing, title: "serving", w: 12, prio: 2},
	{id: ncSweep, title: "sweep", w: 8, prio: 2},
	{id: ncSeen, title: "last", w: 6, right: true, prio: 5},
}

// sortColumn maps a sort to the column that shows it.
var sortColumn = [numSorts]int{ncNumber, ncCalls, ncDrop, ncShare, ncFlags, ncOneWay, ncNoMedia, ncMOS}

func newNumbersPane(c *shared) *numbersPane { return &numbersPane{c: c, sortBy: sortNumber} }

func (p *numbersPane) setSize(s size) {
	p.page = max(s.h-2, 1)
	p.offset = scrollTo(p.cursor, p.offset, p.page)
}

func (p *numbersPane) setData(nums []monitor.NumberView) {
	p.all = nums
	p.derive()
}

func (p *numbersPane) filterText() string { return p.filter }

// setFilter narrows the rows; the cursor goes to the first match.
func (p *numbersPane) setFilter(f string) {
	p.filter = f
	p.toTop()
}

// cycleSort sorts by the next column; the cursor goes to the top, where
// the worst rows now are.
func (p *numbersPane) cycleSort() {
	p.sortBy = (p.sortBy + 1) % numSorts
	p.invert = false
	p.toTop()
}

// invertSort reverses the current sort's order, the cursor to the top.
func (p *numbersPane) invertSort() {
	p.invert = !p.invert
	p.toTop()
}

// sortByColumn sorts by the column at x (cells from the pane's left, the
// pane w wide), as a click on its header asks: a column not yet sorted
// by sorts in its own order, the sorted one inverts (a second press).
// false: no sort shows in that column.
func (p *numbersPane) sortByColumn(x, w int) bool {
	at := 0
	for _, c := range chooseColumns(numberColumns, w) {
		if x >= at && x < at+c.w {
			for sort, col := range sortColumn {
				if col != c.id {
					continue
				}
				if numberSort(sort) == p.sortBy {
					p.invertSort()
				} else {
					p.sortBy, p.invert = numberSort(sort), false
					p.toTop()
				}
				return true
			}
			return false
		}
		at += c.w + colGap
	}
	return false
}

func (p *numbersPane) toTop() {
	p.sel, p.cursor, p.offset = "", 0, 0
	p.derive()
}

// derive recomputes the visible row order and puts the cursor back on the
// number it was on, so a refresh never moves the selection. Each row's
// sort key is worked out once, before the sort, not in every comparison.
func (p *numbersPane) derive() {
	q := strings.ToLower(strings.TrimSpace(p.filter))
	p.keys = slices.Grow(p.keys[:0], len(p.all))
	for i := range p.all {
		if q == "" || numberMatches(&p.all[i], q) {
			p.keys = append(p.keys, p.keyOf(int32(i)))
		}
	}
	p.sortKeys()
	p.rows = p.rows[:0]
	for i := range p.keys {
		p.rows = append(p.rows, p.keys[i].row)
	}
	p.cursor = clamp(p.cursor, 0, len(p.rows)-1)
	if p.sel != "" {
		for i, r := range p.rows {
			if p.all[r].E164 == p.sel {
				p.cursor = i
				break
			}
		}
	}
	p.remember()
}

// remember records the number under the cursor and scrolls to it.
func (p *numbersPane) remember() {
	p.sel = ""
	if n, ok := p.selected(); ok {
		p.sel = n.E164
	}
	p.offset = scrollTo(p.cursor, p.offset, p.page)
}

// numberMatches says whether a number passes filter q (lower case): part
// of the number, its port state or request, the trunk serving it, a flag,
// its latest sweep verdict.
func numberMatches(n *monitor.NumberView, q string) bool {
	if pre, ok := strings.CutSuffix(q, "*"); ok { // +1415555*: the numbers p sets
		return strings.HasPrefix(n.E164, pre)
	}
	if strings.Contains(n.E164, q) || strings.Contains(string(n.PortState), q) ||
		strings.Contains(strings.ToLower(n.Serving), q) ||
		strings.Contains(strings.ToLower(n.PortRequestID), q) || sweepMatches(n, q) {
		return true
	}
	for _, f := range n.Flags {
		if strings.Contains(f, q) {
			return true
		}
	}
	return false
}

// numberKey is a row's place in the current sort: the sort's value and
// the attempts that break its ties (both highest first), then the number.
// It holds no pointer, so the sort moves it cheaply.
type numberKey struct {
	val      float64
	attempts int
	row      int32
}

// keyOf is row i's sort key under the current sort and window.
func (p *numbersPane) keyOf(i int32) numberKey {
	n := &p.all[i]
	w := &n.Win[p.c.win]
	k := numberKey{row: i}
	switch p.sortBy {
	case sortCalls:
		k.val = float64(w.Attempts)
	case sortDrop:
		k.val, k.attempts = w.DropRate(), w.Attempts
	case sortLegacy:
		k.val, k.attempts = legacyShare(w), w.Attempts
	case sortFlags:
		k.val, k.attempts = float64(len(n.Flags)), w.Attempts
	case sortOneWay:
		k.val, k.attempts = w.Media.OneWayRate(), w.Media.Judged
	case sortNoMedia:
		k.val, k.attempts = w.Media.NoMediaRate(), w.Media.Judged
	case sortMOS:
		k.val, k.attempts = mosKey(&w.Media), w.Media.MOSCount
	}
	return k
}

// sortKeys orders the keys: the highest value first, the busier first on
// a tie, then by number. When the snapshot lists its numbers in order
// (checked here, once), a row's index stands for its number.
func (p *numbersPane) sortKeys() {
	byNumber := func(a, b numberKey) int { return strings.Compare(p.all[a.row].E164, p.all[b.row].E164) }
	if numbersInOrder(p.all) {
		byNumber = func(a, b numberKey) int { return cmp.Compare(a.row, b.row) }
	}
	order := func(a, b numberKey) int {
		if c := cmp.Compare(b.val, a.val); c != 0 {
			return c
		}
		if c := cmp.Compare(b.attempts, a.attempts); c != 0 {
			return c
		}
		return byNumber(a, b)
	}
	if p.invert {
		slices.SortFunc(p.keys, func(a, b numberKey) int { return order(b, a) })
		return
	}
	slices.SortFunc(p.keys, order)
}

// numbersInOrder reports whether nums are sorted by number, no two alike.
func numbersInOrder(nums []monitor.NumberView) bool {
	for i := 1; i < len(nums); i++ {
		if nums[i-1].E164 >= nums[i].E164 {
			return false
		}
	}
	return true
}

// legacyShare is the share of inbound attempts still landing on legacy; -1 when none.
func legacyShare(s *monitor.Stats) float64 {
	if s.Legacy+s.New == 0 {
		return -1
	}
	return float64(s.Legacy) / float64(s.Legacy+s.New)
}

func (p *numbersPane) selected() (monitor.NumberView, bool) {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return monitor.NumberView{}, false
	}
	return p.all[p.rows[p.cursor]], true
}

// Update handles a key sent to the focused numbers pane.
func (p *numbersPane) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, p.c.keys.Enter):
		if n, ok := p.selected(); ok {
			return openDetail(detailNumber, n.E164)
		}
	case key.Matches(k, p.c.keys.Sort):
		p.cycleSort()
	case key.Matches(k, p.c.keys.Invert):
		p.invertSort()
	case key.Matches(k, p.c.keys.Back):
		p.setFilter("")
	default:
		p.cursor = moveCursor(p.c.keys, k, p.cursor, len(p.rows), p.page)
		p.remember()
	}
	return nil
}

func (p *numbersPane) view(s size, focused bool) []string {
	st := p.c.st
	cols := chooseColumns(numberColumns, s.w)
	summary := strconv.Itoa(len(p.rows)) + "/" + strconv.Itoa(len(p.all)) +
		" · sort " + sortNames[p.sortBy] + " · " + winLabel(p.c.win)
	lines := make([]string, 0, s.h)
	lines = append(lines, titleBar(st, "NUMBERS", summary, p.c.filterNote(focusNumbers, p.filter), s.w, focused))
	lines = append(lines, headerRow(st, cols, s.w, sortColumn[p.sortBy], sortMark(p.sortBy, p.invert)))
	lines = append(lines, tableRows(st, cols, s.w, p.offset, min(p.offset+p.page, len(p.rows)), p.cursor, focused,
		func(i int, c column) cell { return p.cell(&p.all[p.rows[i]], c) })...)
	if len(p.rows) == 0 {
		msg := "  no numbers yet"
		if p.filter != "" {
			msg = "  no number matches " + strconv.Quote(p.filter)
		}
		lines = append(lines, st.Muted.Render(msg))
	}
	return padLines(lines, s.w, s.h)
}

// sortMark is the sorted column's arrow: ▲ ascending (numbers, and MOS
// worst-first), ▼ descending (the others' worst-first), flipped by S.
func sortMark(s numberSort, invert bool) string {
	if (s == sortNumber || s == sortMOS) != invert {
		return "▲"
	}
	return "▼"
}

func (p *numbersPane) cell(n *monitor.NumberView, c column) cell {
	st := p.c.st
	w := &n.Win[p.c.win]
	switch c.id {
	case ncNumber:
		return cell{text: n.E164}
	case ncState:
		return portCell(st, n.PortState)
	case ncShare:
		styled, plain := shareBar(st, w.Legacy, w.New, c.w)
		return cell{plain, styled}
	case ncCalls:
		return cell{text: strconv.Itoa(w.Attempts)}
	case ncDrop:
		r := w.DropRate()
		return cell{pct(r), st.dropStyle(r).Render(pct(r))}
	case ncOneWay:
		return p.c.oneWayCell(&w.Media)
	case ncNoMedia:
		return p.c.noMediaCell(&w.Media)
	case ncMOS:
		return p.c.mosMeanCell(&w.Media)
	case ncMOSP5:
		return p.c.mosP5Cell(&w.Media)
	case ncASR:
		return rateCell(st, w.ASR())
	case ncAttest:
		return cell{text: attestText(w.Attest)}
	case ncFlags:
		if len(n.Flags) == 0 {
			return cell{}
		}
		return netCell(st.Bad, strings.Join(n.Flags, ","))
	case ncServing:
		if n.Serving == "" {
			return cell{text: "—"}
		}
		return netCell(st.roleStyle(n.ServingRole), n.Serving)
	case ncSeen:
		return cell{text: age(p.c.now, n.LastSeen)}
	case ncSweep:
		return sweepCell(st, n.SweepIn)
	}
	return cell{}
}

// portCell colours a port state: done is good, refused is bad.
func portCell(st *Styles, s monitor.PortState) cell {
	t := string(s)
	switch s {
	case monitor.PortCompleted:
		return cell{t, st.OK.Render(t)}
	case monitor.PortInProgress:
		return cell{t, st.Accent.Render(t)}
	case monitor.PortDenied, monitor.PortCancelled:
		return cell{t, st.Bad.Render(t)}
	}
	return cell{t, st.Muted.Render(t)}
}
