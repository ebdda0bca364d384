package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"cmp"

	"github.com/cutover/cutover/monitor"
)

// mode is what the keyboard drives now. There is exactly one; the root
// routes every key by it, to the component that owns the mode.
type mode int

const (
	modeNormal mode = iota // the dashboard: keys go to the focused pane
	modeDetail             // the detail of a trunk, number, action or note (detailView)
	modeHelp               // the full help (helpView), over the dashboard or a detail
	modeFilter             // typing the focused pane's filter in the footer (filterInput)
	modePrompt             // typing a time or a note in the footer (prompt)
	modeDialog             // an action's dialog over the dashboard (dialog)
	modeLadder             // a call's ladder and messages (ladderView)
)

// handleKey routes a key by the mode. An error on the status line stays
// until Esc dismisses it (on the dashboard that Esc does nothing else) or
// another message replaces it: an operator typing fast must not lose it.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	defer m.syncKeys()
	if k.Code == tea.KeyEscape {
		shown := m.status.level == flashError && m.status.text != "" || m.notice.level == flashError && m.notice.text != ""
		m.status.dismiss()
		m.notice.dismiss()
		if shown && m.mode == modeNormal {
			return nil
		}
	}
	switch m.mode {
	case modeFilter:
		return m.filterKey(k)
	case modePrompt:
		return m.promptKey(k)
	case modeDialog:
		return m.dialogKey(k)
	case modeHelp:
		return m.helpKey(k)
	}
	return m.screenKey(k)
}

// handlePaste gives a paste to the text being typed, if any.
func (m *Model) handlePaste(p tea.PasteMsg) tea.Cmd {
	defer m.syncKeys()
	switch m.mode {
	case modeFilter:
		return m.filter.Update(p)
	case modePrompt:
		return m.prompt.Update(p)
	}
	return nil
}

// screenKey handles a key on the dashboard or the detail view: the global
// keys first, then the detail or the focused pane.
func (m *Model) screenKey(k tea.KeyPressMsg) tea.Cmd {
	keys := m.c.keys
	switch {
	case key.Matches(k, keys.Quit):
		return tea.Quit
	case key.Matches(k, keys.Help):
		m.under, m.mode = m.mode, modeHelp
		m.helpv.done = false
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
		m.openPrompt(promptNote)
	case key.Matches(k, keys.GoTo):
		m.openPrompt(promptTime)
	case key.Matches(k, keys.Command):
		m.openCommand()
	case m.o.Seeker != nil && m.seekKey(k):
		m.readPlayer()
	case m.mode == modeLadder:
		return m.ladderKey(k)
	case m.mode == modeDetail:
		cmd := m.detail.Update(k)
		if m.detail.done {
			m.detail, m.mode = nil, modeNormal
		}
		return cmd
	case m.showBoard && m.mode == modeNormal:
		if cmd, ok := m.boardKey(k); ok {
			return cmd
		}
		return m.actionKey(k)
	case key.Matches(k, keys.Board):
		m.toggleBoard()
	case key.Matches(k, keys.NextPane):
		m.moveFocus(1)
	case key.Matches(k, keys.PrevPane):
		m.moveFocus(-1)
	case key.Matches(k, keys.Filter):
		if f, ok := m.focused().(filterable); ok {
			m.filter.open(f)
			m.mode = modeFilter
		}
	case key.Matches(k, keys.TestCall):
		return m.testCall()
	case key.Matches(k, keys.Sweep):
		return m.sweepKey()
	case keys.isActionKey(k) || key.Matches(k, keys.Actions) || key.Matches(k, keys.Ack):
		return m.actionKey(k)
	default:
		return m.focused().Update(k)
	}
	return nil
}

// actionKey handles the action keys (and a, the actions pane): each
// opens its dialog, on what the board or the focused pane has selected.
func (m *Model) actionKey(k tea.KeyPressMsg) tea.Cmd {
	keys := m.c.keys
	switch {
	case key.Matches(k, keys.Failover):
		return m.failoverKey(reqFailover)
	case key.Matches(k, keys.Restore):
		return m.failoverKey(reqRestore)
	case key.Matches(k, keys.Outbound):
		return m.outboundKey()
	case key.Matches(k, keys.Undo):
		return m.undoKey()
	case key.Matches(k, keys.Port):
		return m.portKey()
	case key.Matches(k, keys.Actions):
		m.setShowActions(!m.showActions)
	case key.Matches(k, keys.Ack):
		m.ackKey()
	case m.o.Actor == nil && keys.isActionKey(k):
		m.setStatus(cmp.Or(m.o.NoActions, "no actions here"), false)
	}
	return nil
}

// helpKey: q quits, ? and esc close the help, the rest scroll it.
func (m *Model) helpKey(k tea.KeyPressMsg) tea.Cmd {
	if key.Matches(k, m.c.keys.Quit) {
		return tea.Quit
	}
	cmd := m.helpv.Update(k)
	if m.helpv.done {
		m.mode = m.under
	}
	return cmd
}

// filterKey: ctrl+c quits; the rest edit the filter until Enter or Esc.
func (m *Model) filterKey(k tea.KeyPressMsg) tea.Cmd {
	if key.Matches(k, m.c.keys.Quit) {
		return tea.Quit
	}
	cmd := m.filter.Update(k)
	if m.filter.done {
		m.mode = modeNormal
	}
	return cmd
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
	m.detail = newDetailView(m.c, kind, msg.id)
	switch m.mode {
	case modePrompt, modeFilter, modeDialog: // it shows once they close
		m.under = modeDetail
	default: // over the help too: the help closes
		m.mode = modeDetail
	}
	m.syncKeys()
}

// showsDetail reports whether the body is the detail view: open, or under
// the help or a prompt.
func (m *Model) showsDetail() bool {
	switch m.mode {
	case modeDetail:
		return true
	case modeHelp, modePrompt:
		return m.under == modeDetail
	}
	return false
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
