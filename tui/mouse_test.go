package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func click(m Model, x, y int) Model {
	return send(m, tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft})
}

func wheel(m Model, x, y int, b tea.MouseButton) Model {
	return send(m, tea.MouseWheelMsg{X: x, Y: y, Button: b})
}

// A click on a row focuses its pane and selects the row: enter then opens
// what was clicked.
func TestMouseClickSelects(t *testing.T) {
	t.Parallel()
	for _, sz := range [][2]int{{80, 24}, {120, 30}, {200, 50}} {
		m := newTestModel(t, Options{}, sz[0], sz[1])
		top := headerHeight + m.lay.trunks.h + tableRowsTop // the numbers' first row
		m = click(m, 3, top+2)
		if m.focus != focusNumbers {
			t.Fatalf("%v: focus %v", sz, m.focus)
		}
		if n, _ := m.numbers.selected(); n.E164 != "+15551230003" {
			t.Fatalf("%v: selected %q, want the third row", sz, n.E164)
		}
		// The trunks pane: its second row.
		m = click(m, 3, headerHeight+tableRowsTop+1)
		if tr, _ := m.trunks.selected(); m.focus != focusTrunks || tr.Name != "new-b" {
			t.Fatalf("%v: focus %v, trunk %q", sz, m.focus, tr.Name)
		}
		m = press(m, "enter")
		mustContain(t, screen(m), "new-b")
		if m.mode != modeDetail {
			t.Fatalf("%v: enter after the click opened nothing", sz)
		}
	}
}

// The feed and the alerts: stacked they share the bottom row; wide they
// are the right column.
func TestMouseClickFeedAndAlerts(t *testing.T) {
	t.Parallel()
	for _, sz := range [][2]int{{120, 30}, {200, 50}} {
		m := newTestModel(t, Options{}, sz[0], sz[1])
		l := m.lay
		feedX, feedY := 2, headerHeight+l.trunks.h+l.numbers.h
		alertX, alertY := l.leftW+paneGap+2, feedY
		if l.wide {
			feedX, feedY = l.leftW+paneGap+2, headerHeight+l.alerts.h
			alertY = headerHeight
		}
		m = click(m, feedX, feedY+tableRowsTop) // the feed's first row shown
		if m.focus != focusFeed {
			t.Fatalf("%v: focus %v, want the feed", sz, m.focus)
		}
		if line, _ := m.feed.selected(); m.feed.follow || line.CallID != "c1" {
			t.Fatalf("%v: feed on %+v (following %v)", sz, line, m.feed.follow)
		}
		m = click(m, alertX, alertY+tableRowsTop+1)
		if m.focus != focusAlerts || m.alerts.cursor != 1 {
			t.Fatalf("%v: focus %v, alert %d", sz, m.focus, m.alerts.cursor)
		}
		// A click on a title or past the last row focuses, selects nothing new.
		m = click(m, feedX, feedY)
		if line, _ := m.feed.selected(); m.focus != focusFeed || line.CallID != "c1" {
			t.Fatalf("%v: a click on the title moved the feed to %+v", sz, line)
		}
	}
}

// The wheel moves the selection of the pane under the pointer, three rows
// a notch; over a detail it scrolls the detail.
func TestMouseWheel(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 120, 30)
	y := headerHeight + m.lay.trunks.h + tableRowsTop
	m = wheel(m, 3, y, tea.MouseWheelDown)
	if n, _ := m.numbers.selected(); n.E164 != "+15551239999" {
		t.Fatalf("wheel down: on %q", n.E164)
	}
	m = wheel(m, 3, y, tea.MouseWheelUp)
	if m.numbers.cursor != 0 {
		t.Fatalf("wheel up: cursor %d", m.numbers.cursor)
	}
	m = newTestModel(t, Options{}, 80, 24)
	m = press(m, "down", "down", "enter") // a number's detail, longer than the screen
	before := screen(m)
	m = wheel(m, 3, 10, tea.MouseWheelDown)
	if m.detail.vp.YOffset() != wheelStep {
		t.Fatalf("detail offset %d after a notch", m.detail.vp.YOffset())
	}
	if screen(m) == before {
		t.Fatal("the detail did not scroll")
	}
	m = wheel(m, 3, 10, tea.MouseWheelUp)
	if m.detail.vp.YOffset() != 0 {
		t.Fatalf("detail offset %d after up", m.detail.vp.YOffset())
	}
	// A click on the header or a right click changes nothing.
	m = press(m, "esc")
	m = click(m, 3, 0)
	m = send(m, tea.MouseClickMsg{X: 3, Y: headerHeight + 3, Button: tea.MouseRight})
	if m.focus != focusNumbers || !strings.Contains(screen(m), "▶ NUMBERS") {
		t.Fatalf("focus %v", m.focus)
	}
}

// The screen asks the terminal for clicks and the wheel.
func TestMouseModeOn(t *testing.T) {
	t.Parallel()
	if v := newTestModel(t, Options{}, 80, 24).View(); v.MouseMode != tea.MouseModeCellMotion {
		t.Fatalf("mouse mode %v", v.MouseMode)
	}
}

// On the go/no-go board a click selects the number clicked (on a group's
// line, its first number) and the wheel moves over the group lines.
func TestMouseBoard(t *testing.T) {
	t.Parallel()
	m := press(newTestModel(t, Options{}, 80, 24), "B")
	lineOf := func(sub string) int {
		for i, l := range strings.Split(screen(m), "\n") {
			if strings.Contains(l, sub) {
				return i
			}
		}
		t.Fatalf("no line with %q", sub)
		return 0
	}
	for _, c := range []struct{ on, want string }{
		{"+15551230002", "+15551230002"},
		{"▸ PR-2", "+15551230003"},
		{"+15551239999", "+15551239999"},
	} {
		m = click(m, 3, lineOf(c.on))
		if r, _ := m.board.selected(); r.E164 != c.want {
			t.Fatalf("click on %q selected %q, want %s", c.on, r.E164, c.want)
		}
	}
	m = press(m, "home")
	m = wheel(m, 3, 10, tea.MouseWheelDown) // three lines on: PR-2's group line, so its number
	if r, _ := m.board.selected(); r.E164 != "+15551230003" {
		t.Fatalf("wheel on the board: %q", r.E164)
	}
	mustContain(t, screen(m), "GO/NO-GO BOARD")
}

// A click on a numbers column's header sorts by it; a second click on the
// same header inverts the order (▲ then ▼); a column no sort shows does
// nothing.
func TestMouseHeaderClickSortsThenInverts(t *testing.T) {
	t.Parallel()
	for _, sz := range [][2]int{{80, 24}, {200, 50}} {
		m := newTestModel(t, Options{}, sz[0], sz[1])
		m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: testStats()})
		head := headerHeight + m.lay.trunks.h + tableRowsTop - 1
		callsX := 13 + 1 + 11 + 1 + 12 + 1 + 2 // inside "calls"
		m = click(m, callsX, head)
		if m.numbers.sortBy != sortCalls || m.numbers.invert {
			t.Fatalf("%v: first click: sort %v inverted %v", sz, m.numbers.sortBy, m.numbers.invert)
		}
		m = click(m, callsX, head)
		if m.numbers.sortBy != sortCalls || !m.numbers.invert {
			t.Fatalf("%v: second click did not invert: sort %v inverted %v", sz, m.numbers.sortBy, m.numbers.invert)
		}
		if !strings.Contains(screen(m), "calls▼") && !strings.Contains(screen(m), "calls▲") {
			t.Errorf("%v: the header shows no order mark:\n%s", sz, screen(m))
		}
		m = click(m, 13+1+3, head) // "port": no sort shows there
		if m.numbers.sortBy != sortCalls || !m.numbers.invert {
			t.Fatalf("%v: a click on port changed the sort", sz)
		}
	}
}
