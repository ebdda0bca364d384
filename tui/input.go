package tui

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor/termsafe"
)

// field is one line of typed text, for the filter and the prompts: a
// bubbles textinput (cursor movement, word deletion, paste) drawn by the
// screen itself, with a thin bar where the cursor is.
type field struct{ ti textinput.Model }

// cursorBar marks the cursor in typed text.
const cursorBar = "▏"

func newField() field {
	ti := textinput.New()
	ti.Prompt = ""
	ti.SetVirtualCursor(false) // drawn as cursorBar: no blinking, no ticks
	// Tab and the arrows up and down are the screen's (the filter's
	// history), not the textinput's suggestions.
	ti.KeyMap.AcceptSuggestion.SetEnabled(false)
	ti.KeyMap.NextSuggestion.SetEnabled(false)
	ti.KeyMap.PrevSuggestion.SetEnabled(false)
	ti.Focus()
	return field{ti: ti}
}

// update edits the text with a key or a paste (tea.PasteMsg).
func (f *field) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	f.ti, cmd = f.ti.Update(msg)
	return cmd
}

func (f *field) value() string { return f.ti.Value() }

// set replaces the text, the cursor at its end.
func (f *field) set(s string) {
	f.ti.SetValue(s)
	f.ti.CursorEnd()
}

// withCursor is the text with the cursor bar at the cursor; a control
// character pasted into it is shown escaped.
func (f *field) withCursor() string {
	r := []rune(f.ti.Value())
	p := min(max(f.ti.Position(), 0), len(r))
	return termsafe.Line(string(r[:p])) + cursorBar + termsafe.Line(string(r[p:]))
}
