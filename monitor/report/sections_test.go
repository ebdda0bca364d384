package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
)

func actionEvent(at time.Time, rec monitor.ActionRecord) monitor.Event {
	return monitor.Event{Time: at.UnixNano(), Kind: monitor.KindAction, Source: monitor.SourceOperator, Action: &rec}
}

func rendered(t *testing.T, rep *Report, format string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, rep, format); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// rowsWith are the lines of out that contain s.
func rowsWith(out, s string) []string {
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			rows = append(rows, l)
		}
	}
	return rows
}

// Issue 15: an action's multi-line result broke the text and Markdown
// tables' rows (text showed \x0a and \x0d\x0a escapes, Markdown lost the
// line breaks to spaces and kept \x0d). Each line break is now \n, on
// the row's one line, in both.
func TestReportActionTextWithLineBreaksStaysOnOneRow(t *testing.T) {
	start := sim.DefaultOptions().Start
	rec := monitor.ActionRecord{ID: "a1", Type: "outbound", State: monitor.ActionDone, Target: "+15551230001", Operator: "bob@noc",
		Result: "route +15551230001\r\n  was: legacy\n  now: new-a"}
	rep, _ := demoReport(t, 5, actionEvent(start.Add(100*time.Minute), rec))
	for _, f := range []string{"text", "md"} {
		out := rendered(t, rep, f)
		rows := rowsWith(out, "outbound done by bob@noc")
		if len(rows) == 0 {
			t.Fatalf("%s: no row of the action:\n%s", f, out)
		}
		for _, r := range rows {
			if !strings.Contains(r, `route +15551230001\nwas: legacy\nnow: new-a`) {
				t.Errorf("%s row %q: want the result on one line as route +15551230001\\nwas: legacy\\nnow: new-a", f, r)
			}
		}
	}
}

// Issue 15: an undo's row showed the undone action's id as its subject.
// It shows what the undone action acted on, and says which action it
// undid.
func TestReportUndoRowsShowWhatTheyUndo(t *testing.T) {
	start := sim.DefaultOptions().Start
	orig := monitor.ActionRecord{ID: "a7", Type: "outbound", State: monitor.ActionDone, Target: "+15551230001", Operator: "bob@noc", Undo: "x"}
	undo := monitor.ActionRecord{ID: "a8", Type: "undo", State: monitor.ActionDone, Target: "a7", Operator: "bob@noc", Result: "restored"}
	rep, _ := demoReport(t, 5, actionEvent(start.Add(100*time.Minute), orig), actionEvent(start.Add(101*time.Minute), undo))
	for _, f := range []string{"text", "md"} {
		out := rendered(t, rep, f)
		rows := rowsWith(out, "restored")
		if len(rows) == 0 {
			t.Fatalf("%s: no undo row:\n%s", f, out)
		}
		for _, r := range rows {
			if !strings.Contains(r, "+15551230001") || !strings.Contains(r, "undo of outbound a7 done by bob@noc") {
				t.Errorf("%s undo row %q: want the subject +15551230001 and 'undo of outbound a7'", f, r)
			}
		}
	}
}

// The report opens with the summary: the verdict, the numbers by port
// state and the go/no-go counts per port request, before any table of
// figures; the board lists every number.
func TestReportOpensWithTheSummaryAndTheBoard(t *testing.T) {
	rep, _ := demoReport(t, 20)
	if rep.Verdict.Verdict == "" || rep.Verdict.Go+rep.Verdict.Watch+rep.Verdict.NoGo != 20 {
		t.Fatalf("verdict %+v, want one over 20 numbers", rep.Verdict)
	}
	if len(rep.PortStates) == 0 || rep.PortStates[0].Count == 0 {
		t.Fatalf("port states %+v", rep.PortStates)
	}
	n := 0
	for _, g := range rep.Board {
		if g.PortRequestID == "" || g.Go+g.Watch+g.NoGo != len(g.Rows) {
			t.Fatalf("board group %+v", g)
		}
		n += len(g.Rows)
	}
	if n != 20 {
		t.Fatalf("the board lists %d numbers, want 20", n)
	}
	// A warning (the recording cut short, ...) comes first in the summary.
	rep.Warnings = []string{"the recording was cut short at 03:00"}
	for _, f := range []string{"text", "md", "html"} {
		out := rendered(t, rep, f)
		summary := strings.Index(out, "Summary")
		warning := strings.Index(out, "WARNING: the recording was cut short at 03:00")
		verdict := strings.Index(out, "Verdict: "+strings.ToUpper(rep.Verdict.Verdict))
		if f == "html" {
			verdict = strings.Index(out, `Verdict: <span class="badge v-`+rep.Verdict.Verdict+`">`)
		}
		states := strings.Index(out, "Numbers by port state: "+portStatesLine(rep.PortStates))
		perPR := strings.Index(out, "Go/no-go by port request")
		board := strings.Index(out, "Go/no-go board")
		first := len(out)
		for _, later := range []string{"Incidents", "Trunks (whole cutover)", "Timeline", "SIP messages ("} {
			if i := strings.Index(out, later); i >= 0 {
				first = min(first, i)
			}
		}
		if verdict < 0 || states < 0 || perPR < 0 || board < 0 || !(verdict < perPR && states < perPR && perPR < board && board < first) {
			t.Errorf("%s: verdict at %d, port states at %d, per port request at %d, board at %d, first other section at %d", f, verdict, states, perPR, board, first)
		}
		if summary < 0 || warning < summary || warning > verdict {
			t.Errorf("%s: summary at %d, warning at %d, verdict at %d: want the warning first in the summary", f, summary, warning, verdict)
		}
		if !strings.Contains(out, rep.Board[0].Rows[0].E164[1:]) {
			t.Errorf("%s: the board lacks %s", f, rep.Board[0].Rows[0].E164)
		}
	}
}

// Each alert episode is an incident with its start, end and duration;
// the action the operator took on it (prompted by it), done before it
// closed, ended it. One still open at the end says so.
func TestReportIncidentsAndTheActionThatEndedThem(t *testing.T) {
	start := sim.DefaultOptions().Start
	at := func(d time.Duration) time.Time { return start.Add(d) }
	alert := func(d time.Duration, open bool, subject string) monitor.Event {
		return monitor.Event{Time: at(d).UnixNano(), Kind: monitor.KindAlert, Source: monitor.SourceFold,
			Alert: &monitor.AlertChange{Rule: monitor.RuleOptionsDown, Subject: subject, Open: open, Severity: monitor.SevCritical, Message: "down"}}
	}
	rec := monitor.ActionRecord{ID: "f1", Type: "failover", Target: "sbc", Operator: "bob@noc", Prompted: "options_down:new-x"}
	req, done := rec, rec
	req.State, done.State = monitor.ActionRequested, monitor.ActionDone
	note := monitor.Event{Time: at(112 * time.Minute).UnixNano(), Kind: monitor.KindNote, Source: monitor.SourceOperator,
		Note: &monitor.Note{Author: "alice", Text: "new-x back after failover"}}
	rep, _ := demoReport(t, 10,
		alert(110*time.Minute, true, "new-x"), actionEvent(at(111*time.Minute), req), actionEvent(at(111*time.Minute+2*time.Second), done),
		note, alert(113*time.Minute, false, "new-x"), alert(170*time.Minute, true, "new-y"))
	var x, y *Incident
	for i := range rep.Incidents {
		switch rep.Incidents[i].Subject {
		case "new-x":
			x = &rep.Incidents[i]
		case "new-y":
			y = &rep.Incidents[i]
		}
	}
	if x == nil || y == nil {
		t.Fatalf("incidents %+v: want new-x and new-y", rep.Incidents)
	}
	if !x.Start.Equal(at(110*time.Minute)) || x.End == nil || !x.End.Equal(at(113*time.Minute)) || x.Duration != 3*time.Minute {
		t.Errorf("new-x incident %+v: want 3m from +110m", *x)
	}
	if x.Action != "f1" || !strings.Contains(x.EndedBy, "failover sbc by bob@noc") {
		t.Errorf("new-x ended by %q (%s), want failover f1", x.EndedBy, x.Action)
	}
	if y.End != nil || y.Action != "" || y.Duration != rep.End.Sub(y.Start) {
		t.Errorf("new-y incident %+v: want open at the end, to the end of the recording", *y)
	}
	out := rendered(t, rep, "text")
	inc := rowsWith(out, "new-x")
	if len(inc) == 0 || !strings.Contains(inc[0], "3m00s") || !strings.Contains(inc[0], "failover sbc by bob@noc") {
		t.Errorf("incident row %q: want its duration and the action", inc)
	}
	if rows := rowsWith(out, "new-y  "); len(rows) == 0 || !strings.Contains(rows[0], "open at the end") {
		t.Errorf("open incident rows %q", rows)
	}
	// The charts mark it: a band over its minutes, numbered as in the
	// table: the night's three charts, and the media chart (the simulated
	// night has media reports).
	page := rendered(t, rep, "html")
	if want := fmt.Sprintf("<title>#%d options_down new-x, 3m00s</title>", x.N); strings.Count(page, want) != 4 {
		t.Errorf("the HTML report's 4 charts over time do not each mark %q (%d do)", want, strings.Count(page, want))
	}
	if !strings.Contains(page, "@media print{") || !strings.Contains(page, "break-inside:avoid") {
		t.Error("the HTML report has no print stylesheet keeping boxes whole")
	}
	// Actions and notes: one line per action (its last step), and the note.
	i := strings.Index(out, "Actions and notes\n")
	j := strings.Index(out[i+1:], "\n\n")
	section := out[i : i+1+j]
	if strings.Count(section, "failover done by bob@noc") != 1 || !strings.Contains(section, "new-x back after failover") ||
		strings.Contains(section, "failover requested") {
		t.Errorf("actions and notes section:\n%s", section)
	}
}

// A port request's numbers completing together are one line of the
// timeline, not one per number; a lone change keeps its own line.
func TestReportTimelineGroupsPortChangesByPortRequest(t *testing.T) {
	rep, _ := demoReport(t, 40)
	var port []Entry
	for _, e := range rep.Timeline {
		if e.Kind == "port" {
			port = append(port, e)
		}
	}
	if len(port) == 0 || len(port) > 8 {
		t.Fatalf("%d port lines for 40 numbers: %+v", len(port), port)
	}
	total := 0
	for _, e := range port {
		if !strings.HasPrefix(e.Subject, "PR-") || !strings.Contains(e.Text, "numbers of "+e.Subject) {
			t.Fatalf("port line %+v: want a port request's numbers", e)
		}
		var n int
		fmt.Sscanf(e.Text[strings.Index(e.Text, ": ")+2:], "%d", &n)
		total += n
	}
	if total != 40 {
		t.Fatalf("the port lines count %d numbers, want 40", total)
	}
}
