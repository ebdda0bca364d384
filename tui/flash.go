package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor/termsafe"
)

// flashLevel says how long a status message stays on screen (as k9s's
// flash does): an info message clears itself, an error waits to be seen.
type flashLevel int

const (
	flashInfo  flashLevel = iota // clears itself flashTTL after it was set
	flashError                   // stays until Esc, or until another message replaces it
	flashBusy                    // work under way: stays until its outcome replaces it
)

// flashTTL is how long an info message stays.
const flashTTL = 4 * time.Second

// flash is one transient message in the footer's status line (in replay
// too: the timeline bar above it stays whole). Each message set gets a
// new id; the tick that clears an info message carries it, so a tick left
// over from an older message clears nothing.
type flash struct {
	text  string
	level flashLevel
	id    int
}

// flashExpiredMsg is the tick that ends info message id.
type flashExpiredMsg struct{ id int }

// expire clears the message if it is info message id.
func (f *flash) expire(id int) {
	if f.id == id && f.level == flashInfo {
		*f = flash{}
	}
}

// dismiss clears an error: the operator pressed Esc.
func (f *flash) dismiss() {
	if f.level == flashError {
		*f = flash{}
	}
}

// styled is the message in its colours: info green, an error red. It may
// quote a peer's answer or a reason phrase: shown through termsafe.Line.
func (f flash) styled(st *Styles) string {
	text := termsafe.Line(f.text)
	if f.level == flashInfo {
		return st.OK.Render(text)
	}
	return st.Bad.Render(text)
}

// setStatus shows a message: ok ones are info, the rest errors.
func (m *Model) setStatus(text string, ok bool) {
	level := flashError
	if ok {
		level = flashInfo
	}
	m.flashSeq++
	m.status = flash{text: text, level: level, id: m.flashSeq}
}

// setNotice shows how a test call goes, in the footer beside the help.
func (m *Model) setNotice(text string, level flashLevel) {
	m.flashSeq++
	m.notice = flash{text: text, level: level, id: m.flashSeq}
}

// flashIDs are the ids of the messages on screen, to see what Update set.
func (m *Model) flashIDs() [2]int { return [2]int{m.status.id, m.notice.id} }

// expireFlashes starts the tick that clears each info message set since
// before (nil when none was).
func (m *Model) expireFlashes(before [2]int) tea.Cmd {
	var cmds []tea.Cmd
	for i, f := range []flash{m.status, m.notice} {
		if f.id != before[i] && f.level == flashInfo && f.text != "" {
			id := f.id
			cmds = append(cmds, m.c.tick(flashTTL, func(time.Time) tea.Msg { return flashExpiredMsg{id: id} }))
		}
	}
	return tea.Batch(cmds...)
}

// expireFlash clears the info message a tick was started for.
func (m *Model) expireFlash(msg flashExpiredMsg) {
	m.status.expire(msg.id)
	m.notice.expire(msg.id)
}
