package tui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/charmbracelet/x/ansi"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/termsafe"
)

// render draws the whole screen: header, body (panes, detail or help) and
// footer, exactly the terminal's size.
func (m Model) render() string {
	l := m.lay
	if l.width == 0 {
		return "" // no size yet
	}
	if l.tooSmall {
		return tooSmallView(m.c.st, l.width, l.height)
	}
	lines := make([]string, 0, l.height)
	lines = append(lines, m.header()...)
	switch {
	case m.mode == modeHelp:
		lines = append(lines, padLines(m.helpv.view(), l.width, l.body.h)...)
	case m.showsDetail():
		lines = append(lines, padLines(m.detail.view(), l.width, l.body.h)...)
	case m.showsLadder():
		lines = append(lines, padLines(m.ladder.view(), l.width, l.body.h)...)
	case m.showBoard:
		lines = append(lines, m.board.view(l.body)...)
	default:
		lines = append(lines, m.dashboard()...)
	}
	if m.mode == modeDialog {
		lines = append(lines[:headerHeight], m.overlayDialog(lines[headerHeight:])...)
	}
	if m.o.Seeker != nil {
		lines = append(lines, m.timelineBar())
	}
	lines = append(lines, m.footer())
	return strings.Join(lines, "\n")
}

// dashboard is the panes in their places.
func (m Model) dashboard() []string {
	l := m.lay
	alerts := m.alerts.view(l.alerts, m.focus == focusAlerts)
	feed := m.feed.view(l.feed, m.focus == focusFeed)
	if m.showActions {
		alerts = m.actions.view(l.actions, m.focus == focusAlerts)
		if !l.wide {
			feed = nil
		}
	}
	return l.arrange(
		m.trunks.view(l.trunks, m.focus == focusTrunks),
		m.numbers.view(l.numbers, m.focus == focusNumbers),
		alerts, feed,
	)
}

// operatorWidth is the narrowest screen whose header names its operator.
const operatorWidth = 100

// minNameWidth is how far a crowded header cuts the cutover's name.
const minNameWidth = 8

// header is two lines: who and when (name, mode, event clock, playback),
// then the health of the pipeline (rate, drops, queue, recording, store).
func (m Model) header() []string {
	st, w := m.c.st, m.lay.width
	name := "—"
	var snap monitor.Snapshot
	if m.snap != nil {
		snap = *m.snap
		name = termsafe.Line(snap.Name)
	}
	parts := []string{
		st.Brand.Render("cutover") + " " + st.Bold.Render(name),
		m.modeBadge(),
	}
	if wt := m.writerText(w); wt != "" { // early: whether the screen is still news
		parts = append(parts, wt)
	}
	if c := alertCount(st, snap.Alerts, w); c != "" { // early: it must survive a narrow screen
		parts = append(parts, c)
	}
	if m.o.ReadOnly {
		parts = append(parts, st.Ended.Render(" READ-ONLY "))
	}
	if m.o.Operator != "" && w >= operatorWidth {
		parts = append(parts, st.Muted.Render("as ")+st.Bold.Render(termsafe.Line(m.o.Operator)))
	}
	at := len(parts) // the clock's place
	parts = append(parts,
		st.Bold.Render(clock(snap.Now, clockLayout(w)))+st.Muted.Render(" UTC"),
	)
	if src := m.sourcesText(w); src != "" {
		parts = append(parts, src)
	}
	if m.o.Player != nil && !m.ended { // once ended, nothing plays
		parts = append(parts, m.playerText())
	}
	if m.ended {
		parts = append(parts, st.Ended.Render(" ended "))
		if m.endErr != nil {
			parts = append(parts, st.Bad.Render(termsafe.Line(m.endErr.Error())))
		}
	}
	line1 := strings.Join(parts, "  ")
	if lipgloss.Width(line1) > w { // crowded: the zone can go, what follows is news
		parts[at] = st.Bold.Render(clock(snap.Now, clockLayout(w)))
		line1 = strings.Join(parts, "  ")
	}
	if over := lipgloss.Width(line1) - w; over > 0 { // still: the name everyone knows gives way
		keep := max(minNameWidth, lipgloss.Width(name)-over)
		parts[0] = st.Brand.Render("cutover") + " " + st.Bold.Render(ansi.Truncate(name, keep, ellipsis))
		line1 = strings.Join(parts, "  ")
	}
	return []string{fit(line1, w), fit(m.healthLine(snap), w)}
}

// alertCount is the open critical and warning alerts that nobody has
// acknowledged or silenced, "▲ 3 CRIT · 5 WARN"
// ("▲ 3C 5W" below dateWidth, where the header has little room), or ""
// when none is open.
func alertCount(st *Styles, alerts []monitor.AlertView, w int) string {
	var crit, warn int
	for i := range alerts {
		if alerts[i].Closed != 0 || alerts[i].Attended() { // in an operator's hands
			continue
		}
		switch alerts[i].Severity {
		case monitor.SevCritical:
			crit++
		case monitor.SevWarning:
			warn++
		}
	}
	if crit+warn == 0 {
		return ""
	}
	critLabel, warnLabel, sep := " CRIT", " WARN", st.Muted.Render(" · ")
	if w < dateWidth {
		critLabel, warnLabel, sep = "C", "W", " "
	}
	var parts []string
	if crit > 0 {
		parts = append(parts, st.Bad.Render(strconv.Itoa(crit)+critLabel))
	}
	if warn > 0 {
		parts = append(parts, st.Warn.Render(strconv.Itoa(warn)+warnLabel))
	}
	icon := st.Warn.Render("▲ ")
	if crit > 0 {
		icon = st.Bad.Render("▲ ")
	}
	return icon + strings.Join(parts, sep)
}

// clockLayout shows the date only where there is room for it.
func clockLayout(w int) string {
	if w >= dateWidth {
		return "2006-01-02 15:04:05"
	}
	return "15:04:05"
}

func (m Model) modeBadge() string {
	st := m.c.st
	label := " " + m.o.Mode.String() + " "
	switch m.o.Mode {
	case ModeReplay:
		return st.Replay.Render(label)
	case ModeDemo:
		return st.Demo.Render(label)
	}
	return st.Live.Render(label)
}

// playerText is the playback state: ▶ or ⏸ and the speed.
func (m Model) playerText() string {
	st := m.c.st
	icon := st.OK.Render("▶")
	if m.paused {
		icon = st.Warn.Render("⏸ paused")
	}
	return icon + " " + st.Bold.Render(speedText(m.speed))
}

// speedText shows a speed multiplier: ×64, ×1/8, ×max.
func speedText(s float64) string {
	switch {
	case s <= 0:
		return "×max"
	case s < 1:
		return "×1/" + strconv.Itoa(int(1/s+0.5))
	case s == float64(int(s)):
		return "×" + strconv.Itoa(int(s))
	}
	return "×" + strconv.FormatFloat(s, 'f', 1, 64)
}

func (m Model) healthLine(snap monitor.Snapshot) string {
	st, s := m.c.st, m.stats
	sep := st.Muted.Render(" · ")
	var parts []string
	if !m.ended { // once ended, nothing arrives: no rate
		parts = append(parts, st.Text.Render(thousands(uint64(s.EventsPerSec+0.5)))+st.Muted.Render(" ev/s"))
	}
	if s.StoreErr != "" && m.o.Mode != ModeReplay { // first: it must survive a narrow screen
		parts = append(parts, st.Alarm.Render(" NOT RECORDING: "+s.StoreErr+" "))
	}
	parts = append(parts, m.lossText()...)
	if s.QueueCap > 0 && !m.ended {
		q := "queue " + strconv.Itoa(s.Queue) + "/" + strconv.Itoa(s.QueueCap)
		if s.Queue*10 >= s.QueueCap*8 {
			parts = append(parts, st.Warn.Render(q))
		} else {
			parts = append(parts, st.Muted.Render(q))
		}
	}
	parts = append(parts, m.recordingText(), st.Muted.Render(thousands(snap.Applied)+" events"))
	if snap.Malformed > 0 {
		parts = append(parts, st.Warn.Render(thousands(snap.Malformed)+" malformed SIP"))
	}
	parts = append(parts, setAside(st, snap)...)
	return strings.Join(parts, sep)
}

// setAside is what the fold counted without folding, when there is any:
// events quarantined for their time, calls evicted from a full table,
// STIR verdicts still awaited and requests the verifier had no room for.
func setAside(st *Styles, snap monitor.Snapshot) []string {
	var parts []string
	warn := func(n uint64, what string) {
		if n > 0 {
			parts = append(parts, st.Warn.Render(thousands(n)+" "+what))
		}
	}
	warn(snap.Quarantined, "quarantined (time)")
	warn(snap.CallsEvicted, "calls evicted")
	if snap.StirPending > 0 {
		parts = append(parts, st.Muted.Render("STIR "+strconv.Itoa(snap.StirPending)+" pending"))
	}
	warn(snap.Stir.Overloaded, "not verified (overload)")
	return parts
}

// lossText is every stage's losses, in the order an event meets them: the
// kernel's socket buffer and the sources' parse queues (when not zero),
// the pipeline's queue (always), the recording after a write error (when
// not zero). Together with what was folded they add up to what was sent.
func (m Model) lossText() []string {
	st, s := m.c.st, m.stats
	var kernel, parse uint64
	for _, src := range s.Sources {
		kernel += src.KernelDropped
		parse += src.QueueDropped
	}
	var parts []string
	alarm := func(label string, n uint64) {
		if n > 0 {
			parts = append(parts, st.Alarm.Render(" "+label+" "+thousands(n)+" "))
		}
	}
	alarm("kernel", kernel)
	alarm("parse", parse)
	dropped := "dropped " + thousands(s.Dropped)
	if s.Dropped > 0 {
		parts = append(parts, st.Alarm.Render(" "+dropped+" "))
	} else {
		parts = append(parts, st.Muted.Render(dropped))
	}
	alarm("rec lost", s.Lost)
	return parts
}

func (m Model) recordingText() string {
	st, p := m.c.st, m.o.RecordingPath
	switch {
	case m.o.Mode == ModeReplay && p != "":
		return st.Muted.Render("from ") + st.Text.Render(p)
	case p == "":
		return st.Warn.Render("not recording")
	case m.ended: // the session closed the recording before it said the night ended
		return st.Muted.Render("■ rec closed "+thousands(m.stats.Recorded)+" → ") + st.Text.Render(p)
	}
	return st.Bad.Render("●") + st.Muted.Render(" rec "+thousands(m.stats.Recorded)+" → ") + st.Text.Render(p)
}

// footer is the short help with the status line, or the text being typed,
// or the dialog's keys.
func (m Model) footer() string {
	st, w := m.c.st, m.lay.width
	switch m.mode {
	case modePrompt:
		return m.prompt.view(w)
	case modeDialog: // the dialog takes every key
		return fit(m.dlg.foot(), w)
	case modeFilter:
		return m.filter.view(w)
	}
	if m.status.text != "" {
		return fit(m.status.styled(st)+"  "+m.help.View(*m.c.keys), w)
	}
	if m.notice.text != "" {
		return fit(st.Accent.Render(termsafe.Line(m.notice.text))+"   "+m.help.View(*m.c.keys), w)
	}
	return fit(m.help.View(*m.c.keys), w)
}
