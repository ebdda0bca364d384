package tui

import (
	"strconv"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
)

// trunksPane lists the trunks: registration, OPTIONS health, traffic and
// KPIs over the chosen window, and a calls-per-minute sparkline.
type trunksPane struct {
	c      *shared
	trunks []monitor.TrunkView // from the latest snapshot, read only
	cursor int
	offset int
	rows   int // visible rows
}

const (
	tcName = iota
	tcRole
	tcReg
	tcOptions
	tcCPM
	tcASR
	tcNER
	tcOneWay
	tcNoMedia
	tcMOS
	tcMOSP5
	tcPDD
	tcCodes
	tcSeen
	tcSpark
)

var trunkColumns = []column{
	{id: tcName, title: "trunk", w: 12, prio: 0},
	{id: tcRole, title: "role", w: 6, prio: 3},
	{id: tcReg, title: "register", w: 12, prio: 1},
	{id: tcOptions, title: "options", w: 10, prio: 1},
	{id: tcCPM, title: "cpm", w: 4, right: true, prio: 0},
	{id: tcASR, title: "ASR", w: 4, right: true, prio: 0},
	{id: tcNER, title: "NER", w: 4, right: true, prio: 0},
	// Media: one-way share from 80 columns, the no-media share from 93,
	// MOS mean from 98, MOS p5 from 102 (README: What you see).
	{id: tcOneWay, title: "1way", w: 4, right: true, prio: 1},
	{id: tcNoMedia, title: "nomed", w: 5, right: true, prio: 3},
	{id: tcMOS, title: "MOS", w: 4, right: true, prio: 3},
	{id: tcMOSP5, title: "p5", w: 3, right: true, prio: 4},
	{id: tcPDD, title: "PDD", w: 6, right: true, prio: 4},
	{id: tcCodes, title: "top failures", w: 12, prio: 1},
	{id: tcSeen, title: "last", w: 6, right: true, prio: 5},
	{id: tcSpark, title: "calls/min 30m", w: 10, maxW: monitor.SparkMinutes, prio: 2, flex: true},
}

func newTrunksPane(c *shared) *trunksPane { return &trunksPane{c: c} }

func (p *trunksPane) setSize(s size) { p.rows = max(s.h-2, 1) }

func (p *trunksPane) setData(trunks []monitor.TrunkView) {
	p.trunks = trunks
	p.cursor = clamp(p.cursor, 0, len(trunks)-1)
	p.offset = scrollTo(p.cursor, p.offset, p.rows)
}

// selected is the trunk under the cursor, if any.
func (p *trunksPane) selected() (monitor.TrunkView, bool) {
	if p.cursor < 0 || p.cursor >= len(p.trunks) {
		return monitor.TrunkView{}, false
	}
	return p.trunks[p.cursor], true
}

// Update handles a key sent to the focused trunks pane.
func (p *trunksPane) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if key.Matches(k, p.c.keys.Enter) {
		if t, ok := p.selected(); ok {
			return openDetail(detailTrunk, t.Name)
		}
		return nil
	}
	p.cursor = moveCursor(p.c.keys, k, p.cursor, len(p.trunks), p.rows)
	p.offset = scrollTo(p.cursor, p.offset, p.rows)
	return nil
}

func (p *trunksPane) view(s size, focused bool) []string {
	st := p.c.st
	cols := chooseColumns(trunkColumns, s.w)
	summary := strconv.Itoa(len(p.trunks)) + " trunks · " + winLabel(p.c.win) + " window"
	lines := make([]string, 0, s.h)
	lines = append(lines, titleBar(st, "TRUNKS", summary, "", s.w, focused))
	lines = append(lines, headerRow(st, cols, s.w, -1, ""))
	lines = append(lines, tableRows(st, cols, s.w, p.offset, min(p.offset+p.rows, len(p.trunks)), p.cursor, focused,
		func(i int, c column) cell { return p.cell(&p.trunks[i], c) })...)
	if len(p.trunks) == 0 {
		lines = append(lines, st.Muted.Render("  no trunks yet"))
	}
	return padLines(lines, s.w, s.h)
}

func (p *trunksPane) cell(t *monitor.TrunkView, c column) cell {
	st := p.c.st
	w := t.Win[p.c.win]
	switch c.id {
	case tcName:
		return netCell(st.roleStyle(t.Role), t.Name)
	case tcRole:
		return cell{string(t.Role), st.roleStyle(t.Role).Render(string(t.Role))}
	case tcReg:
		return regCell(st, t, p.c.now)
	case tcOptions:
		return optionsCell(st, t)
	case tcCPM:
		return cell{text: perMinute(w.Attempts, p.c.win)}
	case tcASR:
		return rateCell(st, w.ASR())
	case tcNER:
		return rateCell(st, w.NER())
	case tcOneWay:
		return p.c.oneWayCell(&w.Media)
	case tcNoMedia:
		return p.c.noMediaCell(&w.Media)
	case tcMOS:
		return p.c.mosMeanCell(&w.Media)
	case tcMOSP5:
		return p.c.mosP5Cell(&w.Media)
	case tcPDD:
		return pddCell(&w)
	case tcCodes:
		s := topFailures(w.Codes, 3)
		return cell{s, st.Warn.Render(s)}
	case tcSeen:
		return cell{text: age(p.c.now, t.LastSeen)}
	case tcSpark:
		s := sparkline(t.Spark, c.w)
		return cell{s, st.roleStyle(t.Role).Render(s)}
	}
	return cell{}
}

// regCell is the registration state and, when registered, the time left
// until the registration runs out.
func regCell(st *Styles, t *monitor.TrunkView, now int64) cell {
	switch t.Registration {
	case monitor.RegUnknown:
		return cell{text: "—"}
	case monitor.RegRegistered:
		if t.RegExpiresAt == 0 {
			return cell{"✓ reg", st.OK.Render("✓ reg")}
		}
		left := time.Duration(t.RegExpiresAt - now)
		if left <= 0 {
			return cell{"✗ expired", st.Bad.Render("✗ expired")}
		}
		s := "✓ " + compactDur(left)
		if left < time.Minute {
			return cell{s, st.Warn.Render(s)}
		}
		return cell{s, st.OK.Render(s)}
	case monitor.RegChallenged:
		return cell{"… challenged", st.Warn.Render("… challenged")}
	default:
		s := "✗ " + string(t.Registration)
		if t.RegCode != 0 {
			s += " " + strconv.Itoa(t.RegCode)
		}
		return cell{s, st.Bad.Render(s)}
	}
}

// optionsCell is the OPTIONS probe's verdict and round-trip time.
func optionsCell(st *Styles, t *monitor.TrunkView) cell {
	switch {
	case t.OptionsUp > 0:
		s := "▲ up " + compactDur(t.OptionsRTT)
		return cell{s, st.OK.Render(s)}
	case t.OptionsUp < 0:
		s := "▼ down"
		if t.OptionsCode != 0 {
			s += " " + strconv.Itoa(t.OptionsCode)
		}
		return cell{s, st.Bad.Render(s)}
	}
	return cell{text: "—"}
}

func rateCell(st *Styles, r float64) cell {
	s := pct(r)
	return cell{s, st.rateStyle(r).Render(s)}
}

// perMinute is attempts over window win expressed per minute.
func perMinute(attempts, win int) string {
	mins := monitor.Windows[win].Minutes()
	v := float64(attempts) / mins
	if v >= 10 || v == 0 {
		return strconv.Itoa(int(v + 0.5))
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func winLabel(win int) string {
	return strconv.Itoa(int(monitor.Windows[win].Minutes())) + "m"
}

func clamp(v, lo, hi int) int {
	if hi < lo {
		return lo
	}
	return min(max(v, lo), hi)
}

// moveCursor applies a navigation key to a cursor over n rows with pages of
// page rows. Keys that are not navigation leave it where it is.
func moveCursor(k *KeyMap, msg tea.KeyPressMsg, cursor, n, page int) int {
	switch {
	case key.Matches(msg, k.Up):
		cursor--
	case key.Matches(msg, k.Down):
		cursor++
	case key.Matches(msg, k.PageUp):
		cursor -= max(page, 1)
	case key.Matches(msg, k.PageDown):
		cursor += max(page, 1)
	case key.Matches(msg, k.Top):
		cursor = 0
	case key.Matches(msg, k.Bottom):
		cursor = n - 1
	}
	return clamp(cursor, 0, n-1)
}
