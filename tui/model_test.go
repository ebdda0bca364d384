package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestDetailTrunk(t *testing.T) {
	t.Parallel()
	each(t, Options{}, func(t *testing.T, m Model) {
		m = press(m, "shift+tab") // numbers → trunks
		if m.focus != focusTrunks {
			t.Fatalf("focus %d", m.focus)
		}
		m = press(m, "enter")
		if m.detail == nil || m.detail.kind != detailTrunk || m.detail.id != "legacy-a" {
			t.Fatalf("detail %+v", m.detail)
		}
		scr := screen(m)
		mustContain(t, scr, "TRUNK legacy-a", "failed 403", "last 1m", "last 5m", "last 15m")
		lineWith(t, scr, "attempts", "40", "160", "440")
		// The full code mix (including 200s) shows further down: scroll.
		m = press(m, "G")
		scr = screen(m)
		mustContain(t, scr, "TRUNK legacy-a", "recent SIP", "503 Service Unavailable")
		full := stripANSI(strings.Join(m.detail.content(), "\n"))
		mustContain(t, full, "200×30", "503×6", "486×4", "peak 22", "trunk_silent", "bad-signature×10 valid×30")
		m = press(m, "esc")
		if m.detail != nil {
			t.Fatal("esc did not close the detail")
		}
		mustContain(t, screen(m), "TRUNKS", "NUMBERS")
	})
}

func TestDetailNumber(t *testing.T) {
	t.Parallel()
	each(t, Options{}, func(t *testing.T, m Model) {
		m = press(m, "down", "enter") // the zombie
		full := strings.Join(m.detail.content(), "\n")
		full = stripANSI(full)
		mustContain(t, full, "NUMBER +15551230002", "completed", "PR-1", "calls land on",
			"legacy-a (legacy)", "zombie", "legacy / new", "10 / 0", "ported number still lands on legacy-a",
			"INVITE sip:+15551230002@legacy-a",
			"STIR/SHAKEN out: verification outcome", "valid×10", "STIR/SHAKEN in: verstat", "passed×10 failed×0")
		mustContain(t, screen(m), "NUMBER +15551230002", "calls land on")
	})
}

func TestDetailFromAlertResolvesTrunk(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	m = press(m, "tab", "tab", "enter") // numbers → feed → alerts; codec488 on new-b
	if m.detail == nil || m.detail.kind != detailTrunk || m.detail.id != "new-b" {
		t.Fatalf("detail %+v", m.detail)
	}
	mustContain(t, screen(m), "TRUNK new-b", "down 408")
	m = press(m, "esc", "down", "enter") // zombie on a number
	if m.detail == nil || m.detail.kind != detailNumber || m.detail.id != "+15551230002" {
		t.Fatalf("detail %+v", m.detail)
	}
}

func TestDetailFromFeedOpensNumber(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	m = press(m, "tab", "enter") // the newest line: 503 for +15551230001
	if m.detail == nil || m.detail.id != "+15551230001" {
		t.Fatalf("detail %+v", m.detail)
	}
}

func TestDetailOfVanishedSubject(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	m = press(m, "enter")
	snap := testSnapshot()
	snap.Numbers = snap.Numbers[1:]
	m = send(m, SnapshotMsg{Snap: snap})
	mustContain(t, screen(m), "not in the current snapshot")
}

func TestHelp(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{Mode: ModeReplay, Player: &fakePlayer{speed: 1}}, 80, 24)
	m = press(m, "?")
	scr := screen(m)
	mustContain(t, scr, "HELP", "page down", "next pane", "filter", "sort", "window",
		"play/pause", "faster", "slower", "quit", "close help", "488")
	m = press(m, "j") // ignored while help is open
	if n, _ := m.numbers.selected(); n.E164 != "+15551230001" {
		t.Error("keys leak to the panes under the help")
	}
	m = press(m, "esc")
	mustNotContain(t, screen(m), "HELP")
	m = press(m, "?", "?")
	mustNotContain(t, screen(m), "HELP")
}

func TestPlayerKeys(t *testing.T) {
	t.Parallel()
	p := &fakePlayer{speed: 64}
	m := newTestModel(t, Options{Mode: ModeReplay, Player: p}, 80, 24)
	m = press(m, "space")
	if !p.paused {
		t.Fatal("space did not pause")
	}
	head := strings.Split(screen(m), "\n")[0]
	mustContain(t, head, "⏸", "paused", "×64")
	m = press(m, "space", "+")
	if p.paused || p.speed != 128 {
		t.Fatalf("paused=%v speed=%v", p.paused, p.speed)
	}
	mustContain(t, strings.Split(screen(m), "\n")[0], "▶", "×128")
	m = press(m, "-", "-")
	if p.speed != 32 {
		t.Fatalf("speed %v", p.speed)
	}

	p.speed = maxSpeed
	m = press(m, "+")
	if p.speed != 0 {
		t.Fatalf("beyond the top speed: %v, want 0 (as fast as possible)", p.speed)
	}
	mustContain(t, strings.Split(screen(m), "\n")[0], "×max")
	m = press(m, "+")
	if p.speed != 0 {
		t.Fatalf("speed %v", p.speed)
	}
	m = press(m, "-")
	if p.speed != maxSpeed {
		t.Fatalf("speed %v", p.speed)
	}
	p.speed = minSpeed
	m = press(m, "-")
	if p.speed != minSpeed {
		t.Fatalf("below the bottom speed: %v", p.speed)
	}
	mustContain(t, strings.Split(screen(m), "\n")[0], "×1/8")

	// Once the source ended, playback keys do nothing.
	m = send(m, DoneMsg{})
	press(m, "space")
	if p.paused {
		t.Error("space paused an ended source")
	}
}

func TestPlayerKeysNeedAPlayer(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{Mode: ModeLive}, 80, 24)
	m = press(m, "space", "+", "-") // no player: must not panic
	if m.c.keys.Pause.Enabled() {
		t.Error("pause enabled without a player")
	}
	mustNotContain(t, screen(m), "play/pause")
}

func TestQuit(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	for _, k := range []string{"q", "ctrl+c"} {
		_, cmd := m.Update(keyMsg(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf("%s does not quit", k)
		}
	}
	// While typing a filter, q is text and ctrl+c still quits.
	m = press(m, "/")
	next, cmd := m.Update(keyMsg("q"))
	if cmd != nil {
		t.Fatal("q quit while typing a filter")
	}
	if f := next.(Model).numbers.filter; f != "q" {
		t.Fatalf("filter %q", f)
	}
	if _, cmd := next.Update(keyMsg("ctrl+c")); cmd == nil {
		t.Fatal("ctrl+c does not quit while typing")
	}
}

func TestFocusCycles(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	seen := []focus{m.focus}
	for range numFocus {
		m = press(m, "tab")
		seen = append(seen, m.focus)
	}
	if seen[0] != seen[len(seen)-1] {
		t.Fatalf("tab does not cycle: %v", seen)
	}
	m = press(m, "shift+tab")
	if m.focus != focusTrunks {
		t.Fatalf("shift+tab from numbers went to %d", m.focus)
	}
	// Sort and filter apply only where they mean something.
	if m.c.keys.Sort.Enabled() || m.c.keys.Filter.Enabled() {
		t.Error("sort/filter enabled on the trunks pane")
	}
}

func TestNavigationKeys(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	steps := []struct {
		key  string
		want int
	}{{"j", 1}, {"down", 2}, {"k", 1}, {"end", 3}, {"home", 0}, {"pgdown", 3}, {"pgup", 0}}
	for _, s := range steps {
		m = send(m, namedKey(s.key))
		if m.numbers.cursor != s.want {
			t.Fatalf("after %s cursor %d, want %d", s.key, m.numbers.cursor, s.want)
		}
	}
}

func namedKey(k string) tea.KeyPressMsg {
	switch k {
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	}
	return keyMsg(k)
}

func TestSpeedText(t *testing.T) {
	t.Parallel()
	for s, want := range map[float64]string{0: "×max", 0.125: "×1/8", 0.5: "×1/2", 1: "×1", 60: "×60", 1.5: "×1.5"} {
		if got := speedText(s); got != want {
			t.Errorf("speedText(%v) = %q, want %q", s, got, want)
		}
	}
}
