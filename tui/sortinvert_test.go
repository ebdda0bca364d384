package tui

import (
	"strings"
	"testing"
)

// S reverses the sort the numbers pane has, and the header's arrow says
// so; s moves to the next column in its own natural order.
func TestNumbersSortInverts(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 120, 30)
	m = press(m, "s", "s") // drop %, worst first
	m = press(m, "S")      // best first
	scr := screen(m)
	mustContain(t, scr, "drop▲", "sort drop %")
	rows := numberRows(scr)
	if len(rows) != 4 || !strings.HasPrefix(rows[0], "+15551239999") || !strings.HasPrefix(rows[3], "+15551230003") {
		t.Fatalf("inverted drop sort: %q", rows)
	}
	m = press(m, "S") // back to worst first
	scr = screen(m)
	mustContain(t, scr, "drop▼")
	if rows := numberRows(scr); !strings.HasPrefix(rows[0], "+15551230003") {
		t.Fatalf("second S did not restore the order: %q", rows)
	}
	m = press(m, "S", "s") // inverted, then the next column: its own order
	scr = screen(m)
	mustContain(t, scr, "sort legacy share")
	lineWith(t, scr, "legacy▕new▼")
}

// The number column inverts to descending.
func TestNumbersSortByNumberInverts(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 120, 30)
	m = press(m, "S")
	scr := screen(m)
	mustContain(t, scr, "number▼")
	rows := numberRows(scr)
	want := []string{"+15551239999", "+15551230003", "+15551230002", "+15551230001"}
	for i, w := range want {
		if i >= len(rows) || !strings.HasPrefix(rows[i], w) {
			t.Fatalf("descending by number: %q", rows)
		}
	}
}
