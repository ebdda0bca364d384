package tui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// filterHistory is how many kept filters ↑ recalls.
const filterHistory = 20

// filterInput is the focused pane's filter being typed in the footer. It
// applies as it is typed; Enter keeps it (and adds it to the history),
// Esc clears it, ctrl+u erases it, ↑/↓ recall the filters kept before.
// One history serves every pane.
type filterInput struct {
	c      *shared
	in     field
	target filterable // the pane being filtered
	hist   []string   // kept filters, oldest first
	at     int        // the recalled entry; len(hist) when typing anew
	draft  string     // what was typed before ↑
	done   bool       // Enter or Esc: typing is over
}

func newFilterInput(c *shared) *filterInput { return &filterInput{c: c, in: newField()} }

// open starts typing target's filter, from what it is now.
func (f *filterInput) open(target filterable) {
	f.target, f.done = target, false
	f.in.set(target.filterText())
	f.at, f.draft = len(f.hist), ""
}

// Update edits the filter with a key or a paste.
func (f *filterInput) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	keys := f.c.keys
	k, isKey := msg.(tea.KeyPressMsg)
	switch {
	case isKey && key.Matches(k, keys.Enter):
		f.keep(f.in.value())
		f.done = true
		return nil
	case isKey && key.Matches(k, keys.Back):
		f.target.setFilter("")
		f.done = true
		return nil
	case isKey && key.Matches(k, keys.Erase):
		f.in.set("")
	case isKey && key.Matches(k, keys.Older):
		f.recall(-1)
	case isKey && key.Matches(k, keys.Newer):
		f.recall(+1)
	default:
		cmd = f.in.update(msg)
	}
	if v := f.in.value(); v != f.target.filterText() {
		f.target.setFilter(v)
	}
	return cmd
}

// recall moves through the history: dir -1 to an older filter, +1 to a
// newer one and, past the newest, back to what was being typed.
func (f *filterInput) recall(dir int) {
	at := clamp(f.at+dir, 0, len(f.hist))
	if at == f.at {
		return
	}
	if f.at == len(f.hist) {
		f.draft = f.in.value()
	}
	f.at = at
	if at == len(f.hist) {
		f.in.set(f.draft)
		return
	}
	f.in.set(f.hist[at])
}

// keep adds a filter to the history, newest last, once.
func (f *filterInput) keep(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	f.hist = slices.DeleteFunc(f.hist, func(h string) bool { return h == s })
	f.hist = append(f.hist, s)
	if len(f.hist) > filterHistory {
		f.hist = slices.Delete(f.hist, 0, len(f.hist)-filterHistory)
	}
}

// view is the footer while the filter is typed.
func (f *filterInput) view(w int) string {
	st := f.c.st
	line := st.Accent.Render("filter /") + st.Bold.Render(f.in.withCursor()) +
		st.Muted.Render("   enter apply · esc clear · ctrl+u erase · ↑/↓ earlier")
	return fit(line, w)
}
