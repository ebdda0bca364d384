package report

import (
	"html/template"
	"io"
	"math"
	"time"
)

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Cutover report: {{.R.Name}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#111;max-width:1400px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;white-space:nowrap}
th{background:#f2f2f2;position:sticky;top:0}tr:nth-child(even) td{background:#fafafa}
.meta{color:#444}.scroll{max-height:600px;overflow:auto;display:inline-block}
svg{display:block;margin:10px 0;background:#fff;font-family:inherit}
</style></head><body>
<h1>Cutover report: {{.R.Name}}</h1>
<p class="meta">{{.Start}} to {{.End}} (UTC) · {{.R.Events}} events{{if .R.Quarantined}} ({{.R.Quarantined}} quarantined for their time){{end}} · {{.R.SIP.Messages}} SIP messages · recording {{.R.Recording}}</p>
{{if .CutShort}}<p class="meta" style="color:#b00;font-weight:bold">{{.CutShort}}</p>{{end}}
{{if .R.Actions.Total}}<p class="meta">{{.Actions}}</p>{{end}}
<h2>Charts</h2>
{{range .Charts}}{{.}}{{end}}
{{range .Tables}}<h2>{{.Title}}</h2>
{{if .Rows}}<div class="scroll"><table><thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table></div>{{else}}<p>(none)</p>{{end}}
{{end}}
</body></html>
`))

type htmlTable struct {
	Title string
	Head  []string
	Rows  [][]string
}

func writeHTML(w io.Writer, rep *Report) error {
	data := struct {
		R          *Report
		Start, End string
		Actions    string
		CutShort   string
		Charts     []template.HTML
		Tables     []htmlTable
	}{R: rep, Start: stamp(rep.Start), End: stamp(rep.End), Actions: actionsLine(rep.Actions), CutShort: cutShortLine(rep)}
	for _, c := range charts(rep) {
		data.Charts = append(data.Charts, c.svg())
	}
	for _, t := range []table{trunkTable(rep), callsTable(rep), codesTable(rep), legacyTable(rep),
		timelineTable(rep), sipTable(rep), numberTable(rep)} {
		data.Tables = append(data.Tables, htmlTable{Title: t.title, Head: t.head, Rows: t.rows})
	}
	return page.Execute(w, data)
}

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
	return []chart{
		calls,
		{title: "Inbound calls landing on the new trunks (5-minute moving share; the rest is legacy)", xs: xs, lines: []line{share}, yMax: 1, yFmt: pctFmt},
		{title: "4xx and 5xx final responses to INVITE per minute", xs: xs, lines: []line{c4, c5}, yFmt: countFmt},
	}
}
