package tui

import (
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
)

// Playback speeds: +/- double and halve between minSpeed and maxSpeed;
// one step above maxSpeed is 0, as fast as possible.
const (
	minSpeed = 1.0 / 8
	maxSpeed = 4096
)

// handleKey routes a key: global keys first, then the mode (filter, help,
// detail), then the focused pane.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	defer m.syncKeys()
	keys := m.c.keys
	if m.c.typing != focusNone {
		return m.handleFilterKey(k)
	}
	if m.prompt != promptNone {
		return m.handlePromptKey(k)
	}
	if m.dlg != nil {
		return m.dialogKey(k)
	}
	switch {
	case key.Matches(k, keys.Quit):
		return tea.Quit
	case key.Matches(k, keys.Help):
		m.showHelp = !m.showHelp
	case m.showHelp:
		if key.Matches(k, keys.Back) {
			m.showHelp = false
		}
	case key.Matches(k, keys.Window):
		m.c.win = (m.c.win + 1) % len(monitor.Windows)
		m.numbers.derive()
	case key.Matches(k, keys.Pause):
		m.o.Player.TogglePause()
		m.readPlayer()
	case key.Matches(k, keys.Faster):
		m.o.Player.SetSpeed(faster(m.o.Player.Speed()))
		m.readPlayer()
	case key.Matches(k, keys.Slower):
		m.o.Player.SetSpeed(slower(m.o.Player.Speed()))
		m.readPlayer()
	case key.Matches(k, keys.Note):
		m.prompt, m.typed = promptNote, ""
	case key.Matches(k, keys.GoTo):
		m.prompt, m.typed = promptTime, ""
	case m.o.Seeker != nil && m.seekKey(k):
		m.readPlayer()
	case m.detail != nil:
		m.detailKey(k)
	case key.Matches(k, keys.NextPane):
		m.moveFocus(1)
	case key.Matches(k, keys.PrevPane):
		m.moveFocus(-1)
	case key.Matches(k, keys.Filter):
		m.c.typing = m.focus
	case key.Matches(k, keys.TestCall):
		return m.testCall()
	case key.Matches(k, keys.Failover):
		return m.failoverKey(reqFailover)
	case key.Matches(k, keys.Restore):
		return m.failoverKey(reqRestore)
	case key.Matches(k, keys.Outbound):
		return m.outboundKey()
	case key.Matches(k, keys.Undo):
		return m.undoKey()
	case key.Matches(k, keys.Actions):
		m.setShowActions(!m.showActions)
	case m.o.Actor == nil && keys.isActionKey(k):
		m.status, m.statusOK = firstOf(m.o.NoActions, "no actions here"), false
	default:
		return m.focused().Update(k)
	}
	return nil
}

// handleFilterKey edits the focused pane's filter: it applies as it is
// typed, Enter keeps it, Esc clears it.
func (m *Model) handleFilterKey(k tea.KeyPressMsg) tea.Cmd {
	f, ok := m.focused().(filterable)
	if !ok {
		m.c.typing = focusNone
		return nil
	}
	keys := m.c.keys
	switch {
	case key.Matches(k, keys.Quit):
		return tea.Quit
	case key.Matches(k, keys.Enter):
		m.c.typing = focusNone
	case key.Matches(k, keys.Back):
		m.c.typing = focusNone
		f.setFilter("")
	case k.Code == tea.KeyBackspace:
		s := f.filterText()
		_, n := utf8.DecodeLastRuneInString(s)
		f.setFilter(s[:len(s)-n])
	case key.Matches(k, keys.Erase):
		f.setFilter("")
	case k.Text != "":
		f.setFilter(f.filterText() + k.Text)
	}
	return nil
}

// detailKey handles a key while the detail view is open.
func (m *Model) detailKey(k tea.KeyPressMsg) {
	if key.Matches(k, m.c.keys.Back) {
		m.detail = nil
		return
	}
	// The title stays put; the rest scrolls by whole pages of the body.
	page := max(m.lay.body.h-1, 1)
	last := max(len(m.detailContent())-1-page, 0)
	m.detail.scroll = moveCursor(m.c.keys, k, m.detail.scroll, last+1, page)
}

// openDetailMsg asks the root to open the detail view of a trunk or number.
type openDetailMsg struct {
	kind detailKind
	id   string
}

// openDetail is the command a pane returns to open the detail view.
func openDetail(kind detailKind, id string) tea.Cmd {
	return func() tea.Msg { return openDetailMsg{kind: kind, id: id} }
}

func (m *Model) openDetail(msg openDetailMsg) {
	kind := msg.kind
	if kind == detailAny {
		kind = m.resolveSubject(msg.id)
	}
	m.detail = &detailView{kind: kind, id: msg.id}
	m.showHelp = false
	m.syncKeys()
}

// resolveSubject says whether an alert's subject is a trunk or a number.
func (m *Model) resolveSubject(id string) detailKind {
	if m.snap != nil {
		for i := range m.snap.Trunks {
			if m.snap.Trunks[i].Name == id {
				return detailTrunk
			}
		}
	}
	return detailNumber
}

// faster doubles the speed; beyond maxSpeed it is 0 (as fast as possible).
func faster(s float64) float64 {
	switch {
	case s == 0:
		return 0
	case s*2 > maxSpeed:
		return 0
	case s < minSpeed:
		return minSpeed
	}
	return s * 2
}

// slower halves the speed, down to minSpeed; from "as fast as possible" it
// steps down to maxSpeed.
func slower(s float64) float64 {
	switch {
	case s == 0:
		return maxSpeed
	case s/2 < minSpeed:
		return minSpeed
	}
	return s / 2
}

// setShowActions puts the actions pane in the alerts' place (on) or takes
// it away; stacked, it hides the feed too, so focus leaves the feed for it.
func (m *Model) setShowActions(on bool) {
	m.showActions = on
	if m.lay.width > 0 {
		m.resize(m.lay.width, m.lay.height)
	}
	if on && !m.lay.wide && m.focus == focusFeed {
		m.focus = focusAlerts
	}
}

// moveFocus moves to the next (dir 1) or previous (-1) pane on screen: on
// a narrow screen the actions pane takes the feed's place too.
func (m *Model) moveFocus(dir int) {
	for {
		m.focus = (m.focus + focus(dir) + numFocus) % numFocus
		if m.focus != focusFeed || !m.showActions || m.lay.wide {
			return
		}
	}
}

// firstOf is the first of s that is not empty.
func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
