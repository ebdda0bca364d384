package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cutover/cutover/monitor"
)

func each(t *testing.T, o Options, f func(t *testing.T, m Model)) {
	for _, s := range sizes {
		t.Run(fmt.Sprintf("%dx%d", s.w, s.h), func(t *testing.T) {
			t.Parallel()
			f(t, newTestModel(t, o, s.w, s.h))
		})
	}
}

func TestScreenFillsTerminalExactly(t *testing.T) {
	t.Parallel()
	for _, s := range append(sizes, struct{ w, h int }{200, 60}, struct{ w, h int }{149, 30}) {
		m := newTestModel(t, Options{}, s.w, s.h)
		for _, name := range []string{"panes", "detail", "help"} {
			v := m
			switch name {
			case "detail":
				v = press(m, "enter")
			case "help":
				v = press(m, "?")
			}
			lines := strings.Split(v.View().Content, "\n")
			if len(lines) != s.h {
				t.Errorf("%dx%d %s: %d lines", s.w, s.h, name, len(lines))
			}
			for i, l := range lines {
				if w := lipgloss.Width(l); w != s.w {
					t.Errorf("%dx%d %s: line %d is %d wide: %q", s.w, s.h, name, i, w, ansi.Strip(l))
				}
			}
		}
	}
}

func TestHeader(t *testing.T) {
	t.Parallel()
	p := &fakePlayer{speed: 64}
	each(t, Options{Mode: ModeReplay, RecordingPath: "night.db", Player: p}, func(t *testing.T, m Model) {
		scr := screen(m)
		head := strings.Join(strings.Split(scr, "\n")[:2], "\n")
		mustContain(t, head, "cutover", "acme-night", "REPLAY", "02:14:00", "UTC", "1,234 ev/s",
			"dropped 17", "queue 12/4096", "from night.db", "▶", "×64")
		// A non-zero drop counter is drawn as an alarm.
		if !strings.Contains(m.View().Content, m.c.st.Alarm.Render(" dropped 17 ")) {
			t.Error("dropped counter is not highlighted")
		}
	})
}

func TestHeaderModesAndErrors(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 80, 24)
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: PipelineStats{StoreErr: "disk full"}})
	scr := screen(m)
	mustContain(t, scr, "LIVE", "rec", "rec.db", "dropped 0", "NOT RECORDING: disk full")
	if strings.Contains(m.View().Content, m.c.st.Alarm.Render(" dropped 0 ")) {
		t.Error("a zero drop counter is highlighted")
	}
	mustNotContain(t, strings.Split(scr, "\n")[0], "▶", "⏸", "ended")

	m = newTestModel(t, Options{Mode: ModeDemo}, 80, 24)
	m = send(m, DoneMsg{})
	mustContain(t, screen(m), "DEMO", "ended", "not recording")
}

func TestTrunksPane(t *testing.T) {
	t.Parallel()
	each(t, Options{}, func(t *testing.T, m Model) {
		scr := screen(m)
		mustContain(t, scr, "TRUNKS", "2 trunks", "5m window")
		// Registration refused: the row says so, with the code.
		lineWith(t, scr, "legacy-a", "failed 403", "up 23ms", "503×6")
		// OPTIONS down, with the probe's code; 488s among the failures.
		lineWith(t, scr, "new-b", "down 408", "488×10")
		// 5m window: 160 attempts over 5 minutes.
		lineWith(t, scr, "legacy-a", " 32 ", "75%")
		if !strings.ContainsAny(lineWith(t, scr, "legacy-a", "failed"), "▁▂▃▄▅▆▇█") {
			t.Error("no sparkline on the trunk row")
		}
	})
}

func TestNumbersPaneSortByDrop(t *testing.T) {
	t.Parallel()
	each(t, Options{}, func(t *testing.T, m Model) {
		m = press(m, "s", "s") // number → calls → drop %
		scr := screen(m)
		mustContain(t, scr, "sort drop %", "drop▼")
		rows := numberRows(scr)
		if len(rows) != 4 || !strings.HasPrefix(rows[0], "+15551230003") {
			t.Fatalf("worst drop rate is not first: %q", rows)
		}
		lineWith(t, scr, "+15551230003", "in_progress", "50%", "drop_rate")
		// The pending number with no calls sorts last.
		if !strings.HasPrefix(rows[3], "+15551239999") {
			t.Errorf("number without calls not last: %q", rows)
		}
	})
}

func TestNumbersPaneRow(t *testing.T) {
	t.Parallel()
	each(t, Options{}, func(t *testing.T, m Model) {
		scr := screen(m)
		// E.164, port state, share bar (90% new), calls, drop, attestation.
		lineWith(t, scr, "+15551230001", "completed", "█", "90%", "80", "6%", "A90 B10")
		lineWith(t, scr, "+15551230002", "▒▒▒", "0%", "zombie")
	})
}

// numberRows are the screen lines that start with an E.164 number.
func numberRows(scr string) []string {
	var out []string
	for _, l := range strings.Split(scr, "\n") {
		if strings.HasPrefix(l, "+1555") {
			out = append(out, l)
		}
	}
	return out
}

func TestNumbersPaneFilter(t *testing.T) {
	t.Parallel()
	each(t, Options{}, func(t *testing.T, m Model) {
		m = press(m, "/")
		if !m.c.keys.Quit.Enabled() || len(m.c.keys.Quit.Keys()) != 1 {
			t.Error("q should be text while typing a filter")
		}
		m = typeText(m, "zomq")
		m = press(m, "backspace", "backspace")
		m = typeText(m, "mbie")
		mustContain(t, screen(m), "/zombie▏")
		m = press(m, "enter")
		scr := screen(m)
		mustContain(t, scr, "1/4", "filter: zombie")
		if rows := numberRows(scr); len(rows) != 1 || !strings.HasPrefix(rows[0], "+15551230002") {
			t.Fatalf("filter did not narrow to the zombie: %q", rows)
		}
		// The filter survives a new snapshot.
		m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: testStats()})
		mustContain(t, screen(m), "1/4")
		m = press(m, "esc")
		if rows := numberRows(screen(m)); len(rows) != 4 {
			t.Fatalf("esc did not clear the filter: %q", rows)
		}
	})
}

func TestNumbersCursorStaysOnNumberAcrossSnapshots(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	m = press(m, "down", "down")
	if n, _ := m.numbers.selected(); n.E164 != "+15551230003" {
		t.Fatalf("cursor on %s", n.E164)
	}
	snap := testSnapshot()
	snap.Numbers = append([]monitor.NumberView{{E164: "+15550000000"}}, snap.Numbers...)
	m = send(m, SnapshotMsg{Snap: snap})
	if n, _ := m.numbers.selected(); n.E164 != "+15551230003" {
		t.Fatalf("cursor moved to %s", n.E164)
	}
}

func TestFeedPane(t *testing.T) {
	t.Parallel()
	each(t, Options{}, func(t *testing.T, m Model) {
		scr := screen(m)
		mustContain(t, scr, "SIP FEED", "6 msgs")
		// Following: the newest line is on screen.
		lineWith(t, scr, "02:14:00", "legacy-a", "503")
		raw := m.View().Content
		st := m.c.st
		for _, want := range []string{st.Bad.Render("503"), st.OK.Render("200 OK")} {
			if !strings.Contains(raw, strings.TrimSuffix(want, "\x1b[m")) {
				t.Errorf("feed line not coloured: %q", want)
			}
		}
	})
}

func TestFeedColoursByClass(t *testing.T) {
	t.Parallel()
	st := NewStyles(DefaultTheme())
	cases := map[int]lipgloss.Style{
		0: st.Text, 100: st.Muted, 180: st.Muted, 200: st.OK, 302: st.Info,
		404: st.Warn, 488: st.Codec, 503: st.Bad, 603: st.Bad,
	}
	for code, want := range cases {
		if got := st.codeStyle(code).Render("x"); got != want.Render("x") {
			t.Errorf("code %d: %q, want %q", code, got, want.Render("x"))
		}
	}
	if st.Codec.Render("x") == st.Warn.Render("x") {
		t.Error("488 looks like any other 4xx")
	}
}

func TestFeedPaneFilter(t *testing.T) {
	t.Parallel()
	each(t, Options{}, func(t *testing.T, m Model) {
		m = press(m, "tab") // numbers → feed
		if m.focus != focusFeed {
			t.Fatalf("focus %d", m.focus)
		}
		m = press(m, "/")
		m = typeText(m, "488")
		m = press(m, "enter")
		scr := screen(m)
		mustContain(t, scr, "1 msgs", "filter: 488", "Not Accept")
		mustNotContain(t, scr, "100 Trying", "200 OK")
		m = press(m, "esc")
		mustContain(t, screen(m), "6 msgs")
	})
}

func TestFeedScrollStopsFollowing(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 160, 48)
	m = press(m, "tab", "up", "up")
	if m.feed.follow {
		t.Fatal("still following after moving up")
	}
	l, _ := m.feed.selected()
	snap := testSnapshot()
	snap.Feed = append(snap.Feed[1:], monitor.FeedLine{Time: t0 + 1e9, Summary: "BYE", Trunk: "new-b"})
	m = send(m, SnapshotMsg{Snap: snap})
	if got, _ := m.feed.selected(); got.Summary != l.Summary || got.Time != l.Time {
		t.Fatalf("cursor moved from %q to %q", l.Summary, got.Summary)
	}
	m = press(m, "G")
	if !m.feed.follow {
		t.Fatal("end does not follow again")
	}
}

func TestAlertsPane(t *testing.T) {
	t.Parallel()
	each(t, Options{}, func(t *testing.T, m Model) {
		scr := screen(m)
		mustContain(t, scr, "ALERTS", "2 open", "1 closed")
		crit := lineWith(t, scr, "CRIT", "codec488", "new-b", "1m30s")
		warn := lineWith(t, scr, "WARN", "zombie", "+15551230002", "4m00s")
		done := lineWith(t, scr, "done", "trunk_silent", "15m00s")
		lines := strings.Split(scr, "\n")
		if idx(lines, crit) > idx(lines, warn) || idx(lines, warn) > idx(lines, done) {
			t.Error("open alerts are not listed first")
		}
		raw := m.View().Content
		if !strings.Contains(raw, m.c.st.SevCritical.Render("CRIT")) {
			t.Error("critical alert not coloured")
		}
	})
}

func idx(lines []string, l string) int {
	for i, x := range lines {
		if x == l {
			return i
		}
	}
	return -1
}

func TestWindowCycles(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	mustContain(t, screen(m), "5m window")
	m = press(m, "w")
	scr := screen(m)
	mustContain(t, scr, "15m window")
	lineWith(t, scr, "legacy-a", " 29 ") // 440 attempts / 15 min
	m = press(m, "w")
	lineWith(t, screen(m), "legacy-a", " 40 ")
	mustContain(t, screen(m), "1m window")
}

func TestTooSmall(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 79, 24)
	mustContain(t, screen(m), "too small", "80×24", "79×24")
	m = send(m, tea.WindowSizeMsg{Width: 80, Height: 23})
	mustContain(t, screen(m), "too small")
	m = send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	mustContain(t, screen(m), "TRUNKS")
}

func TestEmptyScreen(t *testing.T) {
	t.Parallel()
	m := send(New(Options{}), tea.WindowSizeMsg{Width: 80, Height: 24})
	mustContain(t, screen(m), "no trunks yet", "no numbers yet", "no SIP yet", "no alerts", "--:--:--")
}

func TestNumbersFilterByServingTrunk(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	m = press(m, "/")
	m = typeText(m, "NEW-B")
	m = press(m, "enter")
	rows := numberRows(screen(m))
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "+15551230001") || !strings.HasPrefix(rows[1], "+15551230003") {
		t.Fatalf("numbers served by new-b: %q", rows)
	}
	m = press(m, "/")
	m = send(m, tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	m = press(m, "enter")
	if rows := numberRows(screen(m)); len(rows) != 4 {
		t.Fatalf("ctrl+u did not erase the filter: %q", rows)
	}
}

func TestAlertsCursorFollowsAlert(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	m = press(m, "tab", "tab", "down") // alerts: the zombie
	snap := testSnapshot()
	snap.Alerts = append([]monitor.AlertView{{AlertChange: monitor.AlertChange{
		Rule: "ner_drop", Subject: "legacy-a", Open: true, Severity: monitor.SevWarning}, Opened: t0}}, snap.Alerts...)
	m = send(m, SnapshotMsg{Snap: snap})
	m = press(m, "enter")
	if m.detail == nil || m.detail.id != "+15551230002" {
		t.Fatalf("detail %+v", m.detail)
	}
}

// TestAlertsNewestOpenStaysInView: until the operator moves in the alerts
// pane, its top row is the newest open alert, however the list changes
// (an alert followed as it closed used to scroll the open ones away).
func TestAlertsNewestOpenStaysInView(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 24)
	m = send(m, SnapshotMsg{Snap: testSnapshot()})
	snap := testSnapshot()
	first := snap.Alerts[0]
	closed := first
	closed.Open, closed.Closed = false, t0+1
	rest := append([]monitor.AlertView{}, snap.Alerts[1:]...)
	snap.Alerts = append([]monitor.AlertView{{AlertChange: monitor.AlertChange{
		Rule: "codec488", Subject: "trunk-z", Open: true, Severity: monitor.SevCritical}, Opened: t0}}, append(rest, closed)...)
	m = send(m, SnapshotMsg{Snap: snap})
	if m.alerts.cursor != 0 || m.alerts.offset != 0 {
		t.Fatalf("cursor %d offset %d: the newest open alert is not in view", m.alerts.cursor, m.alerts.offset)
	}
	if !strings.Contains(m.View().Content, "trunk-z") {
		t.Fatalf("newest open alert not on screen:\n%s", m.View().Content)
	}
}
