package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cutover/cutover/monitor/termsafe"
)

// Formats are the report's output formats.
var Formats = []string{"text", "md", "html", "json"}

// Write renders rep in format (text, md, html or json).
func Write(w io.Writer, rep *Report, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(termsafe.JSONWriter{W: w}) // DEL, C1 and bidi controls as \uXXXX: safe on a terminal, same JSON
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "text":
		return writeTables(w, rep, false)
	case "md":
		return writeTables(w, rep, true)
	case "html":
		return writeHTML(w, rep)
	}
	return fmt.Errorf("unknown report format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// table is a titled grid; text and Markdown draw it differently.
type table struct {
	title string
	head  []string
	rows  [][]string
}

type tableWriter func(w io.Writer, t table) error

// overviewEvery is the width of a row in the calls-over-time tables.
const overviewEvery = 15

func writeTables(w io.Writer, rep *Report, md bool) error {
	tw, head := tableWriter(textTable), ""
	if md {
		tw, head = mdTable, "# "
	}
	events := fmt.Sprintf("%d events", rep.Events)
	if rep.Quarantined > 0 {
		events += fmt.Sprintf(" of which %d quarantined for their time", rep.Quarantined)
	}
	title := fmt.Sprintf("Cutover report: %s (%s to %s, %s, recording %s)",
		termsafe.Line(rep.Name), stamp(rep.Start), stamp(rep.End), events, termsafe.Line(rep.Recording))
	if !md {
		title += "\n" + strings.Repeat("=", len(title))
	}
	if _, err := fmt.Fprintf(w, "%s%s\n\n", head, title); err != nil {
		return err
	}
	if err := writeSummary(w, rep, md); err != nil {
		return err
	}
	for _, t := range []table{boardSummaryTable(rep), boardTable(rep), incidentsTable(rep), logTable(rep), trunkTable(rep), callsTable(rep),
		codesTable(rep), mediaTrunkTable(rep), mediaNumberTable(rep), mediaCallsTable(rep), legacyTable(rep), requestLandingTable(rep), numberLandingTable(rep), numberTable(rep), sipTable(rep), timelineTable(rep)} {
		if err := tw(w, t); err != nil {
			return err
		}
	}
	return nil
}

// writeSummary opens the report: warnings, the verdict, the numbers by
// port state, the actions.
func writeSummary(w io.Writer, rep *Report, md bool) error {
	title, bullet := "Summary\n-------\n", ""
	if md {
		title, bullet = "## Summary\n\n", "- "
	}
	if _, err := io.WriteString(w, title); err != nil {
		return err
	}
	for _, l := range summaryLines(rep) {
		if md {
			l = mdEscape.Replace(l)
		}
		if _, err := fmt.Fprintf(w, "%s%s\n", bullet, termsafe.Line(oneLine(l))); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

// The text and Markdown reports are read on terminals (cutover report
// night.db): every cell, which may quote what the network sent (a reason
// phrase, a trunk's answer, a number), goes through termsafe.Line.

func textTable(w io.Writer, t table) error {
	fmt.Fprintf(w, "%s\n%s\n", t.title, strings.Repeat("-", len(t.title)))
	if len(t.rows) == 0 {
		_, err := fmt.Fprint(w, "(none)\n\n")
		return err
	}
	tab := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(cells []string) {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = termsafe.Line(oneLine(c))
		}
		fmt.Fprintln(tab, strings.Join(out, "\t"))
	}
	line(t.head)
	for _, r := range t.rows {
		line(r)
	}
	if err := tab.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}

func mdTable(w io.Writer, t table) error {
	fmt.Fprintf(w, "## %s\n\n", t.title)
	if len(t.rows) == 0 {
		_, err := fmt.Fprint(w, "(none)\n\n")
		return err
	}
	line := func(cells []string) {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = termsafe.Line(oneLine(mdEscape.Replace(c)))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(out, " | "))
	}
	line(t.head)
	sep := make([]string, len(t.head))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, r := range t.rows {
		line(r)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// mdEscape keeps a Markdown cell's | from ending it.
var mdEscape = strings.NewReplacer("|", `\|`)

func timelineTable(rep *Report) table {
	t := table{title: "Timeline", head: []string{"time", "what", "subject", "detail"}}
	for _, e := range rep.Timeline {
		what := e.Kind
		if e.Severity != "" {
			what += " (" + e.Severity + ")"
		}
		t.rows = append(t.rows, []string{clock(e.Time), what, e.Subject, e.Text})
	}
	return t
}

func summaryCells(s Summary) []string {
	return []string{strconv.Itoa(s.Attempts), strconv.Itoa(s.Answered), strconv.Itoa(s.Failed), pct(s.ASR), pct(s.NER), pct(s.Drop),
		ms(s.PDDms), codes(s.Codes, 4), attest(s.Attest)}
}

var summaryHead = []string{"attempts", "answered", "failed", "ASR", "NER", "drop", "PDD", "top codes", "attestation A/B/C/none/invalid"}

func trunkTable(rep *Report) table {
	t := table{title: "Trunks (whole cutover)", head: append([]string{"trunk", "role"}, summaryHead...)}
	for _, tr := range rep.Trunks {
		t.rows = append(t.rows, append([]string{tr.Name, tr.Role}, summaryCells(tr.Total)...))
	}
	return t
}

func callsTable(rep *Report) table {
	t := table{title: fmt.Sprintf("Call attempts by trunk, per %d minutes", overviewEvery), head: []string{"from"}}
	for _, tr := range rep.Trunks {
		t.head = append(t.head, tr.Name)
	}
	t.head = append(t.head, "new share")
	for i := 0; i < len(rep.Minutes); i += overviewEvery {
		row := []string{clock(rep.Minutes[i].Time)}
		for _, tr := range rep.Trunks {
			n := 0
			for _, m := range tr.Minutes[i:min(i+overviewEvery, len(tr.Minutes))] {
				n += m.Attempts
			}
			row = append(row, strconv.Itoa(n))
		}
		var l, nw int
		for _, m := range rep.Minutes[i:min(i+overviewEvery, len(rep.Minutes))] {
			l, nw = l+m.Legacy, nw+m.New
		}
		row = append(row, pct(share(nw, l+nw)))
		t.rows = append(t.rows, row)
	}
	return t
}

func codesTable(rep *Report) table {
	t := table{title: "Final responses to INVITE by trunk", head: []string{"trunk", "code", "count"}}
	for _, tr := range rep.Trunks {
		for _, c := range tr.Total.Codes {
			t.rows = append(t.rows, []string{tr.Name, strconv.Itoa(c.Code), strconv.Itoa(c.Count)})
		}
	}
	return t
}

func legacyTable(rep *Report) table {
	t := table{title: "Numbers still landing on legacy after their port completed",
		head: []string{"number", "activated", "legacy calls", "first minute", "last minute", "for"}}
	for _, l := range rep.Legacy {
		t.rows = append(t.rows, []string{l.E164, clock(l.Activated), strconv.Itoa(l.Calls), clock(l.First), clock(l.Last), l.For.Round(time.Minute).String()})
	}
	return t
}

func numberTable(rep *Report) table {
	t := table{title: "Numbers (whole cutover)", head: append([]string{"number", "port", "activated"}, summaryHead...)}
	for _, n := range rep.Numbers {
		act := "-"
		if n.Activated != nil {
			act = clock(*n.Activated)
		}
		t.rows = append(t.rows, append([]string{n.E164, n.PortState, act}, summaryCells(n.Total)...))
	}
	return t
}

func sipTable(rep *Report) table {
	t := table{title: fmt.Sprintf("SIP messages (%d, %d malformed), as tshark -z sip,stat counts them", rep.SIP.Messages, rep.SIP.Malformed),
		head: []string{"request or response", "messages"}}
	for _, k := range sortedKeys(rep.SIP.Requests) {
		t.rows = append(t.rows, []string{k, strconv.Itoa(rep.SIP.Requests[k])})
	}
	for _, k := range sortedKeys(rep.SIP.Responses) {
		t.rows = append(t.rows, []string{"SIP " + k, strconv.Itoa(rep.SIP.Responses[k])})
	}
	return t
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func share(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	x := float64(n) / float64(d)
	return &x
}

func pct(x *float64) string {
	if x == nil {
		return "-"
	}
	return strconv.FormatFloat(*x*100, 'f', 1, 64) + "%"
}

func ms(x *float64) string {
	if x == nil {
		return "-"
	}
	return strconv.FormatFloat(*x, 'f', 0, 64) + " ms"
}

func codes(cs []Code, n int) string {
	var parts []string
	for _, c := range cs[:min(n, len(cs))] {
		parts = append(parts, fmt.Sprintf("%d×%d", c.Code, c.Count))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func attest(a Attest) string {
	return fmt.Sprintf("%d/%d/%d/%d/%d", a.A, a.B, a.C, a.None, a.Invalid)
}

func clock(t time.Time) string { return t.UTC().Format("15:04:05") }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }

// actionsLine counts the night's actions: "4 actions: 1 done, 1 failed,
// 2 declined, 0 undone". A declined one changed nothing and is no failure.
func actionsLine(a ActionCounts) string {
	n := "actions"
	if a.Total == 1 {
		n = "action"
	}
	return fmt.Sprintf("%d %s: %d done, %d failed, %d declined, %d undone", a.Total, n, a.Done, a.Failed, a.Declined, a.Undone)
}

// cutShortWarning is the summary's first warning when the recording was
// cut short (at is its last event's time).
func cutShortWarning(at *time.Time) string {
	return "this recording was cut short at " + stamp(*at) +
		": it has no end time (its writer was killed or lost power, or is still recording); the night stops at its last event"
}
