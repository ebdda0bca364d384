package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

// fakeSeeker records what the screen asked for.
type fakeSeeker struct {
	calls []string
	tl    monitor.Timeline
}

func (s *fakeSeeker) SeekTo(t int64)             { s.calls = append(s.calls, fmt.Sprintf("to %d", t)) }
func (s *fakeSeeker) SeekBy(d time.Duration)     { s.calls = append(s.calls, "by "+d.String()) }
func (s *fakeSeeker) SeekEdge(end bool)          { s.calls = append(s.calls, fmt.Sprintf("edge %v", end)) }
func (s *fakeSeeker) SeekMark(dir int)           { s.calls = append(s.calls, fmt.Sprintf("mark %d", dir)) }
func (s *fakeSeeker) Step()                      { s.calls = append(s.calls, "step") }
func (s *fakeSeeker) Timeline() monitor.Timeline { return s.tl }

func replayTimeline() monitor.Timeline {
	start := time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC).UnixNano()
	h := int64(time.Hour)
	return monitor.Timeline{Start: start, End: start + 3*h, Pos: start + h,
		Marks: []monitor.Mark{{Time: start + h/2, Kind: monitor.MarkAlert}, {Time: start + 2*h, Kind: monitor.MarkAction}, {Time: start + 5*h/2, Kind: monitor.MarkNote}}}
}

func TestReplayKeysSteerTheSeeker(t *testing.T) {
	t.Parallel()
	s := &fakeSeeker{tl: replayTimeline()}
	m := newTestModel(t, Options{Mode: ModeReplay, Player: &fakePlayer{speed: 60}, Seeker: s}, 80, 24)
	m = press(m, "right", "z", "left", "[", "]", "g", "G", ".", "t")
	m = typeText(m, "02:30")
	m = press(m, "enter")
	want := []string{"by 10s", "by -1m0s", "mark -1", "mark 1", "edge false", "edge true", "step",
		fmt.Sprintf("to %d", time.Date(2026, 11, 24, 2, 30, 0, 0, time.UTC).UnixNano())}
	if strings.Join(s.calls, "|") != strings.Join(want, "|") {
		t.Fatalf("seeker got %q\nwant %q", s.calls, want)
	}
	scr := screen(m)
	bar := lineWith(t, scr, "02:00:00", "04:00:00")
	for _, c := range []string{"█", "▲", "◆", "•"} {
		if !strings.Contains(bar, c) {
			t.Fatalf("timeline bar %q lacks %s", bar, c)
		}
	}
	if strings.Index(bar, "▲") > strings.Index(bar, "█") || strings.Index(bar, "█") > strings.Index(bar, "◆") {
		t.Fatalf("marks out of place on %q", bar)
	}
	m = press(m, "t")
	m = typeText(m, "half past two")
	m = press(m, "enter")
	mustContain(t, screen(m), `time "half past two"`)
	if len(s.calls) != len(want) {
		t.Fatal("a bad time seeked")
	}
}

func TestNoteKeyRecordsAtTheEventClock(t *testing.T) {
	t.Parallel()
	var got []string
	note := func(at int64, text string) error {
		got = append(got, fmt.Sprintf("%d %s", at, text))
		if text == "fail" {
			return errors.New("disk full")
		}
		return nil
	}
	m := newTestModel(t, Options{Mode: ModeDemo, Note: note}, 80, 24)
	now := testSnapshot().Now
	m = press(m, "n")
	m = typeText(m, "q and j are text here")
	mustContain(t, screen(m), "note at", "q and j are text here")
	m = press(m, "enter")
	if len(got) != 1 || got[0] != fmt.Sprintf("%d q and j are text here", now) {
		t.Fatalf("notes %q", got)
	}
	mustContain(t, screen(m), "note saved")
	m = press(m, "n")
	m = typeText(m, "fail")
	m = press(m, "enter")
	mustContain(t, screen(m), "note not saved: disk full")
	press(m, "n", "x", "esc")
	if len(got) != 2 {
		t.Fatal("esc saved a note")
	}
}

// TestReplayMessagesInTheStatusLine: a bad time typed at `t` (25:99) or an
// action key's refusal goes to the status line at the foot of the screen;
// the timeline bar keeps its marks and its times. An error stays until Esc.
func TestReplayMessagesInTheStatusLine(t *testing.T) {
	t.Parallel()
	s := &fakeSeeker{tl: replayTimeline()}
	m := newTestModel(t, Options{Mode: ModeReplay, Player: &fakePlayer{speed: 60}, Seeker: s,
		NoActions: "replay: read-only (act on the live night with cutover act or cutover watch)"}, 80, 24)
	intact := func(scr string) {
		t.Helper()
		bar := lineWith(t, scr, "02:00:00", "04:00:00")
		for _, c := range []string{"█", "▲", "◆", "•"} {
			if !strings.Contains(bar, c) {
				t.Fatalf("timeline bar %q lost %s", bar, c)
			}
		}
	}
	m = press(m, "t")
	m = typeText(m, "25:99")
	m = press(m, "enter")
	scr := screen(m)
	intact(scr)
	lines := strings.Split(scr, "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "25:99") {
		t.Fatalf("the status line %q does not say what was wrong with 25:99:\n%s", last, scr)
	}
	m = press(m, "f")
	scr = screen(m)
	intact(scr)
	if last := lastLine(scr); !strings.Contains(last, "read-only") {
		t.Fatalf("the status line %q does not give the refusal:\n%s", last, scr)
	}
	m = press(m, "esc")
	if last := lastLine(screen(m)); strings.Contains(last, "read-only") {
		t.Fatalf("Esc left the error on the status line: %q", last)
	}
}

func lastLine(scr string) string {
	lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
	return lines[len(lines)-1]
}
