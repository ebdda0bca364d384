package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor/termsafe"
)

// hostileReport is a report whose every text from the network or the
// recording holds bad.
func hostileReport(bad string) *Report {
	t0 := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
	f := 0.5
	return &Report{
		Name: "night " + bad, Recording: "x" + bad + ".db", Mode: "import", Start: t0, End: t0.Add(time.Minute), Events: 3, Bucket: "1m",
		Timeline: []Entry{
			{Time: t0, Kind: "alert_open", Subject: "+1555" + bad, Text: "503 Service " + bad + " Unavailable", Severity: "warning"},
			{Time: t0, Kind: "action", Subject: "legacy" + bad, Text: "HTTP 500: " + bad},
			{Time: t0, Kind: "note", Subject: "alice" + bad, Text: "line one\nline two " + bad},
		},
		Trunks: []TrunkReport{{Name: "trunk" + bad, Role: "legacy", Total: Summary{Attempts: 1, ASR: &f, Media: MediaSummary{Judged: 1, OneWay: 1, OneWayRate: &f}},
			Minutes: []TrunkMinute{{Attempts: 1, MediaJudged: 1, OneWay: 1}}}},
		Numbers: []NumberReport{{E164: "+1555" + bad, PortRequestID: "pr" + bad, PortState: "completed" + bad, Activated: &t0}},
		Legacy:  []LegacyLanding{{E164: "+1555" + bad, Activated: t0, Calls: 1, First: t0, Last: t0}},
		Minutes: []Minute{{Time: t0, Legacy: 1}},
		Media: MediaSection{Calls: 1, OneWay: 1, Listed: []MediaCall{{Answered: t0, CallID: "call" + bad, Number: "+1555" + bad,
			Trunk: "trunk" + bad, Verdict: "one_way", Reason: "RTP only " + bad}}},
		SIP: SIPCounts{Messages: 2, Requests: map[string]int{"INVITE" + bad: 1}, Responses: map[string]int{"503 " + bad: 1}},
	}
}

// TestTextAndMarkdownEscapeControls: the text and Markdown reports go to
// terminals; every C0/C1/bidi code point in what they quote is shown
// escaped, never raw.
func TestTextAndMarkdownEscapeControls(t *testing.T) {
	var bad strings.Builder
	for _, r := range termsafe.Controls() {
		bad.WriteRune(r)
	}
	rep := hostileReport(bad.String())
	for _, format := range []string{"text", "md"} {
		var out bytes.Buffer
		if err := Write(&out, rep, format); err != nil {
			t.Fatal(err)
		}
		for _, r := range out.String() {
			if r != '\n' && termsafe.IsControl(r) {
				t.Errorf("%s report keeps U+%04X raw:\n%q", format, r, out.String())
				break
			}
		}
		if want := "night " + termsafe.Line(bad.String()); !strings.Contains(out.String(), want) {
			t.Errorf("%s report's title does not show %q", format, want)
		}
		// A cell is one line in both: a newline in it is shown as \n.
		esc := termsafe.Line(strings.ReplaceAll(bad.String(), "\n", `\n`))
		for _, want := range []string{"503 Service " + esc, "HTTP 500: " + esc, "trunk" + esc, "INVITE" + esc, "completed" + esc, "call" + esc, "RTP only " + esc} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s report does not show %s", format, fmt.Sprintf("%q", want))
			}
		}
	}
}

// The JSON report may be read on a terminal too (`cutover report --format
// json night.db | less`): encoding/json leaves DEL, C1 and bidi controls
// raw, so they are escaped as \uXXXX, and the JSON still decodes to the
// recorded text.
func TestJSONReportEscapesControls(t *testing.T) {
	var bad strings.Builder
	for _, r := range termsafe.Controls() {
		bad.WriteRune(r)
	}
	rep := hostileReport(bad.String())
	var out bytes.Buffer
	if err := Write(&out, rep, "json"); err != nil {
		t.Fatal(err)
	}
	for _, r := range out.String() {
		if r != '\n' && termsafe.IsControl(r) {
			t.Fatalf("json report keeps U+%04X raw", r)
		}
	}
	var back Report
	if err := json.Unmarshal(out.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Name != rep.Name {
		t.Fatalf("name decodes to %q, want %q", back.Name, rep.Name)
	}
}
