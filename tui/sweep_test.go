package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

type fakeSweeper struct {
	started [][]string
	err     error
}

func (f *fakeSweeper) SweepTitle(nums []string) (string, error) {
	return fmt.Sprintf("a test-call sweep of %d numbers at 2 calls/s, 4 at once, from +15550000000", len(nums)), f.err
}

func (f *fakeSweeper) StartSweep(nums []string) (string, error) {
	f.started = append(f.started, nums)
	return "sw-1", nil
}

// T asks y/N, saying how many numbers, at what rate, from which number;
// anything but y starts nothing; y sweeps the numbers the filter shows;
// the notice follows the sweep; the numbers table shows each verdict.
func TestSweepKey(t *testing.T) {
	t.Parallel()
	sw := &fakeSweeper{}
	m := newTestModel(t, Options{Mode: ModeLive, Sweeper: sw}, 200, 40)
	mustContain(t, screen(m), "T sweep")
	m = press(m, "T")
	mustContain(t, screen(m), "T: sweep of 4 numbers at 2 calls/s, 4 at once, from +15550000000? [y/N]")
	m = press(m, "n")
	if len(sw.started) != 0 {
		t.Fatalf("n started a sweep: %v", sw.started)
	}
	mustNotContain(t, screen(m), "[y/N]")
	m = press(m, "/")
	m = typeText(m, "PR-1")
	m = press(m, "enter", "T")
	mustContain(t, screen(m), "sweep of 2 numbers")
	m = press(m, "enter") // Enter is No too
	if len(sw.started) != 0 {
		t.Fatalf("enter started a sweep: %v", sw.started)
	}
	m = press(m, "T", "y")
	if len(sw.started) != 1 || strings.Join(sw.started[0], " ") != "+15551230001 +15551230002" {
		t.Fatalf("started %v, want the two numbers of PR-1", sw.started)
	}
	snap := testSnapshot()
	snap.Now += int64(time.Second)
	snap.Sweeps = []monitor.SweepView{{ID: "sw-1", Total: 2, New: 1}}
	snap.Numbers[0].SweepIn = monitor.SweepResult{Sweep: "sw-1", Verdict: monitor.SweepLandedNew, Trunk: "new-b", Code: 200}
	m = send(m, SnapshotMsg{Snap: snap, Stats: testStats()})
	mustContain(t, screen(m), "sweep 1/2: new 1 legacy 0 never 0 failed 0")
	snap2 := testSnapshot()
	snap2.Now += int64(2 * time.Second)
	snap2.Sweeps = []monitor.SweepView{{ID: "sw-1", Total: 2, New: 1, Legacy: 1}}
	snap2.Numbers[0].SweepIn = snap.Numbers[0].SweepIn
	snap2.Numbers[1].SweepIn = monitor.SweepResult{Sweep: "sw-1", Verdict: monitor.SweepLandedLegacy, Trunk: "legacy-a", Code: 200}
	m = send(m, SnapshotMsg{Snap: snap2, Stats: testStats()})
	scr := screen(m)
	mustContain(t, scr, "sweep 2/2 done: 1 new, 1 not: +15551230002")
	mustContain(t, lineWith(t, scr, "+15551230002", "completed"), "LEGACY")
	mustContain(t, lineWith(t, scr, "+15551230001", "completed"), " new")
	m = press(m, "esc", "esc", "/") // the error notice, the old filter; the filter finds numbers by verdict
	m = typeText(m, "landed_legacy")
	m = press(m, "enter")
	scr = screen(m)
	mustContain(t, scr, "NUMBERS  1/4")

	// Without a caller the screen says why, and asks nothing.
	sw.err = errors.New("a sweep calls from [probes] test_call_from, which the file does not set")
	m = press(m, "esc", "T")
	mustContain(t, screen(m), "T: a sweep calls from [probes] test_call_from")
	mustNotContain(t, screen(m), "[y/N]")

	plain := newTestModel(t, Options{Mode: ModeReplay}, 120, 30)
	mustNotContain(t, screen(plain), "T sweep")
}

// At 80 columns the question gives way and [y/N] stays on screen.
func TestSweepQuestionAt80(t *testing.T) {
	t.Parallel()
	sw := &fakeSweeper{}
	m := newTestModel(t, Options{Mode: ModeLive, Sweeper: sw}, 80, 24)
	m = press(m, "T")
	mustContain(t, screen(m), "T: sweep of 4 numbers", "[y/N]")
	for _, l := range strings.Split(screen(m), "\n") {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("a line of %d columns: %q", w, l)
		}
	}
}
