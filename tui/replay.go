package tui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/cutover/cutover/monitor"
)

// Seeker moves a replay in event time; replay.Controller implements it.
// Its methods only post a request and return: the replay does the work.
type Seeker interface {
	SeekTo(t int64)
	SeekBy(d time.Duration)
	SeekEdge(end bool)
	SeekMark(dir int)
	Step()
	Timeline() monitor.Timeline
}

// seekSteps are the ←/→ steps that z cycles through.
var seekSteps = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}

const timelineHeight = 1

// seekKey handles the replay's moves in time; false if k is not one.
func (m *Model) seekKey(k tea.KeyPressMsg) bool {
	keys, s := m.c.keys, m.o.Seeker
	switch {
	case key.Matches(k, keys.SeekBack):
		s.SeekBy(-seekSteps[m.stepIdx])
	case key.Matches(k, keys.SeekFwd):
		s.SeekBy(seekSteps[m.stepIdx])
	case key.Matches(k, keys.StepSize):
		m.stepIdx = (m.stepIdx + 1) % len(seekSteps)
		m.keysHelp()
	case key.Matches(k, keys.PrevMark):
		s.SeekMark(-1)
	case key.Matches(k, keys.NextMark):
		s.SeekMark(+1)
	case key.Matches(k, keys.SeekStart):
		s.SeekEdge(false)
	case key.Matches(k, keys.SeekEnd):
		s.SeekEdge(true)
	case key.Matches(k, keys.Step):
		s.Step()
	default:
		return false
	}
	return true
}

// keysHelp shows the current step in the ←/→ help.
func (m *Model) keysHelp() {
	d := monitor.ShortDur(seekSteps[m.stepIdx])
	m.c.keys.SeekBack.SetHelp("←", "back "+d)
	m.c.keys.SeekFwd.SetHelp("→", "fwd "+d)
}

// timelineBar draws the recording from its first to its last event, the
// alerts (▲), actions (◆) and notes (•) on it, and where the replay is.
func (m Model) timelineBar() string {
	st, w, tl := m.c.st, m.lay.width, m.tl
	left := clock(tl.Pos, "15:04:05") + " "
	right := " " + clock(tl.End, "15:04:05")
	if tl.Seeking {
		right += st.Warn.Render(" seeking…")
	}
	switch {
	case tl.Follow && tl.Ended != 0:
		right += st.Ended.Render(" ENDED ")
	case tl.Follow && tl.NoEnd:
		right += st.Alarm.Render(" NO END ")
	case tl.Follow && tl.Quiet > 0:
		right += st.Warn.Render(" QUIET ")
	case tl.Follow && tl.Live:
		right += st.Live.Render(" LIVE ")
	case tl.Follow:
		right += st.Muted.Render(" behind")
	case tl.NoEnd:
		right += st.Bad.Render(" cut short")
	}
	n := w - len(left) - lipgloss.Width(right)
	if n < 10 || tl.End <= tl.Start {
		return fit(left+right, w)
	}
	cells := []rune(strings.Repeat("─", n))
	kinds := make([]monitor.MarkKind, n)
	col := func(t int64) int { return int(min(max((t-tl.Start)*int64(n-1)/(tl.End-tl.Start), 0), int64(n-1))) }
	for _, mk := range tl.Marks {
		c := col(mk.Time)
		if kinds[c] == 0 || mk.Kind < kinds[c] { // alerts win a shared cell
			kinds[c] = mk.Kind
		}
	}
	var b strings.Builder
	pos := col(tl.Pos)
	for i := range cells {
		switch {
		case i == pos:
			b.WriteString(st.Accent.Render("█"))
		case kinds[i] == monitor.MarkAlert:
			b.WriteString(st.Bad.Render("▲"))
		case kinds[i] == monitor.MarkAction:
			b.WriteString(st.Warn.Render("◆"))
		case kinds[i] == monitor.MarkNote:
			b.WriteString(st.Info.Render("•"))
		default:
			b.WriteString(st.Muted.Render("─"))
		}
	}
	return fit(st.Bold.Render(left)+b.String()+right, w)
}

// writerText is what the header says of a replay's recording beyond
// the events: a follower's writer gone quiet (writer.go in monitor/replay
// says when), a recording with no end (its writer was killed: cut short),
// or, at the end, the night's end as its writer wrote it. "" when there
// is nothing to say. Narrow screens leave out the last event's time.
func (m Model) writerText(w int) string {
	st, tl := m.c.st, m.tl
	if m.o.Seeker == nil {
		return ""
	}
	last, noEnd := "", ""
	if w >= dateWidth {
		last, noEnd = " · last event "+clock(tl.End, "15:04:05"), ": the recording has no end"
	}
	atEnd := !tl.Seeking && tl.End != 0 && tl.Pos >= tl.End
	switch {
	case tl.Ended != 0 && (tl.Follow || atEnd):
		return st.Ended.Render(" night ended " + clock(tl.Ended, "15:04:05") + " ")
	case tl.Follow && tl.NoEnd:
		quiet := " writer quiet " + quietDur(tl.Quiet)
		if tl.Gone {
			quiet = " writer gone (quiet " + quietDur(tl.Quiet) + ")"
		}
		return st.Alarm.Render(" NO END ") + st.Bad.Render(quiet+noEnd+last)
	case tl.Follow && tl.Quiet > 0:
		return st.Warn.Render("⚠ writer quiet " + quietDur(tl.Quiet) + last)
	case !tl.Follow && tl.NoEnd && atEnd:
		cut := " at " + clock(tl.End, "15:04:05")
		if w >= dateWidth {
			cut = " no end recorded: last event " + clock(tl.End, "15:04:05")
		}
		return st.Alarm.Render(" CUT SHORT ") + st.Bad.Render(cut)
	}
	return ""
}

// quietDur is how long a writer has been quiet, in whole seconds: 7s, 1m05s.
func quietDur(d time.Duration) string {
	if d < time.Minute {
		return strconv.Itoa(int(d/time.Second)) + "s"
	}
	return compactDur(d)
}
