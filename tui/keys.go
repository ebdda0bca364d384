package tui

import (
	"slices"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap is every key binding of the screen. It is built once by
// newKeyMap; bindings that do not apply in the current mode or pane are
// disabled (and so drop out of the help) rather than hidden ad hoc.
type KeyMap struct {
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
	Top, Bottom      key.Binding

	NextPane, PrevPane key.Binding
	Enter              key.Binding
	Back               key.Binding
	Request            key.Binding // a number's detail: its port request's

	Filter       key.Binding
	Erase        key.Binding // while typing a filter: erase it
	Older, Newer key.Binding // while typing a filter: recall the filters kept before
	Sort         key.Binding
	Invert       key.Binding // the sort's order reversed
	Window       key.Binding

	Pause, Faster, Slower key.Binding

	// Replay: move in event time (enabled with a Seeker).
	SeekBack, SeekFwd, StepSize key.Binding
	PrevMark, NextMark          key.Binding
	SeekStart, SeekEnd          key.Binding
	Step, GoTo                  key.Binding

	Note     key.Binding // an operator note at the current event time
	TestCall key.Binding // live: test call to the selected number
	Sweep    key.Binding // live: test calls to the numbers shown (sweep.go)

	// Actions (enabled with an Actor): each opens the confirmation dialog,
	// where only Confirm applies.
	Failover, Restore, Outbound, Undo key.Binding
	Port                              key.Binding // set port states by hand
	Confirm                           key.Binding
	Actions                           key.Binding // the actions pane in the alerts' place
	Ack                               key.Binding // acknowledge or silence the alert under the cursor
	Board                             key.Binding // the go/no-go board in the panes' place
	Export                            key.Binding // a call's ladder: export the call to pcap

	Command key.Binding // the : command line (command.go)
	Help    key.Binding
	Quit    key.Binding

	quitKeys []string // Quit's keys outside a filter (keys.toml may change them)
}

// newKeyMap builds the key map; a player enables the playback controls,
// a seeker the replay's moves in time, notes the note key.
func newKeyMap(player, seeker, notes bool) KeyMap {
	k := KeyMap{
		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last")),

		NextPane: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		PrevPane: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "prev pane")),
		Enter:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back/clear")),
		Request:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "port request"), key.WithDisabled()),

		Filter: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Erase:  key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "erase filter"), key.WithDisabled()),
		Older:  key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "earlier filter"), key.WithDisabled()),
		Newer:  key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "later filter"), key.WithDisabled()),
		Sort:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Invert: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "invert")),
		Window: key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "window")),

		Pause:  key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "play/pause")),
		Faster: key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "faster")),
		Slower: key.NewBinding(key.WithKeys("-", "_"), key.WithHelp("-", "slower")),

		SeekBack:  key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "back 10s")),
		SeekFwd:   key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "fwd 10s")),
		StepSize:  key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "step size")),
		PrevMark:  key.NewBinding(key.WithKeys("["), key.WithHelp("[", "prev mark")),
		NextMark:  key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next mark")),
		SeekStart: key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "start")),
		SeekEnd:   key.NewBinding(key.WithKeys("G"), key.WithHelp("G", "end / live")),
		Step:      key.NewBinding(key.WithKeys("."), key.WithHelp(".", "one event")),
		GoTo:      key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "go to")),
		Note:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "note")),
		TestCall:  key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "test call"), key.WithDisabled()),
		Sweep:     key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "sweep"), key.WithDisabled()),

		Failover: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "fail over"), key.WithDisabled()),
		Restore:  key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "restore"), key.WithDisabled()),
		Outbound: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "outbound"), key.WithDisabled()),
		Undo:     key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo mine"), key.WithDisabled()),
		Port:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "port state"), key.WithDisabled()),
		Confirm:  key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "apply"), key.WithDisabled()),
		Actions:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "actions/alerts")),
		Ack:      key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "ack/silence"), key.WithDisabled()),
		Board:    key.NewBinding(key.WithKeys("B"), key.WithHelp("B", "go/no-go board")),
		Export:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "call to pcap"), key.WithDisabled()),

		Command: key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
	k.Pause.SetEnabled(player)
	k.Faster.SetEnabled(player)
	k.Slower.SetEnabled(player)
	for _, b := range k.seekKeys() {
		b.SetEnabled(seeker)
	}
	if seeker { // g/G move in time; the lists keep home/end
		k.Top.SetKeys("home")
		k.Top.SetHelp("home", "first")
		k.Bottom.SetKeys("end")
		k.Bottom.SetHelp("end", "last")
	}
	k.Note.SetEnabled(notes)
	k.quitKeys = k.Quit.Keys()
	return k
}

func (k *KeyMap) seekKeys() []*key.Binding {
	return []*key.Binding{&k.SeekBack, &k.SeekFwd, &k.StepSize, &k.PrevMark, &k.NextMark,
		&k.SeekStart, &k.SeekEnd, &k.Step, &k.GoTo}
}

// ShortHelp is the one-line help in the footer (help.KeyMap).
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{
		k.Help, k.Quit, k.Pause, k.Faster, k.Slower, k.SeekBack, k.SeekFwd, k.PrevMark, k.NextMark, k.Note,
		k.Failover, k.Restore, k.Outbound, k.Undo, k.Port,
		k.NextPane, k.Enter, k.Export, k.Back, k.Request, k.Filter, k.Sort, k.Window, k.TestCall, k.Sweep, k.Actions, k.Ack, k.Board,
	}
}

// FullHelp is the help shown by `?`, one column per group (help.KeyMap).
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.NextPane, k.PrevPane, k.Enter, k.Export, k.Back, k.Request, k.Filter, k.Sort, k.Invert, k.Window, k.TestCall, k.Sweep},
		{k.Pause, k.Faster, k.Slower, k.Step, k.Note, k.Command, k.Help, k.Quit},
		{k.SeekBack, k.SeekFwd, k.StepSize, k.PrevMark, k.NextMark, k.SeekStart, k.SeekEnd, k.GoTo},
		{k.Failover, k.Restore, k.Outbound, k.Undo, k.Port, k.Actions, k.Ack, k.Board},
	}
}

// keyState says which bindings apply right now.
type keyState struct {
	player     bool // a Player is attached and the source has not ended
	seeker     bool // a Seeker is attached
	notes      bool // notes can be taken
	prompting  bool // typing a time or a note
	detail     bool // the detail view (or a call's ladder) is open
	request    bool // it is a number's with a port request
	ladder     bool // a call's ladder is open, and there is a recording to export from
	help       bool // the full help is open
	filtering  bool // typing a filter
	canFilter  bool // the focused pane has a filter
	canSort    bool // the focused pane sorts
	testCall   bool // live with a prober, numbers focused
	sweep      bool // live with a prober
	filterText bool // the focused pane's filter is set
	actions    bool // an Actor is attached: the action keys work
	dialog     bool // the action dialog is open
	confirming bool // the dialog shows a dry run: y applies
	ack        bool // an Acker is attached
	board      bool // the go/no-go board is shown
}

// isActionKey reports whether k is one of the action keys, enabled or not
// (without an Actor the screen says why they do nothing).
func (k *KeyMap) isActionKey(msg tea.KeyPressMsg) bool {
	for _, b := range []key.Binding{k.Failover, k.Restore, k.Outbound, k.Undo, k.Port} {
		if slices.Contains(b.Keys(), msg.String()) {
			return true
		}
	}
	return false
}

// apply enables the bindings that apply in s and relabels the ones whose
// meaning changes with the mode.
func (k *KeyMap) apply(s keyState) {
	k.Older.SetEnabled(s.filtering && !s.prompting)
	k.Newer.SetEnabled(s.filtering && !s.prompting)
	if s.prompting {
		s.filtering = true // the keyboard is text, as in a filter
	}
	normal := !s.detail && !s.filtering
	for _, b := range []*key.Binding{
		&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom,
		&k.Window, &k.Help, &k.Command,
	} {
		b.SetEnabled(!s.filtering)
	}
	k.NextPane.SetEnabled(normal && !s.board)
	k.PrevPane.SetEnabled(normal && !s.board)
	k.Filter.SetEnabled(normal && s.canFilter)
	k.Sort.SetEnabled(normal && s.canSort)
	k.Invert.SetEnabled(normal && s.canSort)
	k.TestCall.SetEnabled(normal && s.testCall)
	k.Sweep.SetEnabled(normal && s.sweep)
	for _, b := range []*key.Binding{&k.Failover, &k.Restore, &k.Outbound, &k.Undo, &k.Port} {
		b.SetEnabled(normal && s.actions)
	}
	k.Actions.SetEnabled(normal && !s.board)
	k.Ack.SetEnabled(normal && s.ack)
	k.Board.SetEnabled(normal)
	k.Export.SetEnabled(s.ladder && !s.filtering)
	k.Confirm.SetEnabled(s.confirming)
	k.Erase.SetEnabled(s.filtering)
	k.Request.SetEnabled(s.detail && s.request && !s.filtering)
	k.Enter.SetEnabled(!s.detail || s.filtering || s.ladder) // a prompt over the detail submits with it; a ladder reads its call again
	k.Back.SetEnabled(s.detail || s.help || s.filtering || s.filterText || s.dialog || s.board)
	k.Pause.SetEnabled(s.player && !s.filtering)
	k.Faster.SetEnabled(s.player && !s.filtering)
	k.Slower.SetEnabled(s.player && !s.filtering)
	for _, b := range k.seekKeys() {
		b.SetEnabled(s.seeker && !s.filtering)
	}
	k.Note.SetEnabled(s.notes && !s.filtering)
	k.Quit.SetEnabled(true)
	switch {
	case s.filtering:
		k.Enter.SetHelp("enter", "apply filter")
		k.Back.SetHelp("esc", "clear filter")
		k.Quit.SetKeys(k.typingQuit()...) // q is text while typing a filter
		k.Quit.SetHelp(k.Quit.Keys()[0], "quit")
		return
	case s.help:
		k.Back.SetHelp("esc", "close help")
	case s.detail, s.board:
		k.Back.SetHelp("esc", "back")
		k.Enter.SetHelp("enter", "details")
		if s.ladder {
			k.Enter.SetHelp("enter", "read again")
		}
	default:
		k.Enter.SetHelp("enter", "details")
		k.Back.SetHelp("esc", "clear filter")
	}
	k.Quit.SetKeys(k.quitKeys...)
	k.Quit.SetHelp(k.quitKeys[0], "quit")
}

// typingQuit are the quit keys that are not text: ctrl+c, or the named
// ones keys.toml gave.
func (k *KeyMap) typingQuit() []string {
	var out []string
	for _, q := range k.quitKeys {
		if utf8.RuneCountInString(q) > 1 {
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		return []string{"ctrl+c"}
	}
	return out
}
