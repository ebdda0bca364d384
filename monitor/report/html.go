package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"
)

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Cutover report: {{.R.Name}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#111;max-width:1400px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}h3{font-size:14px;margin:14px 0 4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;white-space:nowrap}
th{background:#f2f2f2;position:sticky;top:0}tr:nth-child(even) td{background:#fafafa}
.meta{color:#444}.scroll{max-height:600px;overflow:auto;display:inline-block;max-width:100%}
svg{display:block;margin:10px 0;background:#fff;font-family:inherit;max-width:100%;height:auto}
.summary{border:1px solid #bbb;padding:8px 16px;margin:12px 0}
.warn{background:#fff3cd;border:1px solid #e0b000;padding:6px 10px;font-weight:bold}
.verdict{font-size:18px;font-weight:bold}
.v-go{color:#fff;background:#1a7f37}.v-watch{color:#000;background:#f0c000}.v-no-go{color:#fff;background:#c62828}
.badge{padding:1px 8px;border-radius:3px}
tr.no-go td{background:#fde0e0}tr.watch td{background:#fff6d5}
td.wrap{white-space:normal;min-width:240px}
@media print{
 body{margin:0;max-width:none;font-size:11px}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .scroll{max-height:none;overflow:visible;display:block}
 th{position:static}thead{display:table-header-group}
 tr,.summary,.box,svg,h3{break-inside:avoid}
 h2,h3{break-after:avoid}
 svg{width:100%;height:auto}
 table{font-size:10px}th,td{padding:2px 4px;white-space:normal}
}
</style></head><body>
<h1>Cutover report: {{.R.Name}}</h1>
<p class="meta">{{.Start}} to {{.End}} (UTC) · {{.R.Events}} events{{if .R.Quarantined}} ({{.R.Quarantined}} quarantined for their time){{end}} · {{.R.SIP.Messages}} SIP messages · recording {{.R.Recording}}</p>
<section class="summary"><h2>Summary</h2>
{{range .R.Warnings}}<p class="warn">WARNING: {{.}}</p>
{{end}}<p class="verdict">Verdict: {{if .R.Verdict.Verdict}}<span class="badge v-{{.R.Verdict.Verdict}}">{{.VerdictWord}}</span>{{else}}none{{end}}</p>
<p>{{.Verdict}}</p>
{{range .Summary}}<p>{{.}}</p>
{{end}}{{template "table" .PerPR}}
</section>
<h2>Go/no-go board</h2>
{{range .Board}}<div class="box"><h3>{{.Name}}: {{.Go}} go, {{.Watch}} watch, {{.NoGo}} no-go</h3>
<table><thead><tr>{{range $.BoardHead}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr class="{{.Class}}">{{range .Cells}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
{{else}}<p>(none)</p>{{end}}
{{template "table" .Incidents}}
{{template "table" .Log}}
<h2>Charts</h2>
<p class="meta">Shaded bands are the trunks' incidents (red critical, amber warning), numbered as in Incidents; ticks along the top are the numbers' incidents.</p>
{{range .Charts}}<div class="box">{{.}}</div>{{end}}
{{range .Tables}}{{template "table" .}}{{end}}
</body></html>
{{define "table"}}<h2>{{.Title}}</h2>
{{if .Rows}}<div class="scroll"><table><thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table></div>{{else}}<p>(none)</p>{{end}}
{{end}}`))

// htmlBoard is one port request's box on the HTML board.
type htmlBoard struct {
	Name            string
	Go, Watch, NoGo int
	Rows            []htmlBoardRow
}

type htmlBoardRow struct {
	Class string // the verdict: go, watch, no-go
	Cells []string
}

type htmlTable struct {
	Title string
	Head  []string
	Rows  [][]string
}

func writeHTML(w io.Writer, rep *Report) error {
	data := struct {
		R                     *Report
		Start, End            string
		Verdict, VerdictWord  string
		Summary               []string
		PerPR, Incidents, Log htmlTable
		BoardHead             []string
		Board                 []htmlBoard
		Charts                []template.HTML
		Tables                []htmlTable
	}{R: rep, Start: stamp(rep.Start), End: stamp(rep.End), Verdict: rep.Verdict.Reason,

		VerdictWord: strings.ToUpper(rep.Verdict.Verdict), BoardHead: boardHead[1:]}
	if v := rep.Verdict; v.Verdict != "" {
		data.Verdict = fmt.Sprintf("%d go, %d watch, %d no-go: %s", v.Go, v.Watch, v.NoGo, v.Reason)
	}
	for _, l := range summaryLines(rep) {
		if !strings.HasPrefix(l, "WARNING: ") && !strings.HasPrefix(l, "Verdict: ") {
			data.Summary = append(data.Summary, l)
		}
	}
	data.PerPR, data.Incidents, data.Log = asHTML(boardSummaryTable(rep)), asHTML(incidentsTable(rep)), asHTML(logTable(rep))
	for _, g := range rep.Board {
		hb := htmlBoard{Name: groupName(g.PortRequestID), Go: g.Go, Watch: g.Watch, NoGo: g.NoGo}
		for _, r := range g.Rows {
			hb.Rows = append(hb.Rows, htmlBoardRow{Class: r.Verdict, Cells: boardCells(g.PortRequestID, r)[1:]})
		}
		data.Board = append(data.Board, hb)
	}
	for _, c := range charts(rep) {
		data.Charts = append(data.Charts, c.svg())
	}
	data.Charts = append(data.Charts, landingCharts(rep)...)
	for _, t := range []table{trunkTable(rep), callsTable(rep), codesTable(rep), mediaTrunkTable(rep), mediaNumberTable(rep), mediaCallsTable(rep), legacyTable(rep),
		requestLandingTable(rep), numberLandingTable(rep), numberTable(rep), sipTable(rep), timelineTable(rep)} {
		data.Tables = append(data.Tables, asHTML(t))
	}
	return page.Execute(w, data)
}

func asHTML(t table) htmlTable { return htmlTable{Title: t.title, Head: t.head, Rows: t.rows} }

// charts are calls per trunk, the new trunks' share of inbound calls and
// 4xx/5xx per minute.
func charts(rep *Report) []chart {
	xs := make([]time.Time, len(rep.Minutes))
	share := line{name: "new share", color: palette[2], ys: make([]float64, len(xs))}
	c4 := line{name: "4xx", color: palette[4], ys: make([]float64, len(xs))}
	c5 := line{name: "5xx", color: palette[1], ys: make([]float64, len(xs))}
	var lw, nw []int // inbound on legacy and new, for a 5-minute moving share
	for i, m := range rep.Minutes {
		xs[i] = m.Time
		c4.ys[i], c5.ys[i] = float64(m.C4xx), float64(m.C5xx)
		lw, nw = append(lw, m.Legacy), append(nw, m.New)
		l, n := 0, 0
		for k := max(0, i-4); k <= i; k++ {
			l, n = l+lw[k], n+nw[k]
		}
		share.ys[i] = math.NaN()
		if l+n > 0 {
			share.ys[i] = float64(n) / float64(l+n)
		}
	}
	calls := chart{title: "Call attempts per minute, by trunk", xs: xs, yFmt: countFmt}
	for k, tr := range rep.Trunks {
		l := line{name: tr.Name + " (" + tr.Role + ")", color: palette[k%len(palette)], ys: make([]float64, len(xs))}
		for i, m := range tr.Minutes {
			l.ys[i] = float64(m.Attempts)
		}
		calls.lines = append(calls.lines, l)
	}
	marks := incidentMarks(rep)
	calls.marks = marks
	out := []chart{
		calls,
		{title: "Inbound calls landing on the new trunks (5-minute moving share; the rest is legacy)", xs: xs, lines: []line{share}, yMax: 1, yFmt: pctFmt, marks: marks},
		{title: "4xx and 5xx final responses to INVITE per minute", xs: xs, lines: []line{c4, c5}, yFmt: countFmt, marks: marks},
	}
	if m := mediaChart(rep, xs, marks); m != nil {
		out = append(out, *m)
	}
	return out
}

// incidentMarks are the incidents as the charts mark them: a trunk's as
// a band, anything else's as a tick.
func incidentMarks(rep *Report) []mark {
	trunks := map[string]bool{}
	for _, t := range rep.Trunks {
		trunks[t.Name] = true
	}
	var out []mark
	for _, in := range rep.Incidents {
		out = append(out, mark{from: in.Start, to: in.Start.Add(in.Duration), n: in.N, severity: in.Severity,
			band: trunks[in.Subject], title: in.Rule + " " + in.Subject + ", " + dur(in.Duration)})
	}
	return out
}
