package tui

import (
	"strconv"
	"strings"
)

// Layout constants. The layout is computed once per tea.WindowSizeMsg from
// these and pushed down to the panes.
const (
	minWidth  = 80 // below this the screen says so instead of drawing
	minHeight = 24

	headerHeight = 2
	dateWidth    = 120 // from this width on the header's clock shows the date
	footerHeight = 1

	// From wideWidth on, the body is two columns: trunks over numbers on
	// the left, alerts over the feed on the right.
	wideWidth   = 150
	wideLeftPct = 62 // share of the width for the left column
	paneGap     = 1  // cells between side-by-side panes

	trunksPct  = 30 // stacked: share of the body for trunks
	bottomPct  = 28 // stacked: share of the body for feed | alerts
	actionsPct = 38 // stacked: share of the body for the actions pane, when shown
	wideTrunks = 40 // wide: share of the left column for trunks
	wideAlerts = 35 // wide: share of the right column for alerts

	minTrunksHeight = 5 // title + column header + 3 rows
	minPaneHeight   = 4 // title + 3 lines
)

// size is a pane's size in cells.
type size struct{ w, h int }

// layout is where everything goes for one terminal size.
type layout struct {
	width, height int
	trunkRows     int // the trunk count it was computed for
	tooSmall      bool
	wide          bool
	body          size // everything between header and footer
	leftW, rightW int  // wide: column widths
	trunks        size
	numbers       size
	alerts        size
	feed          size
	actions       size // wide: the alerts' place; stacked: the whole bottom row
}

// computeLayout lays the screen out for a terminal of w×h cells showing
// trunks trunks, with bar lines for the replay's timeline above the footer: the trunks pane is no taller than its rows need, up to
// its share of the body, and the numbers pane gets the rest. Stacked, a
// shown actions pane takes the whole bottom row, a little taller.
func computeLayout(w, h, trunks, bar int, actions bool) layout {
	l := layout{width: w, height: h, trunkRows: trunks}
	if w < minWidth || h < minHeight {
		l.tooSmall = true
		return l
	}
	l.body = size{w, h - headerHeight - footerHeight - bar}
	bh := l.body.h
	if w >= wideWidth {
		l.wide = true
		l.leftW = w * wideLeftPct / 100
		l.rightW = w - l.leftW - paneGap
		th := clamp(trunks+2, minTrunksHeight, max(bh*wideTrunks/100, minTrunksHeight))
		l.trunks = size{l.leftW, th}
		l.numbers = size{l.leftW, bh - th}
		ah := max(bh*wideAlerts/100, minPaneHeight)
		l.alerts = size{l.rightW, ah}
		l.feed = size{l.rightW, bh - ah}
		l.actions = l.alerts
		return l
	}
	th := clamp(trunks+2, minTrunksHeight, max(bh*trunksPct/100, minTrunksHeight))
	bot := max(bh*bottomPct/100, minPaneHeight)
	if actions {
		bot = max(bh*actionsPct/100, minPaneHeight)
	}
	l.trunks = size{w, th}
	l.numbers = size{w, bh - th - bot}
	l.leftW = (w - paneGap) / 2
	l.rightW = w - paneGap - l.leftW
	l.feed = size{l.leftW, bot}
	l.alerts = size{l.rightW, bot}
	l.actions = size{w, bot}
	return l
}

// arrange places the rendered panes (each exactly its size) into the body.
// Stacked, a nil feed gives alerts (the actions pane) the bottom row.
func (l layout) arrange(trunks, numbers, alerts, feed []string) []string {
	gap := strings.Repeat(" ", paneGap)
	if l.wide {
		left := append(append(make([]string, 0, l.body.h), trunks...), numbers...)
		right := append(append(make([]string, 0, l.body.h), alerts...), feed...)
		return joinColumns(left, right, gap)
	}
	out := make([]string, 0, l.body.h)
	out = append(out, trunks...)
	out = append(out, numbers...)
	if feed == nil {
		return append(out, alerts...)
	}
	return append(out, joinColumns(feed, alerts, gap)...)
}

// joinColumns puts two blocks of equal-width lines side by side.
func joinColumns(left, right []string, gap string) []string {
	n := max(len(left), len(right))
	out := make([]string, n)
	for i := range n {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		out[i] = l + gap + r
	}
	return out
}

// tooSmallView is shown instead of the dashboard below the minimum size.
func tooSmallView(st *Styles, w, h int) string {
	msg := []string{
		st.Bad.Render("Terminal too small"),
		"cutover needs at least " + strconv.Itoa(minWidth) + "×" + strconv.Itoa(minHeight),
		"now " + strconv.Itoa(w) + "×" + strconv.Itoa(h) + " — enlarge the window",
		st.Muted.Render("q quits"),
	}
	return strings.Join(msg, "\n")
}
