package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/termsafe"
)

// promptKind is what is being typed in the footer.
type promptKind int

const (
	promptTime    promptKind = iota // t: a time to go to
	promptNote                      // n: an operator note
	promptAck                       // A: acknowledge (empty) or silence (a duration) an alert
	promptSweep                     // T: y/N for a test-call sweep (sweep.go)
	promptCommand                   // :, the command line (command.go)
)

// prompt is a time or a note being typed in the footer: Enter submits,
// Esc cancels; the text has a cursor and takes a paste.
type prompt struct {
	c      *shared
	kind   promptKind
	in     field
	done   bool // Enter or Esc: typing is over
	submit bool // it was Enter

	question string // promptSweep: what y starts

	targets []string // promptCommand: the failover targets tab completes
	cands   []string // promptCommand: the last tab's candidates
}

func newPrompt(c *shared, kind promptKind) *prompt {
	return &prompt{c: c, kind: kind, in: newField()}
}

// Update edits the text with a key or a paste.
func (p *prompt) Update(msg tea.Msg) tea.Cmd {
	keys := p.c.keys
	if k, ok := msg.(tea.KeyPressMsg); ok && p.kind == promptSweep { // y starts it; any other key is No
		p.done, p.submit = true, k.String() == "y" || k.String() == "Y"
		return nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, keys.Back):
			p.done = true
			return nil
		case key.Matches(k, keys.Enter):
			p.done, p.submit = true, true
			return nil
		case key.Matches(k, keys.Erase):
			p.in.set("")
			return nil
		case p.kind == promptCommand && k.Code == tea.KeyTab:
			p.completeCommand()
			return nil
		}
	}
	return p.in.update(msg)
}

// text is what was typed, trimmed.
func (p *prompt) text() string { return strings.TrimSpace(p.in.value()) }

// view is the footer while typing.
func (p *prompt) view(w int) string {
	st := p.c.st
	label, hint := "go to ", "   HH:MM[:SS] UTC · enter go · esc cancel"
	if p.kind == promptSweep { // the question gives way, never the [y/N]
		q := "T: " + strings.TrimPrefix(p.question, "a test-call ") + "? "
		if len(q) > w-5 { // ASCII: bytes are cells
			q = fit(q, max(w-5, 0))
		}
		return fit(st.Accent.Render(q)+st.Bold.Render("[y/N]"), w)
	}
	switch p.kind {
	case promptNote:
		label, hint = "note at "+clock(p.c.now, "15:04:05")+" ", "   enter save · esc cancel"
	case promptCommand:
		label, hint = ":", p.commandHint()
	case promptAck:
		a := p.c.ackOn
		label, hint = termsafe.Line(string(a.Rule)+" "+a.Subject)+" silence for ", "   enter ack · 30m/2h silence · 0 lift · esc"
	}
	return fit(st.Accent.Render(label)+st.Bold.Render(p.in.withCursor())+st.Muted.Render(hint), w)
}

// openPrompt starts typing a time or a note over what is on screen.
func (m *Model) openPrompt(kind promptKind) {
	m.prompt = newPrompt(m.c, kind)
	m.under, m.mode = m.mode, modePrompt
}

// promptKey routes a key to the prompt, and submits or drops what was
// typed when it is done.
func (m *Model) promptKey(k tea.KeyPressMsg) tea.Cmd {
	if key.Matches(k, m.c.keys.Quit) {
		return tea.Quit
	}
	p := m.prompt
	cmd := p.Update(k)
	if !p.done {
		return cmd
	}
	m.prompt, m.mode = nil, m.under
	if p.kind == promptSweep && p.submit {
		return m.startSweep()
	}
	if !p.submit || p.text() == "" && p.kind != promptAck { // an empty ack prompt acknowledges
		return nil
	}
	return m.submitPrompt(p.kind, p.text())
}

func (m *Model) submitPrompt(kind promptKind, text string) tea.Cmd {
	if kind == promptAck {
		return m.submitAck(text)
	}
	if kind == promptCommand {
		return m.runCommand(text)
	}
	if kind == promptTime {
		t, err := monitor.ParseTime(text, m.tl.Start)
		if err != nil {
			m.setStatus(err.Error(), false)
			return nil
		}
		m.o.Seeker.SeekTo(t)
		m.readPlayer()
		return nil
	}
	note, at := m.o.Note, m.c.now
	return func() tea.Msg { return noteSavedMsg{at: at, text: text, err: note(at, text)} }
}

// noteSavedMsg is the outcome of recording a note.
type noteSavedMsg struct {
	at   int64
	text string
	err  error
}

func (m *Model) noteSaved(msg noteSavedMsg) {
	if msg.err != nil {
		m.setStatus("note not saved: "+msg.err.Error(), false)
		return
	}
	m.setStatus("note saved at "+clock(msg.at, "15:04:05"), true)
	if m.snap != nil && m.o.SideNotes != nil { // a paused replay sends no new snapshot to show it
		m.actions.setData(m.snap.Actions, m.notesUpTo(m.snap))
	}
}
