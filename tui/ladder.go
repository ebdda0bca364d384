package tui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/termsafe"
)

// CallReader reads one call's SIP messages from the recording, for the
// ladder view (monitor/session's RecordedCalls). The screen calls it from
// commands, never from Update.
type CallReader interface {
	// Call returns the messages of Call-ID id recorded around event time
	// at (a feed line's time), oldest first.
	Call(ctx context.Context, id string, at int64) (CallLog, error)
	// ExportCall writes the same messages to a pcap file and says where,
	// and how many it wrote.
	ExportCall(ctx context.Context, id string, at int64) (path string, n int, err error)
}

// CallLog is a call's messages as recorded.
type CallLog struct {
	Messages []CallMessage
	// Span is how far around the feed line's time the recording was read
	// (a call's messages further away are not shown); Truncated says the
	// messages were cut at the reader's cap.
	Span      time.Duration
	Truncated bool
	// Media is the call's latest media report within the span (nil: no
	// RTP source watched the call), recorded at event time MediaAt.
	Media   *monitor.MediaReport
	MediaAt int64
}

// CallMessage is one recorded SIP message of a call, with the trunks its
// addresses belong to ("" for none).
type CallMessage struct {
	Time               int64
	SIP                *monitor.SIPMessage // decoded: Info is set unless malformed
	SrcTrunk, DstTrunk string
}

// callTimeout bounds reading or exporting a call from the screen.
const callTimeout = 30 * time.Second

type (
	openLadderMsg   struct{ line monitor.FeedLine }
	ladderLoadedMsg struct {
		id  string
		at  int64
		log CallLog
		err error
	}
	callExportedMsg struct {
		id   string
		path string
		n    int
		err  error
	}
)

func openLadder(l monitor.FeedLine) tea.Cmd { return func() tea.Msg { return openLadderMsg{l} } }

// ladderView shows a call's ladder diagram, as sngrep does, and the
// selected message's start line, headers and body, each in a viewport of
// its own: under the ladder, or beside it from ladderSideBySide columns.
// ↑/↓ select a message, pgup/pgdn scroll the message, e exports the call
// to pcap, esc closes.
type ladderView struct {
	c        *shared
	line     monitor.FeedLine // the feed line it was opened from
	log      CallLog
	err      error
	loading  bool
	sel      int  // the selected message
	keep     int  // read again: 1 + the message selected before (0: the feed line's)
	moved    bool // the selection moved: the message scrolls back to its top
	exported string
	w        int
	side     bool // the message beside the ladder
	vl, vm   viewport.Model
	title    string
	head     []string // the lines under the title
	done     bool
}

// openLadder opens the ladder of a feed line's call and reads the call in
// a command. Without a recording to read it from, it opens the line's
// number (or trunk) instead.
func (m *Model) openLadder(msg openLadderMsg) tea.Cmd {
	l := msg.line
	switch {
	case m.o.Calls == nil && l.Number != "":
		m.openDetail(openDetailMsg{kind: detailNumber, id: l.Number})
		return nil
	case m.o.Calls == nil && l.Trunk != "":
		m.openDetail(openDetailMsg{kind: detailTrunk, id: l.Trunk})
		return nil
	case m.o.Calls == nil:
		m.setStatus("no recording to read the call's messages from", false)
		return nil
	case msg.line.CallID == "":
		m.setStatus("this message has no Call-ID", false)
		return nil
	}
	m.ladder = &ladderView{c: m.c, line: msg.line, loading: true, vl: newViewport(), vm: newViewport()}
	m.mode = modeLadder
	calls, id, at := m.o.Calls, msg.line.CallID, msg.line.Time
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		log, err := calls.Call(ctx, id, at)
		return ladderLoadedMsg{id: id, at: at, log: log, err: err}
	}
}

func (m *Model) ladderLoaded(msg ladderLoadedMsg) {
	v := m.ladder
	if v == nil || v.line.CallID != msg.id || v.line.Time != msg.at {
		return // closed, or another call opened since
	}
	v.loading, v.log, v.err = false, msg.log, msg.err
	v.sel = 0
	for i, cm := range msg.log.Messages { // the feed line's own message
		if cm.Time <= msg.at {
			v.sel = i
		}
	}
	if v.keep > 0 && v.keep <= len(msg.log.Messages) { // read again: the same message
		v.sel = v.keep - 1
	}
}

// ladderKey: e exports the call, enter reads it again (a live recording
// commits the newest messages a moment later), esc closes, the rest move.
func (m *Model) ladderKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.c.keys.Export):
		return m.exportCall()
	case key.Matches(k, m.c.keys.Enter):
		return m.rereadLadder()
	}
	m.ladder.Update(k)
	if m.ladder.done {
		m.ladder, m.mode = nil, modeNormal
	}
	return nil
}

// rereadLadder reads the open call again, keeping the selected message
// and what the last export said.
func (m *Model) rereadLadder() tea.Cmd {
	old := m.ladder
	cmd := m.openLadder(openLadderMsg{old.line})
	if m.ladder != nil {
		m.ladder.exported, m.ladder.keep = old.exported, old.sel+1
	}
	return cmd
}

// exportCall writes the open call to a pcap in a command.
func (m *Model) exportCall() tea.Cmd {
	if m.ladder == nil || m.o.Calls == nil {
		return nil
	}
	return m.exportLine(m.ladder.line)
}

// exportLine writes the call of feed line l to a pcap in a command.
func (m *Model) exportLine(l monitor.FeedLine) tea.Cmd {
	calls, id, at := m.o.Calls, l.CallID, l.Time
	m.setStatus("exporting the call to pcap…", true)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		path, n, err := calls.ExportCall(ctx, id, at)
		return callExportedMsg{id: id, path: path, n: n, err: err}
	}
}

// callExported says where the pcap went, on the status line and in the
// ladder (a status message fades; the path must stay readable), and reads
// the call again: in a live recording it may have grown since the ladder
// was drawn, and the ladder shows what the pcap holds.
func (m *Model) callExported(msg callExportedMsg) tea.Cmd {
	if msg.err != nil {
		m.setStatus("export failed: "+termsafe.Line(msg.err.Error()), false)
		return nil
	}
	text := "call exported: " + strconv.Itoa(msg.n) + " SIP messages → " + termsafe.Line(msg.path)
	m.setStatus(text, true)
	if m.ladder == nil || m.ladder.line.CallID != msg.id {
		return nil
	}
	m.ladder.exported = text
	return m.rereadLadder()
}

// showsLadder reports whether the body is the ladder: open, or under the
// help or a prompt.
func (m *Model) showsLadder() bool {
	switch m.mode {
	case modeLadder:
		return true
	case modeHelp, modePrompt:
		return m.under == modeLadder
	}
	return false
}

// Update moves the selection (↑/↓, home/end), scrolls the message
// (pgup/pgdn) and closes (esc).
func (v *ladderView) Update(k tea.KeyPressMsg) {
	keys, n := v.c.keys, len(v.log.Messages)
	switch {
	case key.Matches(k, keys.Back):
		v.done = true
	case key.Matches(k, keys.Up):
		v.selectMsg(v.sel - 1)
	case key.Matches(k, keys.Down):
		v.selectMsg(v.sel + 1)
	case key.Matches(k, keys.Top):
		v.selectMsg(0)
	case key.Matches(k, keys.Bottom):
		v.selectMsg(n - 1)
	case key.Matches(k, keys.PageUp):
		v.vm.PageUp()
	case key.Matches(k, keys.PageDown):
		v.vm.PageDown()
	}
}

func (v *ladderView) selectMsg(i int) {
	if n := len(v.log.Messages); n > 0 {
		v.sel, v.moved = clamp(i, 0, n-1), true
	}
}

// refresh draws the view again for a body of w×h, keeping the selected
// message's arrow in view.
func (v *ladderView) refresh(w, h int) {
	st := v.c.st
	v.w, v.side = w, w >= ladderSideBySide
	note := "↑/↓ message · pgdn more · e pcap · esc back"
	id := fit(termsafe.Line(v.line.CallID), max(w-lipgloss.Width(note)-12, 8)) // the keys stay in sight
	v.title = titleBar(st, "CALL", id, note, w, true)
	v.head = v.status()
	if !v.loading && v.err == nil {
		v.head = append(v.head, v.mediaLines(w, max(h/3, 3))...)
	}
	avail := max(h-1-len(v.head), 0)
	if v.loading || v.err != nil || len(v.log.Messages) == 0 {
		setLines(&v.vl, nil, w, 0)
		setLines(&v.vm, nil, w, 0)
		return
	}
	lw, mw, lh, mh := w, w, avail, avail
	if v.side { // the ladder as wide as its parties need, the message the rest
		ps, _ := parties(v.log.Messages)
		lw = clamp(ladderGutter+30*len(ps), 40, w*11/20)
		mw = w - lw - 3
	}
	msg := messageLines(st, v.log.Messages, v.sel, mw)
	ladder, row := ladderLines(st, v.log.Messages, v.sel, lw)
	if !v.side {
		lh = min(len(ladder), max(avail/2, avail-len(msg)))
		mh = avail - lh
	}
	off := v.vl.YOffset()
	setLines(&v.vl, ladder, lw, lh)
	if row < off+1 || row >= off+lh { // the label above the arrow shows too
		off = max(row-lh/2, 0)
	}
	v.vl.SetYOffset(off)
	moff := v.vm.YOffset()
	setLines(&v.vm, msg, mw, mh)
	if v.moved {
		moff, v.moved = 0, false
	}
	v.vm.SetYOffset(moff)
}

// status is the lines under the title: what the ladder holds, or why it
// holds nothing, and where the last export went (a line of its own, so
// that it stays in sight at 80 columns once the status line has moved on).
func (v *ladderView) status() []string {
	st := v.c.st
	var s string
	switch {
	case v.loading:
		s = st.Muted.Render("  reading the call from the recording…")
	case v.err != nil:
		s = st.Bad.Render("  " + termsafe.Line(v.err.Error()))
	case len(v.log.Messages) == 0:
		s = st.Muted.Render("  the recording holds no message of this call yet: enter reads it again")
	default:
		s = st.Muted.Render(v.scope())
	}
	if v.exported != "" {
		return []string{s, st.OK.Render("  " + v.exported)}
	}
	return []string{s}
}

// view is the body: the title, the status line, then the ladder and the
// message.
func (v *ladderView) view() []string {
	lines := append([]string{v.title}, v.head...)
	ladder, msg := viewLines(v.vl), viewLines(v.vm)
	if !v.side {
		return append(append(lines, ladder...), msg...)
	}
	lw := v.vl.Width()
	for i := range max(len(ladder), len(msg)) {
		l, m := strings.Repeat(" ", lw), ""
		if i < len(ladder) {
			l = ladder[i]
		}
		if i < len(msg) {
			m = msg[i]
		}
		lines = append(lines, l+v.c.st.Muted.Render(" │ ")+m)
	}
	return lines
}

// ladderSideBySide is the width from which the message sits beside the
// ladder instead of under it.
const ladderSideBySide = 140

// scope says what the ladder holds: how many messages, over how long,
// and how far around the feed line the recording was read.
func (v *ladderView) scope() string {
	msgs := v.log.Messages
	s := "  " + strconv.Itoa(len(msgs)) + " messages over " + offset(msgs[len(msgs)-1].Time-msgs[0].Time) +
		" · read ±" + fmtSpan(v.log.Span) + " around " + clock(v.line.Time, "15:04:05")
	if v.log.Truncated {
		s += " · cut at " + strconv.Itoa(len(msgs))
	}
	return s
}

func fmtSpan(d time.Duration) string {
	if d <= 0 {
		return "?"
	}
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m") // 5m0s → 5m
}
