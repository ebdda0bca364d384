package tui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/cutover/cutover/monitor"
)

// detailKind says what the detail view shows.
type detailKind int

const (
	detailTrunk  detailKind = iota
	detailNumber            // a ported number
	detailAny               // an alert subject: the root resolves it
	detailAction            // an operator action
	detailNote              // an operator note: id is "TIME AUTHOR"
)

// detailView is the open detail of one trunk or number. It is looked up in
// every new snapshot, so it stays live.
type detailView struct {
	kind   detailKind
	id     string
	scroll int // first line shown below the title
}

const (
	detailLabelW   = 16 // the metric names column
	detailColW     = 16 // one window's column
	detailSparkH   = 5  // rows of the big sparkline
	detailFeedRows = 12 // recent SIP lines listed
)

// detailLines is the body while the detail view is open, scrolled.
func (m Model) detailLines() []string {
	lines := m.detailContent()
	h := m.lay.body.h
	if len(lines) <= h {
		return lines
	}
	top := lines[0] // the title stays put
	rest := lines[1:]
	from := clamp(m.detail.scroll, 0, max(len(rest)-(h-1), 0))
	return append([]string{top}, rest[from:min(from+h-1, len(rest))]...)
}

// detailContent is every line of the detail view, unscrolled.
func (m Model) detailContent() []string {
	st, w, d := m.c.st, m.lay.width, m.detail
	if m.snap != nil {
		switch d.kind {
		case detailTrunk:
			for i := range m.snap.Trunks {
				if m.snap.Trunks[i].Name == d.id {
					return m.trunkDetail(&m.snap.Trunks[i])
				}
			}
		case detailAction:
			for i := range m.snap.Actions {
				if m.snap.Actions[i].ID == d.id {
					return m.actionDetail(&m.snap.Actions[i])
				}
			}
		case detailNote:
			for _, n := range m.actions.all {
				if n.act == nil && strconv.FormatInt(n.note.Time, 10)+" "+n.note.Author == d.id {
					return m.noteDetail(n.note)
				}
			}
		case detailNumber:
			for i := range m.snap.Numbers {
				if m.snap.Numbers[i].E164 == d.id {
					return m.numberDetail(&m.snap.Numbers[i])
				}
			}
		}
	}
	return []string{
		titleBar(st, "DETAIL", d.id, "esc back", w, true), "",
		st.Muted.Render("  " + d.id + " is not in the current snapshot"),
	}
}

func (m Model) trunkDetail(t *monitor.TrunkView) []string {
	st, w := m.c.st, m.lay.width
	lines := []string{
		titleBar(st, "TRUNK "+t.Name, string(t.Role), "↑/↓ scroll · esc back", w, true),
		"",
		labelled(st, "registration", regCell(st, t, m.c.now).render()+
			st.Muted.Render("   options ")+optionsCell(st, t).render()+
			st.Muted.Render("   last call ")+age(m.c.now, t.LastSeen)+st.Muted.Render(" ago")),
		"",
	}
	lines = append(lines, m.windowTable(&t.Win)...)
	lines = append(lines, "")
	lines = append(lines, codeMixLines(st, &t.Win, w)...)
	lines = append(lines, "")
	lines = append(lines, stirLines(st, &t.Win, w)...)
	lines = append(lines, "")
	lines = append(lines, bigSpark(st, t.Spark, t.Role, w)...)
	lines = append(lines, "")
	lines = append(lines, m.subjectAlerts(t.Name)...)
	lines = append(lines, m.recentSIP(func(l *monitor.FeedLine) bool { return l.Trunk == t.Name })...)
	return lines
}

func (m Model) numberDetail(n *monitor.NumberView) []string {
	st, w := m.c.st, m.lay.width
	port := portCell(st, n.PortState).render()
	if n.PortRequestID != "" {
		port += st.Muted.Render("   request ") + n.PortRequestID
	}
	if n.Activated != 0 {
		port += st.Muted.Render("   activated ") + clock(n.Activated, "2006-01-02 15:04:05") + " UTC"
	}
	serving := st.Muted.Render("no inbound call yet")
	if n.Serving != "" {
		serving = st.roleStyle(n.ServingRole).Render(n.Serving+" ("+string(n.ServingRole)+")") +
			st.Muted.Render("   last call ") + age(m.c.now, n.LastSeen) + st.Muted.Render(" ago")
	}
	flags := st.OK.Render("none")
	if len(n.Flags) > 0 {
		flags = st.Bad.Render(strings.Join(n.Flags, ", "))
	}
	lines := []string{
		titleBar(st, "NUMBER "+n.E164, "", "↑/↓ scroll · esc back", w, true),
		"",
		labelled(st, "port", port),
		labelled(st, "calls land on", serving),
		labelled(st, "flags", flags),
		"",
	}
	lines = append(lines, m.windowTable(&n.Win)...)
	lines = append(lines, "")
	lines = append(lines, codeMixLines(st, &n.Win, w)...)
	lines = append(lines, "")
	lines = append(lines, stirLines(st, &n.Win, w)...)
	lines = append(lines, "")
	lines = append(lines, m.subjectAlerts(n.E164)...)
	lines = append(lines, m.recentSIP(func(l *monitor.FeedLine) bool { return l.Number == n.E164 })...)
	return lines
}

// render is a cell in its colours.
func (c cell) render() string {
	if c.styled != "" {
		return c.styled
	}
	return c.text
}

func labelled(st *Styles, label, value string) string {
	return st.ColHeader.Render(fit("  "+label, detailLabelW)) + value
}

// windowTable shows the KPIs of all three windows side by side.
func (m Model) windowTable(win *[3]monitor.Stats) []string {
	st := m.c.st
	head := fit("", detailLabelW)
	for i := range win {
		h := "last " + winLabel(i)
		if i == m.c.win {
			h += " ●"
		}
		head += fitRight(h, detailColW)
	}
	lines := []string{st.ColHeader.Render(head)}
	type row struct {
		label string
		cell  func(s *monitor.Stats, w int) cell
	}
	rows := []row{
		{"attempts", func(s *monitor.Stats, _ int) cell { return cell{text: strconv.Itoa(s.Attempts)} }},
		{"calls/min", func(s *monitor.Stats, w int) cell { return cell{text: perMinute(s.Attempts, w)} }},
		{"answered", func(s *monitor.Stats, _ int) cell {
			return cell{text: strconv.Itoa(s.Answered) + "/" + strconv.Itoa(s.Completed)}
		}},
		{"failed", func(s *monitor.Stats, _ int) cell { return cell{text: strconv.Itoa(s.Failed)} }},
		{"ASR", func(s *monitor.Stats, _ int) cell { return rateCell(st, s.ASR()) }},
		{"NER", func(s *monitor.Stats, _ int) cell { return rateCell(st, s.NER()) }},
		{"drop", func(s *monitor.Stats, _ int) cell {
			r := s.DropRate()
			return cell{pct(r), st.dropStyle(r).Render(pct(r))}
		}},
		{"PDD", func(s *monitor.Stats, _ int) cell { return pddCell(s) }},
		{"legacy / new", func(s *monitor.Stats, _ int) cell {
			return cell{text: strconv.Itoa(s.Legacy) + " / " + strconv.Itoa(s.New)}
		}},
		{"share", func(s *monitor.Stats, _ int) cell {
			styled, plain := shareBar(st, s.Legacy, s.New, detailColW-2)
			return cell{plain, styled}
		}},
		{"attestation", func(s *monitor.Stats, _ int) cell { return cell{text: attestText(s.Attest)} }},
	}
	for _, r := range rows {
		line := st.ColHeader.Render(fit("  "+r.label, detailLabelW))
		for i := range win {
			c := r.cell(&win[i], i)
			line += strings.Repeat(" ", max(detailColW-lipgloss.Width(c.text), 0)) + c.render()
		}
		lines = append(lines, line)
	}
	return lines
}

func pddCell(s *monitor.Stats) cell {
	if s.PDDCount == 0 {
		return cell{text: "—"}
	}
	return cell{text: compactDur(s.PDD())}
}

// codeMixLines is the full response-code mix of each window, wrapped.
func codeMixLines(st *Styles, win *[3]monitor.Stats, w int) []string {
	lines := []string{st.ColHeader.Render("  response codes")}
	for i := range win {
		tokens := make([]string, 0, len(win[i].Codes))
		for _, c := range win[i].Codes {
			tokens = append(tokens, st.codeStyle(c.Code).Render(strconv.Itoa(c.Code))+
				st.Muted.Render("×"+strconv.Itoa(c.Count)))
		}
		if len(tokens) == 0 {
			tokens = append(tokens, st.Muted.Render("—"))
		}
		lines = append(lines, wrapTokens(fit("    "+winLabel(i), detailLabelW), tokens, w)...)
	}
	return lines
}

// wrapTokens lays tokens out after a label, wrapping at w with the
// continuation lines indented like the first.
func wrapTokens(label string, tokens []string, w int) []string {
	indent := strings.Repeat(" ", lipgloss.Width(label))
	var lines []string
	cur, curW := label, lipgloss.Width(label)
	for i, t := range tokens {
		tw := lipgloss.Width(t)
		if i > 0 && curW+1+tw > w {
			lines = append(lines, cur)
			cur, curW = indent, len(indent)
		}
		if curW > len(indent) {
			cur += " "
			curW++
		}
		cur += t
		curW += tw
	}
	return append(lines, cur)
}

// bigSpark draws calls per minute over the last 30 minutes, several rows
// high, each minute as wide as the screen allows.
func bigSpark(st *Styles, vals []int, role monitor.Role, w int) []string {
	peak := 0
	for _, v := range vals {
		peak = max(peak, v)
	}
	title := st.ColHeader.Render("  calls/min, last "+strconv.Itoa(monitor.SparkMinutes)+"m") +
		st.Muted.Render("   peak "+strconv.Itoa(peak))
	if len(vals) == 0 || peak == 0 {
		return []string{title, st.Muted.Render("    no calls")}
	}
	cw := max((w-detailLabelW)/len(vals), 1)
	style := st.roleStyle(role)
	lines := []string{title}
	for r := range detailSparkH {
		floor := (detailSparkH - 1 - r) * 8 // eighths below this row
		var b strings.Builder
		for _, v := range vals {
			lvl := clamp(v*detailSparkH*8/peak-floor, 0, 8)
			ch := " "
			if lvl > 0 {
				ch = string(sparkBlocks[lvl-1])
			}
			b.WriteString(strings.Repeat(ch, cw))
		}
		lines = append(lines, strings.Repeat(" ", detailLabelW)+style.Render(b.String()))
	}
	axis := fit("-"+strconv.Itoa(len(vals))+"m", cw*len(vals)-3) + "now"
	return append(lines, strings.Repeat(" ", detailLabelW)+st.Muted.Render(axis))
}

// subjectAlerts lists the alerts (open and recently closed) on a subject.
func (m Model) subjectAlerts(subject string) []string {
	st := m.c.st
	lines := []string{st.ColHeader.Render("  alerts")}
	for i := range m.snap.Alerts {
		a := &m.snap.Alerts[i]
		if a.Subject != subject {
			continue
		}
		if a.Closed != 0 {
			lines = append(lines, st.Muted.Render("    done  "+string(a.Rule)+"  "+a.Message+"  (closed "+age(m.c.now, a.Closed)+" ago)"))
			continue
		}
		lines = append(lines, "    "+st.sevStyle(a.Severity).Render(sevLabel(a.Severity))+"  "+
			st.Bold.Render(string(a.Rule))+"  "+a.Message+st.Muted.Render("  (open "+age(m.c.now, a.Opened)+")"))
	}
	if len(lines) == 1 {
		lines = append(lines, st.OK.Render("    none"))
	}
	return append(lines, "")
}

// recentSIP lists the newest feed lines that match: for a number, the
// trunks its calls actually arrive on.
func (m Model) recentSIP(match func(*monitor.FeedLine) bool) []string {
	st := m.c.st
	var picked []*monitor.FeedLine
	for i := len(m.snap.Feed) - 1; i >= 0 && len(picked) < detailFeedRows; i-- {
		if match(&m.snap.Feed[i]) {
			picked = append(picked, &m.snap.Feed[i])
		}
	}
	lines := []string{st.ColHeader.Render("  recent SIP (newest first)")}
	for _, l := range picked {
		dir := "→"
		if l.Dir != "in" {
			dir = "←"
		}
		lines = append(lines, "    "+st.Muted.Render(clock(l.Time, "15:04:05"))+"  "+fit(l.Trunk, 12)+" "+dir+" "+
			st.codeStyle(l.Code).Render(l.Summary))
	}
	if len(picked) == 0 {
		lines = append(lines, st.Muted.Render("    none in the feed"))
	}
	return lines
}
