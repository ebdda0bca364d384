package report

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

// A number activated in cutover.toml: its calls from the activation on
// make its landing and its port request's curve; the call before does not.
func TestReportLanding(t *testing.T) {
	cfg := countingConfig()
	act := cT0.Add(5 * time.Minute)
	cfg.Numbers[0].PortState, cfg.Numbers[0].Activated = monitor.PortCompleted, act.UnixNano()
	var evs []monitor.Event
	for i, c := range []struct {
		after time.Duration
		from  string
	}{{-10 * time.Second, "legacy"}, {2 * time.Minute, "legacy"}, {12 * time.Minute, "new"},
		{45 * time.Minute, "new"}, {5 * time.Hour, "legacy"}} {
		src := cLegacy
		if c.from == "new" {
			src = cNew
		}
		l := leg{id: fmt.Sprintf("l%d", i), from: "+12125550100", to: cNum, caller: src, callee: cSBC}
		evs = append(evs, l.invite(act.Add(c.after), ""), l.reply(act.Add(c.after+time.Second), 486))
	}
	rep := build(t, cfg, evs...)

	first, last := 12*time.Minute, 5*time.Hour
	wantNum := []NumberLanding{{E164: cNum, PortRequestID: "PR-1", Activated: act, ToFirstNew: &first, ToLastLegacy: &last, New: 2, Legacy: 2}}
	if !reflect.DeepEqual(rep.Landing.Numbers, wantNum) {
		t.Errorf("numbers' landing %+v, want %+v", rep.Landing.Numbers, wantNum)
	}
	if len(rep.Landing.Requests) != 1 {
		t.Fatalf("requests %+v", rep.Landing.Requests)
	}
	r := rep.Landing.Requests[0]
	wantCurve := []CurvePoint{
		{From: 2 * time.Minute, To: 3 * time.Minute, Legacy: 1},
		{From: 12 * time.Minute, To: 13 * time.Minute, New: 1, ShareNew: 1},
		{From: 40 * time.Minute, To: 50 * time.Minute, New: 1, ShareNew: 1},
		{From: 5 * time.Hour, To: 6 * time.Hour, Legacy: 1},
	}
	if r.ID != "PR-1" || r.Numbers != 1 || r.New != 2 || r.Legacy != 2 || !r.FirstActivated.Equal(act) ||
		!r.LastLegacy.Equal(act.Add(5*time.Hour)) || !reflect.DeepEqual(r.PortStates, map[string]int{"completed": 1}) ||
		!reflect.DeepEqual(r.Curve, wantCurve) {
		t.Errorf("request %+v\ncurve %+v", r, r.Curve)
	}

	var text, md, html bytes.Buffer
	for f, b := range map[string]*bytes.Buffer{"text": &text, "md": &md, "html": &html} {
		if err := Write(b, rep, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"Landing by port request", "Landing per number (time after activation)"} {
		if !strings.Contains(text.String(), want) || !strings.Contains(md.String(), want) || !strings.Contains(html.String(), want) {
			t.Errorf("a format lacks %q", want)
		}
	}
	// request, numbers, activated, new, legacy, on new, last legacy, then by span: 0-10m, 10-30m, 30m-3h, 3h+
	if want := "| PR-1 | 1 | 01:05:00 | 2 | 2 | 50.0% | 06:05:00 | 0.0% | 100.0% | 100.0% | 0.0% |"; !strings.Contains(md.String(), want) {
		t.Errorf("markdown lacks %q:\n%s", want, md.String())
	}
	if want := "| " + cNum + " | PR-1 | 01:05:00 | +12m0s | +5h0m0s | 2 | 2 |"; !strings.Contains(md.String(), want) {
		t.Errorf("markdown lacks %q", want)
	}
	h := html.String()
	at := strings.Index(h, `aria-label="Port request PR-1: share of calls on new`)
	if at < 0 {
		t.Fatalf("no propagation chart in the HTML")
	}
	svg := h[at:]
	svg = svg[:strings.Index(svg, "</svg>")]
	pts := svg[strings.Index(svg, `points="`)+8:]
	if n := len(strings.Fields(pts[:strings.Index(pts, `"`)])); n != 4 {
		t.Errorf("the curve has %d points, want one per bin with calls (4)", n)
	}
	for _, tick := range []string{">0<", ">10m<", ">30m<", ">1h<", ">3h<"} {
		if !strings.Contains(svg, tick) {
			t.Errorf("the chart's axis lacks %s", tick)
		}
	}
	if strings.Contains(svg, ">40m<") || strings.Contains(svg, ">5h<") {
		t.Error("the chart's axis labels every bin, not the ticks the screen shows")
	}
}
