package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cutover/cutover/monitor"
)

// t0 is the event clock of the test snapshots: 2026-03-14 02:14:00 UTC.
var t0 = time.Date(2026, 3, 14, 2, 14, 0, 0, time.UTC).UnixNano()

func stats(attempts, answered, short, legacy, newer int, codes ...monitor.CodeCount) monitor.Stats {
	failed := 0
	for _, c := range codes {
		if c.Code >= 300 {
			failed += c.Count
		}
	}
	return monitor.Stats{
		Attempts: attempts, Completed: attempts, Answered: answered, Failed: failed,
		Effective: answered, Short: short, PDDSum: time.Duration(answered) * 1200 * time.Millisecond,
		PDDCount: answered, Legacy: legacy, New: newer,
		Attest:  monitor.AttestMix{A: answered, B: attempts - answered},
		Stir:    stirMix(answered, attempts-answered),
		Verstat: monitor.VerstatMix{Passed: legacy, Absent: newer},
		Codes:   codes,
	}
}

func win3(s monitor.Stats) [3]monitor.Stats {
	s5, s15 := s, s
	s5.Attempts, s15.Attempts = s.Attempts*4, s.Attempts*11
	return [3]monitor.Stats{s, s5, s15}
}

// testSnapshot is a small cutover night in trouble: the legacy trunk's
// registration is refused with 403, the new trunk's OPTIONS are down, one
// number drops half its calls and another still lands on legacy.
func testSnapshot() *monitor.Snapshot {
	spark := make([]int, monitor.SparkMinutes)
	for i := range spark {
		spark[i] = (i * 7) % 23
	}
	return &monitor.Snapshot{
		Name: "acme-night", Now: t0, Applied: 123456, SIP: 120000,
		Trunks: []monitor.TrunkView{
			{
				Name: "legacy-a", Role: monitor.RoleLegacy, Registration: monitor.RegFailed, RegCode: 403,
				OptionsUp: 1, OptionsRTT: 23 * time.Millisecond, LastSeen: t0 - int64(12*time.Second),
				Win: win3(stats(40, 30, 1, 40, 0, monitor.CodeCount{Code: 200, Count: 30},
					monitor.CodeCount{Code: 503, Count: 6}, monitor.CodeCount{Code: 486, Count: 4})),
				Spark: spark,
			},
			{
				Name: "new-b", Role: monitor.RoleNew, Registration: monitor.RegRegistered,
				RegExpiresAt: t0 + int64(30*time.Minute), OptionsUp: -1, OptionsCode: 408,
				LastSeen: t0 - int64(3*time.Second),
				Win: win3(stats(60, 50, 2, 0, 60, monitor.CodeCount{Code: 200, Count: 50},
					monitor.CodeCount{Code: 488, Count: 10})),
				Spark: spark,
			},
		},
		Numbers: []monitor.NumberView{
			{
				E164: "+15551230001", PortRequestID: "PR-1", PortState: monitor.PortCompleted,
				Serving: "new-b", ServingRole: monitor.RoleNew, LastSeen: t0 - int64(5*time.Second),
				Win: win3(stats(20, 18, 1, 2, 18)),
			},
			{
				E164: "+15551230002", PortRequestID: "PR-1", PortState: monitor.PortCompleted,
				Serving: "legacy-a", ServingRole: monitor.RoleLegacy, LastSeen: t0 - int64(9*time.Second),
				Win: win3(stats(10, 10, 0, 10, 0)), Flags: []string{"zombie"},
			},
			{
				E164: "+15551230003", PortRequestID: "PR-2", PortState: monitor.PortInProgress,
				Serving: "new-b", ServingRole: monitor.RoleNew, LastSeen: t0 - int64(2*time.Second),
				Win: win3(stats(12, 8, 4, 0, 12)), Flags: []string{"drop_rate"},
			},
			{E164: "+15551239999", PortState: monitor.PortPending},
		},
		Alerts: []monitor.AlertView{
			{AlertChange: monitor.AlertChange{Rule: "codec488", Subject: "new-b", Open: true,
				Severity: monitor.SevCritical, Message: "10 of 60 INVITEs refused with 488"},
				Opened: t0 - int64(90*time.Second)},
			{AlertChange: monitor.AlertChange{Rule: "zombie", Subject: "+15551230002", Open: true,
				Severity: monitor.SevWarning, Message: "ported number still lands on legacy-a"},
				Opened: t0 - int64(4*time.Minute)},
			{AlertChange: monitor.AlertChange{Rule: "trunk_silent", Subject: "legacy-a",
				Severity: monitor.SevInfo, Message: "no calls for 2m"},
				Opened: t0 - int64(20*time.Minute), Closed: t0 - int64(15*time.Minute)},
		},
		Feed: []monitor.FeedLine{
			{Time: t0 - 4e9, Trunk: "new-b", Dir: monitor.DirIn, Summary: "INVITE sip:+15551230003@new-b", CallID: "c1", Number: "+15551230003"},
			{Time: t0 - 4e9 + 1e8, Trunk: "new-b", Dir: monitor.DirOut, Summary: "100 Trying", Code: 100, CallID: "c1", Number: "+15551230003"},
			{Time: t0 - 3e9, Trunk: "new-b", Dir: monitor.DirOut, Summary: "488 Not Acceptable Here", Code: 488, CallID: "c1", Number: "+15551230003"},
			{Time: t0 - 2e9, Trunk: "legacy-a", Dir: monitor.DirIn, Summary: "INVITE sip:+15551230002@legacy-a", CallID: "c2", Number: "+15551230002"},
			{Time: t0 - 1e9, Trunk: "legacy-a", Dir: monitor.DirOut, Summary: "200 OK", Code: 200, CallID: "c2", Number: "+15551230002"},
			{Time: t0, Trunk: "legacy-a", Dir: monitor.DirOut, Summary: "503 Service Unavailable", Code: 503, CallID: "c3", Number: "+15551230001"},
		},
	}
}

func testStats() PipelineStats {
	return PipelineStats{EventsPerSec: 1234, Dropped: 17, Queue: 12, QueueCap: 4096, Recorded: 123000}
}

// fakePlayer is a Player for tests.
type fakePlayer struct {
	paused bool
	speed  float64
}

func (p *fakePlayer) TogglePause()       { p.paused = !p.paused }
func (p *fakePlayer) Paused() bool       { return p.paused }
func (p *fakePlayer) SetSpeed(s float64) { p.speed = s }
func (p *fakePlayer) Speed() float64     { return p.speed }

// newTestModel is a model at w×h with the test snapshot.
func newTestModel(t testing.TB, o Options, w, h int) Model {
	t.Helper()
	m := New(o)
	m = send(m, tea.WindowSizeMsg{Width: w, Height: h})
	return send(m, SnapshotMsg{Snap: testSnapshot(), Stats: testStats()})
}

// send feeds msg to the model and runs the commands it returns (except
// quit) until there are none, as the program would; a batch's commands
// run in turn. Ticks are held (an info message does not expire in the
// middle of a test): a test of expiry feeds the tick's message itself.
func send(m Model, msg tea.Msg) Model {
	m.c.tick = heldTick
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		msg, queue = queue[0], queue[1:]
		next, cmd := m.Update(msg)
		m = next.(Model)
		queue = append(queue, run(cmd)...)
	}
	return m
}

// run runs cmd as the program would and returns the messages it yields:
// those of each command of a batch, none for quit or a held tick.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch out := cmd().(type) {
	case nil, tea.QuitMsg, tickDue:
		return nil
	case tea.BatchMsg:
		var msgs []tea.Msg
		for _, c := range out {
			msgs = append(msgs, run(c)...)
		}
		return msgs
	default:
		return []tea.Msg{out}
	}
}

// tickDue is a held tick: the message it would send after d.
type tickDue struct {
	d   time.Duration
	msg tea.Msg
}

func heldTick(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return func() tea.Msg { return tickDue{d: d, msg: fn(time.Time{})} }
}

// press sends keys by name: "enter", "esc", "tab", "space", or one
// character ("s", "/", "?").
func press(m Model, keys ...string) Model {
	for _, k := range keys {
		m = send(m, keyMsg(k))
	}
	return m
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	if len(r) != 1 {
		panic(fmt.Sprintf("unknown key %q", k))
	}
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// typeText types s into the model one key at a time.
func typeText(m Model, s string) Model {
	for _, r := range s {
		m = send(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return m
}

// screen is the model's view as plain text.
func screen(m Model) string { return stripANSI(m.View().Content) }

func stripANSI(s string) string { return ansi.Strip(s) }

// lineWith returns the first screen line containing all of subs.
func lineWith(t testing.TB, scr string, subs ...string) string {
	t.Helper()
	for _, l := range strings.Split(scr, "\n") {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(l, s)
		}
		if ok {
			return l
		}
	}
	t.Fatalf("no line contains %q in:\n%s", subs, scr)
	return ""
}

func mustContain(t testing.TB, scr string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(scr, s) {
			t.Errorf("screen lacks %q:\n%s", s, scr)
		}
	}
}

func mustNotContain(t testing.TB, scr string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(scr, s) {
			t.Errorf("screen has %q but should not:\n%s", s, scr)
		}
	}
}

var sizes = []struct{ w, h int }{{80, 24}, {160, 48}}

// stirMix is valid verdicts and bad signatures, by monitor.StirResults index.
func stirMix(valid, bad int) monitor.StirMix {
	var m monitor.StirMix
	for i, r := range monitor.StirResults {
		switch r {
		case "valid":
			m[i] = valid
		case "bad-signature":
			m[i] = bad
		}
	}
	return m
}
