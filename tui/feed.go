package tui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
)

// feedPane is the live SIP feed: the newest messages, oldest at the top,
// coloured by response class. It follows the newest line until the cursor
// is moved up, and follows again once it is back on the last line.
type feedPane struct {
	c      *shared
	all    []monitor.FeedLine // from the latest snapshot, read only
	rows   []int32            // indexes into all that pass the filter
	filter string
	cursor int
	offset int
	page   int
	follow bool
	sel    feedKey // the line under the cursor when not following
}

// feedKey identifies a feed line across snapshots (the feed slides).
type feedKey struct {
	t       int64
	callID  string
	summary string
}

const (
	fcTime = iota
	fcTrunk
	fcDir
	fcSummary
	fcNumber
)

var feedColumns = []column{
	{id: fcTime, title: "time", w: 8, prio: 0},
	{id: fcTrunk, title: "trunk", w: 10, prio: 1},
	{id: fcDir, title: "", w: 1, prio: 0},
	{id: fcSummary, title: "message", w: 14, prio: 0, flex: true},
	{id: fcNumber, title: "number", w: 12, prio: 2},
}

func newFeedPane(c *shared) *feedPane { return &feedPane{c: c, follow: true} }

func (p *feedPane) setSize(s size) {
	p.page = max(s.h-2, 1)
	p.place()
}

func (p *feedPane) setData(feed []monitor.FeedLine) {
	p.all = feed
	p.derive()
}

func (p *feedPane) filterText() string { return p.filter }

func (p *feedPane) setFilter(f string) {
	p.filter = f
	p.derive()
}

// derive filters the lines and puts the cursor back where it was: on the
// newest line when following, else on the same message if it is still there.
func (p *feedPane) derive() {
	q := strings.ToLower(strings.TrimSpace(p.filter))
	p.rows = p.rows[:0]
	for i := range p.all {
		if q == "" || feedMatches(&p.all[i], q) {
			p.rows = append(p.rows, int32(i))
		}
	}
	if !p.follow {
		p.cursor = clamp(p.cursor, 0, len(p.rows)-1)
		for i, r := range p.rows {
			if keyOf(&p.all[r]) == p.sel {
				p.cursor = i
				break
			}
		}
	}
	p.place()
}

// place scrolls to the cursor (the last line when following).
func (p *feedPane) place() {
	if p.follow {
		p.cursor = max(len(p.rows)-1, 0)
	}
	if l, ok := p.selected(); ok {
		p.sel = keyOf(&l)
	}
	p.offset = scrollTo(p.cursor, p.offset, p.page)
}

func keyOf(l *monitor.FeedLine) feedKey { return feedKey{l.Time, l.CallID, l.Summary} }

func feedMatches(l *monitor.FeedLine, q string) bool {
	return strings.Contains(strings.ToLower(l.Summary), q) ||
		strings.Contains(strings.ToLower(l.Trunk), q) ||
		strings.Contains(l.Number, q) ||
		strings.Contains(strings.ToLower(l.CallID), q)
}

func (p *feedPane) selected() (monitor.FeedLine, bool) {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return monitor.FeedLine{}, false
	}
	return p.all[p.rows[p.cursor]], true
}

// Update handles a key sent to the focused feed: move, open the message
// under the cursor with its call's ladder, clear the filter.
func (p *feedPane) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, p.c.keys.Enter):
		l, ok := p.selected()
		if ok {
			return openLadder(l)
		}
	case key.Matches(k, p.c.keys.Back):
		p.setFilter("")
	default:
		p.cursor = moveCursor(p.c.keys, k, p.cursor, len(p.rows), p.page)
		p.follow = p.cursor >= len(p.rows)-1
		p.place()
	}
	return nil
}

func (p *feedPane) view(s size, focused bool) []string {
	st := p.c.st
	cols := chooseColumns(feedColumns, s.w)
	summary := strconv.Itoa(len(p.rows)) + " msgs"
	if !p.follow {
		summary = p.pausedNote()
	}
	lines := make([]string, 0, s.h)
	lines = append(lines, titleBar(st, "SIP FEED", summary, p.c.filterNote(focusFeed, p.filter), s.w, focused))
	lines = append(lines, headerRow(st, cols, s.w, -1, ""))
	lines = append(lines, tableRows(st, cols, s.w, p.offset, min(p.offset+p.page, len(p.rows)), p.cursor, focused,
		func(i int, c column) cell { return p.cell(&p.all[p.rows[i]], c) })...)
	if len(p.rows) == 0 {
		msg := "  no SIP yet"
		if p.filter != "" {
			msg = "  no message matches " + strconv.Quote(p.filter)
		}
		lines = append(lines, st.Muted.Render(msg))
	}
	return padLines(lines, s.w, s.h)
}

// pausedNote is the title's summary while the cursor holds the feed: it
// does not follow new messages, how many are below the cursor, and the
// key that follows again. It replaces the message count so that it fits
// the narrowest feed (40 columns at 80).
func (p *feedPane) pausedNote() string {
	return "⏸ paused +" + strconv.Itoa(max(len(p.rows)-1-p.cursor, 0)) + " · end follows"
}

func (p *feedPane) cell(l *monitor.FeedLine, c column) cell {
	st := p.c.st
	switch c.id {
	case fcTime:
		t := clock(l.Time, "15:04:05")
		return cell{t, st.Muted.Render(t)}
	case fcTrunk:
		if l.Trunk == "" {
			return cell{text: "?"}
		}
		return cell{text: l.Trunk}
	case fcDir:
		if l.Dir == monitor.DirIn {
			return cell{text: "→"} // from the trunk to us
		}
		return cell{text: "←"} // from us to the trunk
	case fcSummary:
		return netCell(st.codeStyle(l.Code), l.Summary)
	case fcNumber:
		return cell{text: l.Number}
	}
	return cell{}
}
