package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// command types a command line and runs it.
func command(m Model, line string) Model {
	m = press(m, ":")
	m = typeText(m, line)
	return press(m, "enter")
}

// Tab completes a command's name: one candidate whole, several to their
// common prefix with the candidates listed; then :failover's targets.
func TestCommandCompletion(t *testing.T) {
	t.Parallel()
	a := &fakeActor{targets: []string{"sbc-east", "sbc-west", "dns"}}
	m := actorModel(t, a, 120, 30)
	m = press(m, ":")
	m = typeText(m, "fa")
	m = press(m, "tab")
	if got := m.prompt.in.value(); got != "failover " {
		t.Fatalf("fa<tab> = %q", got)
	}
	m = typeText(m, "sbc")
	m = press(m, "tab")
	if got := m.prompt.in.value(); got != "failover sbc-" {
		t.Fatalf("failover sbc<tab> = %q", got)
	}
	lineWith(t, screen(m), ":failover sbc-", "sbc-east sbc-west")
	m = typeText(m, "w")
	m = press(m, "tab", "enter")
	if len(a.planned) != 1 || a.planned[0].Type != reqFailover || a.planned[0].Target != "sbc-west" {
		t.Fatalf("planned %+v, want failover sbc-west only", a.planned)
	}
	mustContain(t, screen(m), "FAIL OVER", "Apply? y / N")

	m = press(m, "n", ":")
	m = typeText(m, "zz")
	m = press(m, "tab")
	if got := m.prompt.in.value(); got != "zz" {
		t.Fatalf("zz<tab> = %q: nothing completes it", got)
	}
	m = press(m, "esc", ":", "tab")
	lineWith(t, screen(m), strings.Join(commands, " "))
}

// :failover and :restore open the same dialog as f and F: the chooser of
// every target without an argument.
func TestCommandFailoverRestore(t *testing.T) {
	t.Parallel()
	a := &fakeActor{targets: []string{"sbc-east", "sbc-west"}}
	m := actorModel(t, a, 120, 30)
	m = command(m, "restore")
	mustContain(t, screen(m), "RESTORE to the new provider", "every target (2)")
	m = press(m, "esc")
	m = command(m, "failover nowhere")
	mustContain(t, screen(m), `:failover: no failover target "nowhere"`)
	if m.dlg != nil || len(a.planned) != 0 {
		t.Fatalf("an unknown target opened a dialog: %+v", a.planned)
	}
	ro := newTestModel(t, Options{NoActions: "read-only: no actions"}, 120, 30)
	mustContain(t, screen(command(ro, "failover")), ":failover: read-only: no actions")
}

// :sweep asks the same y/N as T.
func TestCommandSweep(t *testing.T) {
	t.Parallel()
	sw := &fakeSweeper{}
	m := newTestModel(t, Options{Sweeper: sw}, 200, 40)
	m = command(m, "filter PR-1")
	m = command(m, "sweep")
	mustContain(t, screen(m), "sweep of 2 numbers", "[y/N]")
	press(m, "y")
	if len(sw.started) != 1 || len(sw.started[0]) != 2 {
		t.Fatalf("started %v", sw.started)
	}
	mustContain(t, screen(command(newTestModel(t, Options{}, 120, 30), "sweep")), ":sweep: sweeps need a live watch")
}

// :filter sets the focused pane's filter (the numbers' when the focused
// pane has none), and keeps it in the history ↑ recalls.
func TestCommandFilter(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 120, 30)
	m = command(m, "filter zombie")
	scr := screen(m)
	mustContain(t, scr, "filter: zombie")
	if rows := numberRows(scr); len(rows) != 1 || !strings.HasPrefix(rows[0], "+15551230002") {
		t.Fatalf("filtered rows %q", rows)
	}
	m = press(m, "shift+tab") // trunks: no filter there
	m = command(m, "filter 0003")
	if m.focus != focusNumbers || m.numbers.filter != "0003" {
		t.Fatalf("focus %v, numbers' filter %q", m.focus, m.numbers.filter)
	}
	m = press(m, "/", "up", "up") // the newest kept is 0003
	if got := m.filter.in.value(); got != "zombie" {
		t.Fatalf("↑ recalls %q, want the earlier filter", got)
	}
	m = press(m, "esc")
	m = command(m, "filter")
	if m.numbers.filter != "" {
		t.Fatalf(":filter kept %q", m.numbers.filter)
	}
}

// :goto goes to a time as t does; a bad time says so; outside a replay
// it is refused.
func TestCommandGoto(t *testing.T) {
	t.Parallel()
	s := &fakeSeeker{tl: replayTimeline()}
	m := newTestModel(t, Options{Mode: ModeReplay, Player: &fakePlayer{speed: 60}, Seeker: s}, 80, 24)
	m = command(m, "goto 02:15")
	want := fmt.Sprintf("to %d", time.Date(2026, 11, 24, 2, 15, 0, 0, time.UTC).UnixNano())
	if len(s.calls) != 1 || s.calls[0] != want {
		t.Fatalf("seeker got %q, want %q", s.calls, want)
	}
	m = command(m, "goto noon-ish")
	mustContain(t, screen(m), `time "noon-ish"`)
	if len(s.calls) != 1 {
		t.Fatal("a bad time seeked")
	}
	mustContain(t, screen(command(newTestModel(t, Options{}, 80, 24), "goto 02:15")), ":goto: only in a replay")
}

// :export writes the call of the feed line under the cursor (or the open
// ladder's) with the CallReader, as e does in the ladder.
func TestCommandExport(t *testing.T) {
	t.Parallel()
	calls := &fakeCalls{log: ladderCall("")}
	m := newTestModel(t, Options{Calls: calls}, 120, 30)
	m = command(m, "export")
	if len(calls.exports) != 1 || calls.exports[0] != "c3" {
		t.Fatalf("exports %v, want the feed's last line's call c3", calls.exports)
	}
	mustContain(t, screen(m), "call exported:", "call-c3.pcap")
	mustContain(t, screen(command(newTestModel(t, Options{}, 120, 30), "export")), ":export: no recording")
}

// :help opens the help, :q quits, an unknown command says so.
func TestCommandHelpQuitUnknown(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 120, 30)
	m = command(m, "help")
	if m.mode != modeHelp {
		t.Fatalf("mode %v after :help", m.mode)
	}
	m = press(m, "esc")
	m = press(m, ":")
	m = send(m, tea.PasteMsg{Content: "frobnicate\x1b[2J"})
	m = press(m, "enter")
	scr := screen(m)
	mustContain(t, scr, "unknown command :frobnicate")
	if strings.Contains(m.View().Content, "\x1b[2J") {
		t.Fatal("a typed escape sequence reached the terminal raw")
	}
	for _, q := range []string{"q", "quit"} {
		m = press(m, ":")
		m = typeText(m, q)
		next, cmd := m.Update(keyMsg("enter"))
		m = next.(Model)
		if cmd == nil {
			t.Fatalf(":%s: no command", q)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf(":%s does not quit", q)
		}
	}
}
