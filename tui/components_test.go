package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// An info message clears itself: Update returns a tick for it, carrying
// its id; the tick of an older message clears nothing.
func TestInfoFlashExpiresByItsTick(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{Mode: ModeDemo, Note: func(int64, string) error { return nil }}, 80, 24)
	m = press(m, "n")
	m = typeText(m, "first")
	m = press(m, "enter")
	mustContain(t, screen(m), "note saved at")
	old := m.status.id

	m = press(m, "n")
	m = typeText(m, "second")
	next, cmd := m.Update(keyMsg("enter")) // the note is saved in a command
	m = next.(Model)
	saved := cmd()
	next, cmd = m.Update(saved)
	m = next.(Model)
	if m.status.id == old {
		t.Fatal("a new message kept the old id")
	}
	due, ok := cmd().(tickDue)
	if !ok {
		t.Fatalf("no expiry tick for an info message: %T", cmd())
	}
	if due.d < 3*time.Second || due.d > 5*time.Second {
		t.Errorf("info message stays %v", due.d)
	}
	if msg, ok := due.msg.(flashExpiredMsg); !ok || msg.id != m.status.id {
		t.Fatalf("tick carries %#v, want the message's id %d", due.msg, m.status.id)
	}
	m = send(m, flashExpiredMsg{id: old}) // the first note's tick, late
	mustContain(t, screen(m), "note saved at")
	m = send(m, due.msg)
	mustNotContain(t, screen(m), "note saved at")
}

// An error stays (no tick, no other key) until Esc dismisses it or
// another message replaces it: an operator typing fast still sees it.
func TestErrorFlashStaysUntilEsc(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{Mode: ModeLive, ReadOnly: true, NoActions: "read-only: started with --read-only"}, 80, 24)
	next, cmd := m.Update(keyMsg("f"))
	m = next.(Model)
	if cmd != nil {
		t.Fatalf("an error message started %T", cmd())
	}
	mustContain(t, screen(m), "read-only: started with --read-only")
	m = send(m, flashExpiredMsg{id: m.status.id}) // no tick expires an error
	mustContain(t, screen(m), "read-only: started with --read-only")
	m = press(m, "y", "down")
	mustContain(t, screen(m), "read-only: started with --read-only")
	if n, _ := m.numbers.selected(); n.E164 != "+15551230002" {
		t.Errorf("a key while the error shows did not do its work: %s", n.E164)
	}
	m = press(m, "esc")
	mustNotContain(t, screen(m), "read-only: started")
	if n, _ := m.numbers.selected(); n.E164 != "+15551230002" {
		t.Errorf("the Esc that dismissed the error also moved the selection: %s", n.E164)
	}
}

// A paste lands in the filter at the cursor; the arrows move the cursor.
func TestFilterPasteAndCursor(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	m = press(m, "/")
	m = send(m, tea.PasteMsg{Content: "zomb"})
	mustContain(t, screen(m), "/zomb▏")
	m = press(m, "left", "left")
	mustContain(t, screen(m), "/zo▏mb")
	m = send(m, tea.PasteMsg{Content: "XY"})
	if got := m.numbers.filter; got != "zoXYmb" {
		t.Fatalf("filter %q", got)
	}
	m = press(m, "backspace", "backspace", "right", "right")
	m = typeText(m, "ie")
	m = press(m, "enter")
	scr := screen(m)
	mustContain(t, scr, "filter: zombie", "1/4")
	// Outside the filter and the prompts a paste does nothing.
	m = send(m, tea.PasteMsg{Content: "q"})
	mustContain(t, screen(m), "filter: zombie")
}

// ↑ in the filter recalls the filters kept with Enter, newest first; ↓
// comes back to what was being typed. One history serves every pane.
func TestFilterHistory(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	for _, f := range []string{"zombie", "new-b"} {
		m = press(m, "/")
		m = send(m, tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
		m = typeText(m, f)
		m = press(m, "enter")
	}
	m = press(m, "esc") // cleared
	m = press(m, "/")
	m = typeText(m, "PR")
	m = press(m, "up")
	if m.numbers.filter != "new-b" {
		t.Fatalf("↑ recalled %q", m.numbers.filter)
	}
	mustContain(t, screen(m), "/new-b▏")
	m = press(m, "up", "up") // the oldest stays
	if m.numbers.filter != "zombie" {
		t.Fatalf("↑↑ recalled %q", m.numbers.filter)
	}
	m = press(m, "down", "down")
	if m.numbers.filter != "PR" {
		t.Fatalf("↓ past the newest: %q, want what was typed", m.numbers.filter)
	}
	m = press(m, "esc", "tab", "/", "up") // the feed: the same history
	if m.feed.filter != "new-b" {
		t.Fatalf("feed ↑ recalled %q", m.feed.filter)
	}
}

// A paste lands in a note, which keeps it as typed.
func TestPromptTakesAPaste(t *testing.T) {
	t.Parallel()
	var got []string
	m := newTestModel(t, Options{Mode: ModeDemo, Note: func(_ int64, text string) error {
		got = append(got, text)
		return nil
	}}, 80, 24)
	m = press(m, "n")
	m = send(m, tea.PasteMsg{Content: "legacy NOC confirms"})
	m = typeText(m, " the outage")
	mustContain(t, screen(m), "note at", "legacy NOC confirms the outage▏")
	press(m, "enter")
	if len(got) != 1 || got[0] != "legacy NOC confirms the outage" {
		t.Fatalf("notes %q", got)
	}
}

// Keys go to the component that owns the mode, one mode at a time; the
// help and a prompt opened over the detail go back to it.
func TestModes(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{Mode: ModeDemo, Note: func(int64, string) error { return nil }}, 80, 24)
	steps := []struct {
		keys []string
		want mode
	}{
		{[]string{"enter"}, modeDetail},
		{[]string{"?"}, modeHelp},
		{[]string{"j"}, modeHelp},
		{[]string{"esc"}, modeDetail},
		{[]string{"n"}, modePrompt},
		{[]string{"esc"}, modeDetail},
		{[]string{"esc"}, modeNormal},
		{[]string{"/"}, modeFilter},
		{[]string{"?"}, modeFilter}, // text while typing
		{[]string{"esc"}, modeNormal},
		{[]string{"?", "?"}, modeNormal},
	}
	for i, s := range steps {
		m = press(m, s.keys...)
		if m.mode != s.want {
			t.Fatalf("step %d (%v): mode %d, want %d", i, s.keys, m.mode, s.want)
		}
	}
}

// The detail scrolls in its viewport, its title kept; the help is in one
// too (it scrolls only when it does not fit).
func TestDetailAndHelpScroll(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	m = press(m, "shift+tab", "enter")
	top := screen(m)
	m = press(m, "down")
	scr := screen(m)
	mustContain(t, scr, "TRUNK legacy-a")
	if scr == top {
		t.Fatal("down did not scroll the detail")
	}
	m = send(m, namedKey("pgdown"))
	m = press(m, "G")
	mustContain(t, screen(m), "TRUNK legacy-a", "recent SIP")
	m = press(m, "g")
	if screen(m) != top {
		t.Fatal("g did not go back to the top")
	}
	m = press(m, "esc", "?")
	help := screen(m)
	lines := strings.Split(help, "\n")
	if len(lines) != 24 {
		t.Fatalf("%d lines", len(lines))
	}
	m = press(m, "G") // it fits: nothing to scroll
	if screen(m) != help {
		t.Error("G moved a help that fits")
	}
	mustContain(t, help, "HELP", "short-call threshold")
	if m.mode != modeHelp {
		t.Fatal("G closed the help")
	}
}

// Numbers the snapshot lists out of order sort by number all the same
// (ties break on the number, not on the snapshot's order).
func TestNumbersOutOfOrderSortByNumber(t *testing.T) {
	t.Parallel()
	snap := testSnapshot()
	slices.Reverse(snap.Numbers)
	m := newTestModel(t, Options{}, 80, 24)
	m = send(m, SnapshotMsg{Snap: snap})
	rows := numberRows(screen(m))
	want := []string{"+15551230001", "+15551230002", "+15551230003", "+15551239999"}
	if len(rows) != len(want) {
		t.Fatalf("rows %q", rows)
	}
	for i, w := range want {
		if !strings.HasPrefix(rows[i], w) {
			t.Fatalf("row %d is %q, want %s", i, rows[i], w)
		}
	}
	m = press(m, "s", "s", "s", "s") // flags: the two flagged ones, busier first, then by number
	rows = numberRows(screen(m))
	if !strings.HasPrefix(rows[0], "+15551230003") || !strings.HasPrefix(rows[1], "+15551230002") ||
		!strings.HasPrefix(rows[2], "+15551230001") || !strings.HasPrefix(rows[3], "+15551239999") {
		t.Fatalf("sorted by flags: %q", rows)
	}
}
