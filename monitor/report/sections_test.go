package report

import (
	"bytes"
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
