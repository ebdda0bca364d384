package tui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/termsafe"
)

// alertsPane lists the alerts as the fold orders them: open ones first,
// critical before warning, newest first, then the recently closed ones,
// muted. Beside an open alert's severity stands the key whose action fixes
// it (f, o), when its rule has one.
type alertsPane struct {
	c        *shared
	all      []monitor.AlertView // from the latest snapshot, read only
	open     int
	attended int // of the open ones, acknowledged, silenced or an action's effect
	closed   int
	cursor   int
	offset   int
	page     int
	sel      string // Key of the alert under the cursor
	pinned   bool   // the operator moved to an alert: follow it as the list changes
}

const (
	acSev = iota
	acKey
	acRule
	acSubject
	acAge
	acMessage
)

var alertColumns = []column{
	{id: acSev, title: "sev", w: 4, prio: 0}, // muted lower case when in hand: "crit"
	{id: acKey, title: "", w: 1, prio: 0},    // the key that fixes it (the rule table's Key)
	{id: acRule, title: "rule", w: 13, prio: 1},
	{id: acSubject, title: "subject", w: 12, prio: 0},
	{id: acAge, title: "age", w: 6, right: true, prio: 0},
	{id: acMessage, title: "message", w: 10, prio: 2, flex: true},
}

func newAlertsPane(c *shared) *alertsPane { return &alertsPane{c: c} }

func (p *alertsPane) setSize(s size) {
	p.page = max(s.h-2, 1)
	p.offset = scrollTo(p.cursor, p.offset, p.page)
}

func (p *alertsPane) setData(alerts []monitor.AlertView) {
	p.open, p.attended, p.closed = 0, 0, 0
	for i := range alerts { // counted before an action's effects fold into one row
		if alerts[i].Closed != 0 {
			p.closed++
		} else {
			p.open++
			if alerts[i].Attended() {
				p.attended++
			}
		}
	}
	alerts = foldCaused(alerts)
	p.all = alerts
	p.cursor = clamp(p.cursor, 0, len(alerts)-1)
	if !p.pinned { // unless the operator chose one, the newest open alert stays in view
		p.cursor = 0
	}
	for i := range alerts { // stay on the chosen alert as the list changes
		if p.pinned && alerts[i].Key() == p.sel {
			p.cursor = i
			break
		}
	}
	p.remember()
}

// selectedOpen is the open alert under the cursor.
func (p *alertsPane) selectedOpen() (monitor.AlertView, bool) {
	if p.cursor < 0 || p.cursor >= len(p.all) || p.all[p.cursor].Closed != 0 || isCausedRow(p.all[p.cursor]) {
		return monitor.AlertView{}, false
	}
	return p.all[p.cursor], true
}

// remember records the alert under the cursor and scrolls to it.
func (p *alertsPane) remember() {
	p.sel = ""
	if p.cursor >= 0 && p.cursor < len(p.all) {
		p.sel = p.all[p.cursor].Key()
	}
	p.offset = scrollTo(p.cursor, p.offset, p.page)
}

// Update handles a key sent to the focused alerts pane; Enter opens the
// alert's subject (a trunk or a number).
func (p *alertsPane) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if key.Matches(k, p.c.keys.Enter) {
		if p.cursor < 0 || p.cursor >= len(p.all) {
			return nil
		}
		if a := p.all[p.cursor]; isCausedRow(a) {
			return openDetail(detailAction, a.CausedBy)
		}
		return openDetail(detailAny, p.all[p.cursor].Subject)
	}
	p.cursor = moveCursor(p.c.keys, k, p.cursor, len(p.all), p.page)
	p.pinned = p.cursor > 0 // back at the top: follow the newest again
	p.remember()
	return nil
}

func (p *alertsPane) view(s size, focused bool) []string {
	st := p.c.st
	cols := chooseColumns(alertColumns, s.w)
	summary := strconv.Itoa(p.open) + " open · " + strconv.Itoa(p.closed) + " closed"
	if p.attended > 0 {
		summary = strconv.Itoa(p.open) + " open (" + strconv.Itoa(p.attended) + " in hand) · " +
			strconv.Itoa(p.closed) + " closed"
	}
	lines := make([]string, 0, s.h)
	lines = append(lines, titleBar(st, "ALERTS", summary, "a: actions", s.w, focused))
	lines = append(lines, headerRow(st, cols, s.w, -1, ""))
	lines = append(lines, tableRows(st, cols, s.w, p.offset, min(p.offset+p.page, len(p.all)), p.cursor, focused,
		func(i int, c column) cell { return p.cell(&p.all[i], c) })...)
	if len(p.all) == 0 {
		lines = append(lines, st.OK.Render("  no alerts"))
	}
	return padLines(lines, s.w, s.h)
}

func (p *alertsPane) cell(a *monitor.AlertView, c column) cell {
	if isCausedRow(*a) {
		return p.causedCell(a, c)
	}
	st := p.c.st
	closed := a.Closed != 0
	muted := func(s string) cell {
		if closed {
			return netCell(st.Muted, s)
		}
		return cell{text: s}
	}
	switch c.id {
	case acSev:
		if closed {
			return muted("done")
		}
		t := sevLabel(a.Severity)
		if a.Attended() {
			t = strings.ToLower(t)
			return cell{t, st.Muted.Render(t)}
		}
		return cell{t, st.sevStyle(a.Severity).Render(t)}
	case acKey:
		if m := attendedMark(a); m != "" && !closed { // in hand: who has it, in the message
			return cell{m, st.Muted.Render(m)}
		}
		k := p.c.keyFor(*a)
		if closed || k == "" {
			return cell{}
		}
		return cell{k, st.FixKey.Render(k)}
	case acRule:
		return muted(string(a.Rule))
	case acSubject:
		return muted(a.Subject)
	case acAge:
		if closed {
			return muted(age(p.c.now, a.Closed))
		}
		return cell{text: age(p.c.now, a.Opened)}
	case acMessage:
		if mark := termsafe.Line(ackMark(a)); mark != "" && !closed {
			msg := termsafe.Line(a.Message)
			return cell{mark + msg, st.Muted.Render(mark) + msg}
		}
		return muted(a.Message)
	}
	return cell{}
}

// sevLabel is a severity in four cells.
func sevLabel(s monitor.Severity) string {
	switch s {
	case monitor.SevCritical:
		return "CRIT"
	case monitor.SevWarning:
		return "WARN"
	}
	return "INFO"
}

// sevStyle is the badge style of a severity.
func (s *Styles) sevStyle(sev monitor.Severity) lipgloss.Style {
	switch sev {
	case monitor.SevCritical:
		return s.SevCritical
	case monitor.SevWarning:
		return s.SevWarning
	}
	return s.SevInfo
}
