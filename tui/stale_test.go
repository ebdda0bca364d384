package tui

import (
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

// TestHeaderAfterTheNightEnds: once the night has ended (the demo's last
// event folded, its recording closed) the header shows no rate and no red
// recording dot, but that the night ended and the recording is closed.
func TestHeaderAfterTheNightEnds(t *testing.T) {
	t.Parallel()
	for _, w := range []int{80, 200} {
		m := newTestModel(t, Options{Mode: ModeDemo, RecordingPath: "night.db", Player: &fakePlayer{speed: 60}}, w, 24)
		health := lineWith(t, screen(m), "dropped")
		mustContain(t, health, "1,234 ev/s", "● rec 123,000")
		m = send(m, DoneMsg{})
		scr := screen(m)
		mustContain(t, lineWith(t, scr, "DEMO"), "ended")
		health = lineWith(t, scr, "dropped")
		mustNotContain(t, health, "ev/s", "●", "queue")
		mustContain(t, health, "rec closed 123,000", "night.db")
	}
}

// TestHeaderSaysWhatTheWriterDoes: a replay's header and timeline bar say
// when a followed writer has gone quiet, when the recording has no end,
// when the writer ended the night, and at the end of a replay of a
// recording cut short that it was cut short and when.
func TestHeaderSaysWhatTheWriterDoes(t *testing.T) {
	t.Parallel()
	base := replayTimeline()
	live := base
	live.Follow, live.Live, live.Pos = true, true, base.End
	quiet := live
	quiet.Quiet = 7 * time.Second
	noEnd := quiet
	noEnd.Quiet, noEnd.NoEnd = 65*time.Second, true
	gone := quiet
	gone.NoEnd, gone.Gone = true, true
	ended := live
	ended.Ended = base.End + int64(time.Second)
	cut := base
	cut.NoEnd = true
	cutAtEnd := cut
	cutAtEnd.Pos = cut.End
	for _, tc := range []struct {
		name      string
		tl        monitor.Timeline
		header    []string // on the header's first line
		bar       string   // on the timeline bar
		notHeader []string
	}{
		{"live", live, nil, "LIVE", []string{"quiet", "NO END", "ended"}},
		{"quiet", quiet, []string{"writer quiet 7s"}, "QUIET", []string{"NO END"}},
		{"no end", noEnd, []string{"NO END", "writer quiet 1m05s"}, "NO END", nil},
		{"writer gone", gone, []string{"NO END", "writer gone (quiet 7s)"}, "NO END", nil},
		{"ended", ended, []string{"night ended 04:00:01"}, "ENDED", []string{"quiet", "NO END"}},
		{"cut short, playing", cut, nil, "cut short", []string{"CUT SHORT"}},
		{"cut short, at the end", cutAtEnd, []string{"CUT SHORT", "04:00:00"}, "cut short", nil},
	} {
		for _, w := range []int{80, 200} {
			s := &fakeSeeker{tl: tc.tl}
			m := newTestModel(t, Options{Mode: ModeReplay, RecordingPath: "night.db", Player: &fakePlayer{speed: 60}, Seeker: s}, w, 24)
			scr := screen(m)
			head := lineWith(t, scr, "REPLAY")
			mustContain(t, head, tc.header...)
			mustNotContain(t, head, tc.notHeader...)
			if w == 200 && tc.name == "quiet" {
				mustContain(t, head, "last event 04:00:00")
			}
			mustContain(t, lineWith(t, scr, "04:00:00", "─"), tc.bar)
		}
	}
}
