package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The manager's sections, shared by the text, Markdown and HTML reports.

// summaryLines are the executive summary's lines: the warnings first
// (a recording cut short, ...), then the verdict, the numbers by port
// state and the actions.
func summaryLines(rep *Report) []string {
	var out []string
	for _, w := range rep.Warnings {
		out = append(out, "WARNING: "+w)
	}
	out = append(out, verdictLine(rep.Verdict), "Numbers by port state: "+portStatesLine(rep.PortStates))
	if rep.Actions.Total > 0 {
		out = append(out, actionsLine(rep.Actions))
	}
	if n := len(rep.Incidents); n > 0 {
		open := 0
		for _, in := range rep.Incidents {
			if in.End == nil {
				open++
			}
		}
		out = append(out, fmt.Sprintf("%s, %d still open at the end", plural(n, "incident"), open))
	}
	return out
}

func verdictLine(v NightVerdict) string {
	if v.Verdict == "" {
		return "Verdict: none (" + v.Reason + ")"
	}
	return fmt.Sprintf("Verdict: %s (%d go, %d watch, %d no-go): %s", strings.ToUpper(v.Verdict), v.Go, v.Watch, v.NoGo, v.Reason)
}

func portStatesLine(cs []Count) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%d %s", c.Count, c.Name)
	}
	return strings.Join(parts, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// boardSummaryTable is go/watch/no-go per port request.
func boardSummaryTable(rep *Report) table {
	t := table{title: "Go/no-go by port request", head: []string{"port request", "numbers", "go", "watch", "no-go"}}
	for _, g := range rep.Board {
		t.rows = append(t.rows, []string{groupName(g.PortRequestID), strconv.Itoa(len(g.Rows)),
			strconv.Itoa(g.Go), strconv.Itoa(g.Watch), strconv.Itoa(g.NoGo)})
	}
	return t
}

func groupName(pr string) string {
	if pr == "" {
		return "(no port request)"
	}
	return pr
}

var boardHead = []string{"port request", "number", "port", "since activation", "inbound landing", "outbound egress", "attestation", "verdict", "reason", "fix"}

// boardTable is every number on the board, grouped by port request, the
// no-go rows of each group first.
func boardTable(rep *Report) table {
	t := table{title: "Go/no-go board", head: boardHead}
	for _, g := range rep.Board {
		for _, r := range g.Rows {
			t.rows = append(t.rows, boardCells(g.PortRequestID, r))
		}
	}
	return t
}

func boardCells(pr string, r BoardRow) []string {
	since := "-"
	if r.Activated != nil {
		since = dur(r.Since)
	}
	fix := "-"
	if r.Key != "" {
		fix = r.Key
	}
	return []string{groupName(pr), r.E164, r.PortState, since, r.Inbound, r.Outbound, r.Attestation, r.Verdict, r.Reason, fix}
}

var incidentHead = []string{"#", "start", "end", "duration", "severity", "rule", "subject", "what", "ended by"}

func incidentsTable(rep *Report) table {
	t := table{title: "Incidents", head: incidentHead}
	for _, in := range rep.Incidents {
		end := "open at the end"
		if in.End != nil {
			end = clock(*in.End)
		}
		by := "-"
		if in.EndedBy != "" {
			by = in.EndedBy
		}
		what := in.Message
		if in.CausedBy != "" {
			what += " [intended effect of " + in.CausedBy + "]"
		}
		if len(in.InHand) > 0 {
			what += " [" + in.InHand[0] + "]"
		}
		t.rows = append(t.rows, []string{strconv.Itoa(in.N), clock(in.Start), end, dur(in.Duration), in.Severity, in.Rule, in.Subject, what, by})
	}
	return t
}

func logTable(rep *Report) table {
	t := table{title: "Actions and notes", head: []string{"time", "what", "subject", "detail"}}
	for _, e := range rep.Log {
		t.rows = append(t.rows, []string{clock(e.Time), e.Kind, e.Subject, e.Text})
	}
	return t
}

// dur is a duration for people: 45s, 12m30s, 2h05m.
func dur(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", d/time.Second)
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", d/time.Minute, d%time.Minute/time.Second)
	}
	return fmt.Sprintf("%dh%02dm", d/time.Hour, d%time.Hour/time.Minute)
}

// oneLine puts a cell's lines on one line: each line break (LF or CRLF)
// shown as \n, the indentation around it dropped. Any other control is
// left for termsafe.Line to escape.
func oneLine(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	parts := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, p := range parts {
		parts[i] = strings.Trim(p, " ")
	}
	return strings.Join(parts, `\n`)
}
