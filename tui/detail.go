package tui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/termsafe"
)

// detailKind says what the detail view shows.
type detailKind int

const (
	detailTrunk  detailKind = iota
	detailNumber            // a ported number
	detailAny               // an alert subject: the root resolves it
	detailAction            // an operator action
	detailNote              // an operator note: id is "TIME AUTHOR"
	detailReq               // a port request (landing.go)
)

// detailView is the open detail of one trunk, number, action or note: a
// component with its own keys (it scrolls; esc closes it). It is looked up
// again in every new snapshot, so it stays live. The title stays put; the
// rest scrolls in a viewport.
type detailView struct {
	c     *shared
	kind  detailKind
	id    string
	snap  *monitor.Snapshot // the snapshot it was last drawn from
	notes []logEntry        // the operators' log (notes are looked up in it)
	w     int
	vp    viewport.Model
	title string
	done  bool // esc: closed
}

func newDetailView(c *shared, kind detailKind, id string) *detailView {
	return &detailView{c: c, kind: kind, id: id, vp: newViewport()}
}

const (
	detailLabelW   = 16 // the metric names column
	detailColW     = 16 // one window's column
	detailSparkH   = 5  // rows of the big sparkline
	detailFeedRows = 12 // recent SIP lines listed
)

// Update scrolls the detail; esc closes it.
func (v *detailView) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if key.Matches(k, v.c.keys.Back) {
		v.done = true
		return nil
	}
	if id := v.requestOf(v.snap); id != "" && key.Matches(k, v.c.keys.Request) {
		return openDetail(detailReq, id)
	}
	scrollKey(v.c.keys, k, &v.vp, true)
	return nil
}

// refresh draws the detail again from snap for a body of w×h.
func (v *detailView) refresh(snap *monitor.Snapshot, notes []logEntry, w, h int) {
	v.snap, v.notes, v.w = snap, notes, w
	lines := v.content()
	v.title = lines[0]
	setLines(&v.vp, lines[1:], w, h-1)
}

// view is the body: the title, then the scrolled rest.
func (v *detailView) view() []string {
	return append([]string{v.title}, viewLines(v.vp)...)
}

// content is every line of the detail view, unscrolled.
func (v *detailView) content() []string {
	st, w := v.c.st, v.w
	if v.snap != nil {
		switch v.kind {
		case detailTrunk:
			for i := range v.snap.Trunks {
				if v.snap.Trunks[i].Name == v.id {
					return v.trunkDetail(&v.snap.Trunks[i])
				}
			}
		case detailAction:
			for i := range v.snap.Actions {
				if v.snap.Actions[i].ID == v.id {
					return v.actionDetail(&v.snap.Actions[i])
				}
			}
		case detailNote:
			for _, n := range v.notes {
				if n.act == nil && noteID(n.note) == v.id {
					return v.noteDetail(n.note)
				}
			}
		case detailNumber:
			for i := range v.snap.Numbers {
				if v.snap.Numbers[i].E164 == v.id {
					return v.numberDetail(&v.snap.Numbers[i])
				}
			}
		case detailReq:
			for i := range v.snap.Requests {
				if v.snap.Requests[i].ID == v.id {
					return v.requestDetail(&v.snap.Requests[i])
				}
			}
		}
	}
	return []string{
		titleBar(st, "DETAIL", v.id, "esc back", w, true), "",
		st.Muted.Render("  " + termsafe.Line(v.id) + " is not in the current snapshot"),
	}
}

// noteID names a note for the detail view: "TIME AUTHOR".
func noteID(n monitor.NoteView) string { return strconv.FormatInt(n.Time, 10) + " " + n.Author }

func (v *detailView) trunkDetail(t *monitor.TrunkView) []string {
	st, w := v.c.st, v.w
	lines := []string{
		titleBar(st, "TRUNK "+t.Name, string(t.Role), "↑/↓ scroll · esc back", w, true),
		"",
		labelled(st, "registration", regCell(st, t, v.c.now).render()+
			st.Muted.Render("   options ")+optionsCell(st, t).render()+
			st.Muted.Render("   last call ")+age(v.c.now, t.LastSeen)+st.Muted.Render(" ago")),
		"",
	}
	lines = append(lines, v.windowTable(&t.Win)...)
	lines = append(lines, "")
	lines = append(lines, codeMixLines(st, &t.Win, w)...)
	lines = append(lines, "")
	lines = append(lines, stirLines(st, &t.Win, w)...)
	lines = append(lines, "")
	lines = append(lines, bigSpark(st, t.Spark, t.Role, w)...)
	lines = append(lines, "")
	lines = append(lines, v.subjectAlerts(t.Name)...)
	lines = append(lines, v.recentSIP(func(l *monitor.FeedLine) bool { return l.Trunk == t.Name })...)
	return lines
}

func (v *detailView) numberDetail(n *monitor.NumberView) []string {
	st, w := v.c.st, v.w
	port := portCell(st, n.PortState).render()
	if n.PortRequestID != "" {
		port += st.Muted.Render("   request ") + termsafe.Line(n.PortRequestID) + st.Muted.Render(" (r)")
	}
	if n.Activated != 0 {
		port += st.Muted.Render("   activated ") + clock(n.Activated, "2006-01-02 15:04:05") + " UTC"
	}
	serving := st.Muted.Render("no inbound call yet")
	if n.Serving != "" {
		serving = st.roleStyle(n.ServingRole).Render(termsafe.Line(n.Serving)+" ("+string(n.ServingRole)+")") +
			st.Muted.Render("   last call ") + age(v.c.now, n.LastSeen) + st.Muted.Render(" ago")
	}
	flags := st.OK.Render("none")
	if len(n.Flags) > 0 {
		flags = st.Bad.Render(termsafe.Line(strings.Join(n.Flags, ", ")))
	}
	lines := []string{
		titleBar(st, "NUMBER "+n.E164, "", "↑/↓ scroll · esc back", w, true),
		"",
		labelled(st, "port", port),
		labelled(st, "calls land on", serving),
		labelled(st, "flags", flags),
		"",
	}
	lines = append(lines, v.landingLines(n)...)
	lines = append(lines, v.windowTable(&n.Win)...)
	lines = append(lines, "")
	lines = append(lines, codeMixLines(st, &n.Win, w)...)
	lines = append(lines, "")
	lines = append(lines, stirLines(st, &n.Win, w)...)
	lines = append(lines, "")
	lines = append(lines, v.subjectAlerts(n.E164)...)
	lines = append(lines, v.recentSIP(func(l *monitor.FeedLine) bool { return l.Number == n.E164 })...)
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
func (v *detailView) windowTable(win *[3]monitor.Stats) []string {
	st := v.c.st
	head := fit("", detailLabelW)
	for i := range win {
		h := "last " + winLabel(i)
		if i == v.c.win {
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
		{"media judged", func(s *monitor.Stats, _ int) cell { return cell{text: strconv.Itoa(s.Media.Judged)} }},
		{"one-way audio", func(s *monitor.Stats, _ int) cell { return v.c.oneWayCell(&s.Media) }},
		{"no media", func(s *monitor.Stats, _ int) cell { return v.c.noMediaCell(&s.Media) }},
		{"MOS mean", func(s *monitor.Stats, _ int) cell { return v.c.mosMeanCell(&s.Media) }},
		{"MOS p5", func(s *monitor.Stats, _ int) cell { return v.c.mosP5Cell(&s.Media) }},
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
func (v *detailView) subjectAlerts(subject string) []string {
	st := v.c.st
	lines := []string{st.ColHeader.Render("  alerts")}
	for i := range v.snap.Alerts {
		a := &v.snap.Alerts[i]
		if a.Subject != subject {
			continue
		}
		rule, msg := termsafe.Line(string(a.Rule)), termsafe.Line(a.Message)
		if a.Closed != 0 {
			lines = append(lines, st.Muted.Render("    done  "+rule+"  "+msg+"  (closed "+age(v.c.now, a.Closed)+" ago)"))
			continue
		}
		lines = append(lines, "    "+st.sevStyle(a.Severity).Render(sevLabel(a.Severity))+"  "+
			st.Bold.Render(rule)+"  "+msg+st.Muted.Render("  (open "+age(v.c.now, a.Opened)+")"))
	}
	if len(lines) == 1 {
		lines = append(lines, st.OK.Render("    none"))
	}
	return append(lines, "")
}

// recentSIP lists the newest feed lines that match: for a number, the
// trunks its calls actually arrive on.
func (v *detailView) recentSIP(match func(*monitor.FeedLine) bool) []string {
	st := v.c.st
	var picked []*monitor.FeedLine
	for i := len(v.snap.Feed) - 1; i >= 0 && len(picked) < detailFeedRows; i-- {
		if match(&v.snap.Feed[i]) {
			picked = append(picked, &v.snap.Feed[i])
		}
	}
	lines := []string{st.ColHeader.Render("  recent SIP (newest first)")}
	for _, l := range picked {
		dir := "→"
		if l.Dir != monitor.DirIn {
			dir = "←"
		}
		lines = append(lines, "    "+st.Muted.Render(clock(l.Time, "15:04:05"))+"  "+fit(termsafe.Line(l.Trunk), 12)+" "+dir+" "+
			st.codeStyle(l.Code).Render(termsafe.Line(l.Summary)))
	}
	if len(picked) == 0 {
		lines = append(lines, st.Muted.Render("    none in the feed"))
	}
	return lines
}
