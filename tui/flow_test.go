package tui

import (
	"bytes"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// End-to-end flows through a real tea.Program (teatest): the program gets
// snapshots and keys as the cmd would send them. Each flow waits on what a
// person would look for, then quits with q and compares the final screen,
// as plain text, with a golden file in testdata (go test -update rewrites
// them).

// recorder wraps the Model and keeps the last screen it drew as plain
// text, so a flow can wait for content whatever the renderer's diffing
// writes to the terminal.
type recorder struct {
	Model
	last *atomic.Pointer[string]
}

func (r recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := r.Model.Update(msg)
	r.Model = m.(Model)
	return r, cmd
}

func (r recorder) View() tea.View {
	v := r.Model.View()
	s := stripANSI(v.Content)
	r.last.Store(&s)
	return v
}

type flow struct {
	t   *testing.T
	tm  *teatest.TestModel
	rec recorder
}

const flowWait = 5 * time.Second

func startFlow(t *testing.T, o Options, w, h int) *flow {
	t.Helper()
	m := New(o)
	// A flow's messages stay until replaced, as on a machine slow enough to
	// take the flash's seconds between two steps; expiry is tested on the
	// model (components_test.go), with the tick's message fed by hand.
	m.c.tick = heldTick
	rec := recorder{Model: m, last: new(atomic.Pointer[string])}
	tm := teatest.NewTestModel(t, rec,
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)),
	)
	f := &flow{t: t, tm: tm, rec: rec}
	tm.Send(SnapshotMsg{Snap: testSnapshot(), Stats: testStats()})
	// The first full frame reaches the terminal.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("acme-night"))
	}, teatest.WithDuration(flowWait))
	return f
}

// waitFor waits until the screen shows all of subs.
func (f *flow) waitFor(subs ...string) {
	f.t.Helper()
	f.waitUntil(func(s string) bool {
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				return false
			}
		}
		return true
	}, subs)
}

// waitGone waits until the screen no longer shows sub.
func (f *flow) waitGone(sub string) {
	f.t.Helper()
	f.waitUntil(func(s string) bool { return !strings.Contains(s, sub) }, "no "+sub)
}

func (f *flow) waitUntil(ok func(string) bool, what any) {
	f.t.Helper()
	deadline := time.Now().Add(flowWait)
	for time.Now().Before(deadline) {
		if s := f.rec.last.Load(); s != nil && ok(*s) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	s := f.rec.last.Load()
	if s == nil {
		empty := ""
		s = &empty
	}
	f.t.Fatalf("timed out waiting for %v; screen:\n%s", what, *s)
}

func (f *flow) keys(keys ...string) {
	for _, k := range keys {
		f.tm.Send(keyMsg(k))
	}
}

// quit presses q and returns the final screen as plain text.
func (f *flow) quit() string {
	f.t.Helper()
	f.keys("q")
	fm := f.tm.FinalModel(f.t, teatest.WithFinalTimeout(flowWait))
	return stripANSI(fm.View().Content)
}

func TestFlowFilterNumbers(t *testing.T) {
	t.Parallel()
	f := startFlow(t, Options{Mode: ModeLive, RecordingPath: "night.db"}, 80, 24)
	f.keys("/")
	f.tm.Type("zombie")
	f.waitFor("/zombie▏", "filter /zombie")
	f.keys("enter")
	f.waitFor("1/4", "filter: zombie")
	golden.RequireEqual(t, f.quit())
}

func TestFlowHelp(t *testing.T) {
	t.Parallel()
	f := startFlow(t, Options{Mode: ModeReplay, RecordingPath: "night.db", Player: &fakePlayer{speed: 60}}, 80, 24)
	f.keys("?")
	f.waitFor("HELP", "page down", "play/pause")
	golden.RequireEqual(t, f.quit())
}

func TestFlowDetailAndBack(t *testing.T) {
	t.Parallel()
	f := startFlow(t, Options{Mode: ModeDemo}, 160, 48)
	f.keys("s", "s") // worst drop rate first
	f.waitFor("sort drop %")
	f.keys("enter")
	f.waitFor("NUMBER +15551230003", "calls land on", "drop_rate")
	f.keys("esc")
	f.waitFor("NUMBERS", "sort drop %")
	f.keys("shift+tab", "enter")
	f.waitFor("TRUNK legacy-a", "failed 403", "last 15m")
	golden.RequireEqual(t, f.quit())
}

func TestFlowReplayEnds(t *testing.T) {
	t.Parallel()
	p := &atomicPlayer{}
	p.SetSpeed(60)
	f := startFlow(t, Options{Mode: ModeReplay, RecordingPath: "night.db", Player: p}, 80, 24)
	f.keys("space")
	f.waitFor("⏸ paused ×60")
	f.keys("space", "+")
	f.waitFor("▶ ×120")
	f.tm.Send(DoneMsg{Err: errors.New("recording truncated")})
	f.waitFor("ended", "recording truncated")
	f.waitGone("play/pause")
	golden.RequireEqual(t, f.quit())
}

// atomicPlayer is a Player safe to read from the test goroutine while the
// program runs.
type atomicPlayer struct {
	paused atomic.Bool
	speed  atomic.Uint64 // float64 bits
}

func (p *atomicPlayer) TogglePause() { p.paused.Store(!p.paused.Load()) }
func (p *atomicPlayer) Paused() bool { return p.paused.Load() }
func (p *atomicPlayer) SetSpeed(s float64) {
	p.speed.Store(uint64(s * 1000))
}
func (p *atomicPlayer) Speed() float64 { return float64(p.speed.Load()) / 1000 }
