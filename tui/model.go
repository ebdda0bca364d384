// Package tui is cutover's war-room screen: a bubbletea program that draws
// the snapshots the pipeline relays to it. It never does I/O and never
// changes the monitor's state; it only reads snapshots and, in replay and
// demo, steers the Player.
package tui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
)

// Mode is where the events on screen come from.
type Mode int

const (
	ModeLive   Mode = iota // live capture and probes
	ModeDemo               // the simulator's scripted night
	ModeReplay             // a recording played back
)

// String is the mode's badge text.
func (m Mode) String() string {
	switch m {
	case ModeDemo:
		return "DEMO"
	case ModeReplay:
		return "REPLAY"
	}
	return "LIVE"
}

// Player steers playback in replay and demo. pipeline.Pacer implements it;
// its methods are cheap and safe to call from the UI goroutine.
type Player interface {
	TogglePause()
	Paused() bool
	SetSpeed(float64)
	Speed() float64
}

// Options configure the screen.
type Options struct {
	Mode          Mode
	RecordingPath string // where events are recorded ("" = not recording)
	Player        Player // nil unless replay/demo
	Seeker        Seeker // nil unless replaying a recording: moves in event time
	// Note records an operator note at event time t (live: into the
	// recording; replay: into a side file). nil: no notes. The screen calls
	// it from a command, never from Update.
	Note func(t int64, text string) error
	// SideNotes are a replay's notes kept beside the recording; the screen
	// lists those up to its clock with the recording's own (nil = none).
	SideNotes func() []monitor.NoteView
	TestCall  TestCaller // live: `t` on a number places a test call (nil = no key)
	Ack       Acker      // A on an alert acknowledges or silences it (nil = no key)
	Sweeper   Sweeper    // live: `T` sweeps the numbers shown with test calls (nil = no key)
	// Actor performs actions from the screen (f, F, o, u, p); nil: the keys
	// are off, and pressing one shows NoActions (why).
	Actor     Actor
	NoActions string
	ReadOnly  bool // --read-only: the header says so (and there is no Actor)
	// Operator is whose screen this is, for the header ("as ana", from
	// 100 columns): an SSH session's key name. "" = not shown.
	Operator string
	// Thresholds are the config's, for the go/no-go board's verdicts
	// (zero fields: the defaults).
	Thresholds monitor.Thresholds
	// Calls reads a call's messages from the recording: enter on a feed
	// line shows its ladder, e exports it to pcap (nil: no recording).
	Calls CallReader
	Theme *Theme // nil = DefaultTheme
	// User is the per-user keys.toml and skin.toml (userconf.go): its
	// theme unless Theme is set, its keys, and its problems on the
	// status line at start.
	User UserConfig
}

// PipelineStats describe the pipeline itself, for the header.
type PipelineStats struct {
	EventsPerSec    float64
	Dropped         uint64 // events the pipeline's full queue refused
	Queue, QueueCap int
	Recorded        uint64       // events committed to the recording
	Lost            uint64       // events the recording lost after a write error
	StoreErr        string       // why nothing is being recorded now: NOT RECORDING ("": recording)
	Sources         []SourceStat // live inputs (HEP collector, probes), shown in the header
}

// SourceStat is one live input's health: its state (listening, stopped,
// error: ...), packets per second, and what it could not use.
type SourceStat struct {
	Name, State string
	PerSec      float64
	Packets     uint64
	Malformed   uint64 // packets it received but could not decode
	Dropped     uint64 // events the pipeline refused (queue full)
	// The losses before the pipeline: datagrams the kernel dropped (its
	// socket buffer full) and packets read but never parsed (the
	// source's parse queue full).
	KernelDropped, QueueDropped uint64
	// Sink: an output, not an input (alerts out): Packets counts what it
	// delivered and Malformed its failed requests; no rate is shown.
	Sink bool
	// Forward marks a relay target ([hep] forward): PerSec and Packets
	// are what it sent on, Dropped what it lost; it decodes nothing.
	Forward bool
}

// SnapshotMsg carries a new snapshot of the fold to the screen. The cmd
// relays them at no more than about 10 Hz.
type SnapshotMsg struct {
	Snap  *monitor.Snapshot
	Stats PipelineStats
}

// DoneMsg says the source ended (the replay finished, the demo night is
// over). The screen stays until the operator quits.
type DoneMsg struct{ Err error }

// focus names the panes that take keys, in tab order.
type focus int

const (
	focusTrunks focus = iota
	focusNumbers
	focusFeed
	focusAlerts
	numFocus

	focusNone focus = -1
)

// shared is what every pane reads: styles, keys and the settings that cut
// across panes. The root model owns it; panes only read it.
type shared struct {
	st     *Styles
	keys   *KeyMap
	win    int    // monitor.Win1m/5m/15m used by the panes
	now    int64  // the snapshot's event clock, Unix ns
	typing focus  // the pane whose filter is being typed, or focusNone (from the mode)
	typed  string // that filter as typed, with the cursor bar
	// tick schedules a message after d (tea.Tick; tests hold it).
	tick func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
	// legacy names the trunks of role legacy in the snapshot (keyFor).
	legacy map[string]bool
	ackOn  monitor.AlertView  // the alert the acknowledge prompt was opened on
	lim    monitor.Thresholds // the config's, defaulted: what the media figures are coloured by
}

// keyFor is the screen's key that answers alert a: the rule table's, with
// a trunk outage's f turned into F on a legacy trunk, since f fails over
// to the legacy provider and F restores to the new one.
func (c *shared) keyFor(a monitor.AlertView) string {
	k := a.Rule.FixKey()
	if k == keyFailover && c.legacy[a.Subject] {
		return keyRestore
	}
	return k
}

// filterNote is what pane f's title shows about its filter.
func (c *shared) filterNote(f focus, filter string) string {
	switch {
	case c.typing == f:
		return "/" + c.typed
	case filter != "":
		return "filter: " + filter
	}
	return ""
}

// pane is a child of the root model. Keys reach only the focused pane.
type pane interface {
	Update(msg tea.Msg) tea.Cmd
	setSize(s size)
	view(s size, focused bool) []string
}

// filterable is a pane with a text filter.
type filterable interface {
	filterText() string
	setFilter(f string)
}

// Model is the root of the screen. It implements tea.Model. It holds the
// mode, the panes and the component that owns the mode (the detail, the
// help, the filter, a prompt or the dialog), and routes each key to it.
type Model struct {
	o    Options
	c    *shared
	help help.Model
	lay  layout

	trunks  *trunksPane
	numbers *numbersPane
	feed    *feedPane
	alerts  *alertsPane
	actions *actionsPane
	focus   focus

	mode  mode // what the keyboard drives now
	under mode // what the help or a prompt was opened over (normal or detail)

	helpv  *helpView    // the full help
	filter *filterInput // the filter being typed (kept: it holds the history)
	prompt *prompt      // the time or note being typed, nil when none
	detail *detailView  // nil unless the detail view is open
	ladder *ladderView  // nil unless a call's ladder is open
	dlg    *dialog      // the action dialog, nil when closed
	dlgGen int

	showActions bool // the actions pane is in the alerts' place
	board       *boardView
	showBoard   bool // the go/no-go board is in the panes' place (B)

	sweepNums []string // T: the numbers the y/N prompt would sweep
	sweepID   string   // the sweep started here whose progress the notice shows ("" = none)

	snap  *monitor.Snapshot
	stats PipelineStats

	ended  bool
	endErr error
	paused bool
	speed  float64

	tl       monitor.Timeline // the replay's timeline, read with the player
	stepIdx  int              // index into seekSteps for ←/→
	status   flash            // the last outcome (note, action, bad time)
	notice   flash            // the last test call's progress, shown in the footer
	flashSeq int              // the id of the newest flash
}

// New builds the screen.
func New(o Options) Model {
	theme := DefaultTheme()
	if o.Theme = cmp.Or(o.Theme, o.User.Theme); o.Theme != nil {
		theme = *o.Theme
	}
	st := NewStyles(theme)
	keys := newKeyMap(o.Player != nil, o.Seeker != nil, o.Note != nil)
	keys.remap(o.User.Keys)
	c := &shared{st: st, keys: &keys, win: monitor.Win5m, typing: focusNone, tick: tea.Tick, lim: o.Thresholds.MediaLimits()}
	h := help.New()
	h.Styles = st.Help
	m := Model{
		o: o, c: c, help: h,
		filter:  newFilterInput(c),
		trunks:  newTrunksPane(c),
		numbers: newNumbersPane(c),
		feed:    newFeedPane(c),
		alerts:  newAlertsPane(c),
		actions: newActionsPane(c, o.Mode == ModeDemo),
		board:   newBoardView(c, o.Thresholds),
		focus:   focusNumbers,
	}
	m.helpv = newHelpView(c, &m.help)
	if len(o.User.Problems) > 0 {
		m.setStatus(strings.Join(o.User.Problems, "; "), false)
	}
	m.readPlayer()
	m.syncKeys()
	return m
}

// Init implements tea.Model.
func (m Model) Init() tea.Cmd { return nil }

// Update implements tea.Model. After each message the open detail or
// help is drawn again, and an info message just set gets its expiry tick.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	flashes := m.flashIDs()
	cmd := m.update(msg)
	m.refreshViews()
	return m, tea.Batch(cmd, m.expireFlashes(flashes))
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
	case SnapshotMsg:
		m.setSnapshot(msg)
	case DoneMsg:
		m.ended, m.endErr = true, msg.Err
		m.syncKeys()
	case openDetailMsg:
		m.openDetail(msg)
	case openLadderMsg:
		defer m.syncKeys()
		return m.openLadder(msg)
	case ladderLoadedMsg:
		m.ladderLoaded(msg)
	case callExportedMsg:
		return m.callExported(msg)
	case noteSavedMsg:
		m.noteSaved(msg)
	case ackDoneMsg:
		m.ackDone(msg)
	case testCallDoneMsg:
		m.testCallDone(msg)
	case sweepStartedMsg:
		m.sweepStarted(msg)
	case flashExpiredMsg:
		m.expireFlash(msg)
	case plannedMsg:
		defer m.syncKeys()
		return m.planned(msg)
	case appliedMsg:
		m.applied(msg)
		m.syncKeys()
	case declinedMsg:
		m.declined(msg)
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.PasteMsg:
		return m.handlePaste(msg)
	case tea.MouseMsg:
		return m.handleMouse(msg)
	}
	return nil
}

// refreshViews draws the open detail or help again for what changed: a
// snapshot, the size, the window, the keys that apply.
func (m *Model) refreshViews() {
	if m.lay.width == 0 || m.lay.tooSmall {
		return
	}
	if m.detail != nil {
		m.detail.refresh(m.snap, m.actions.all, m.lay.width, m.lay.body.h)
	}
	if m.ladder != nil {
		m.ladder.refresh(m.lay.width, m.lay.body.h)
	}
	if m.mode == modeHelp {
		m.helpv.refresh(m.lay.width, m.lay.body.h)
	}
}

// View implements tea.Model.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion // clicks and the wheel (mouse.go)
	v.WindowTitle = "cutover"
	return v
}

// resize lays the screen out once for the new size and pushes the sizes
// down to the panes.
func (m *Model) resize(w, h int) {
	n := 0
	if m.snap != nil {
		n = len(m.snap.Trunks)
	}
	bar := 0
	if m.o.Seeker != nil {
		bar = timelineHeight
	}
	m.lay = computeLayout(w, h, n, bar, m.showActions)
	m.help.SetWidth(w)
	if m.lay.tooSmall {
		return
	}
	m.trunks.setSize(m.lay.trunks)
	m.numbers.setSize(m.lay.numbers)
	m.feed.setSize(m.lay.feed)
	m.alerts.setSize(m.lay.alerts)
	m.actions.setSize(m.lay.actions)
	m.board.setSize(m.lay.body)
	if m.dlg != nil {
		m.dlg.setSize(w, m.lay.body.h)
	}
}

func (m *Model) setSnapshot(msg SnapshotMsg) {
	m.stats = msg.Stats
	m.readPlayer()
	if msg.Snap == nil || msg.Snap == m.snap { // the same fold: only the stats and the player moved
		return
	}
	m.snap = msg.Snap
	m.c.now = msg.Snap.Now
	if m.lay.width > 0 && len(msg.Snap.Trunks) != m.lay.trunkRows {
		m.resize(m.lay.width, m.lay.height) // the trunks pane fits its rows
	}
	m.trunks.setData(msg.Snap.Trunks)
	m.c.legacy = make(map[string]bool, len(msg.Snap.Trunks))
	for _, t := range msg.Snap.Trunks {
		m.c.legacy[t.Name] = t.Role == monitor.RoleLegacy
	}
	m.numbers.setData(msg.Snap.Numbers)
	m.feed.setData(msg.Snap.Feed)
	m.alerts.setData(msg.Snap.Alerts)
	m.actions.setData(msg.Snap.Actions, m.notesUpTo(msg.Snap))
	if m.showBoard {
		m.board.setData(msg.Snap)
	}
	m.sweepProgress(msg.Snap)
}

// notesUpTo is the recording's notes and the side notes up to the
// snapshot's clock.
func (m *Model) notesUpTo(snap *monitor.Snapshot) []monitor.NoteView {
	if m.o.SideNotes == nil {
		return snap.Notes
	}
	notes := slices.Clone(snap.Notes)
	for _, n := range m.o.SideNotes() {
		if n.Time <= snap.Now {
			notes = append(notes, n)
		}
	}
	return notes
}

// readPlayer caches the player's state so View never calls out.
func (m *Model) readPlayer() {
	if m.o.Seeker != nil {
		m.tl = m.o.Seeker.Timeline()
	}
	if m.o.Player == nil {
		return
	}
	m.paused, m.speed = m.o.Player.Paused(), m.o.Player.Speed()
}

func (m *Model) focused() pane {
	switch m.focus {
	case focusTrunks:
		return m.trunks
	case focusFeed:
		return m.feed
	case focusAlerts:
		if m.showActions {
			return m.actions
		}
		return m.alerts
	}
	return m.numbers
}

// syncKeys enables the bindings that apply in the current mode, and tells
// the panes which filter is being typed.
func (m *Model) syncKeys() {
	f, canFilter := m.focused().(filterable)
	m.c.typing, m.c.typed = focusNone, ""
	if m.mode == modeFilter {
		m.c.typing, m.c.typed = m.focus, m.filter.in.withCursor()
	}
	m.c.keys.apply(keyState{
		player:     m.o.Player != nil && !m.ended,
		seeker:     m.o.Seeker != nil,
		notes:      m.o.Note != nil,
		prompting:  m.mode == modePrompt,
		detail:     m.showsDetail() || m.showsLadder(),
		request:    m.detail != nil && m.detail.requestOf(m.snap) != "",
		ladder:     m.showsLadder() && m.o.Calls != nil,
		help:       m.mode == modeHelp,
		filtering:  m.mode == modeFilter,
		canFilter:  canFilter && !m.showBoard,
		canSort:    m.focus == focusNumbers && !m.showBoard,
		testCall:   m.o.TestCall != nil && m.focus == focusNumbers && !m.showBoard,
		board:      m.showBoard,
		sweep:      m.o.Sweeper != nil,
		filterText: canFilter && f.filterText() != "",
		actions:    m.o.Actor != nil,
		dialog:     m.mode == modeDialog,
		confirming: m.mode == modeDialog && m.dlg.stage == dlgConfirm,
		ack:        m.o.Ack != nil,
	})
}
