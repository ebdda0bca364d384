package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/report"
	"github.com/cutover/cutover/monitor/sipparse"
	"github.com/cutover/cutover/store"
)

// tool finds an external program the test needs: missing, the test fails
// on CI and is skipped elsewhere.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (CI needs it)", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// demoDB records a small headless demo night once per test.
func demoDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "night.db")
	if code, out, errOut := runCLI(t, "demo", "--headless", "--numbers", "20", "--db", db); code != 0 {
		t.Fatalf("demo: %s%s", out, errOut)
	}
	return db
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, errb.String())
	}
	return out.String()
}

// TestReportSIPCountsMatchTshark exports the whole night to a pcap and
// expects tshark -z sip,stat to count what the JSON report says.
func TestReportSIPCountsMatchTshark(t *testing.T) {
	tshark := tool(t, "tshark")
	db := demoDB(t)
	pcap := filepath.Join(t.TempDir(), "all.pcap")
	if code, out, errOut := runCLI(t, "export", "-o", pcap, db); code != 0 {
		t.Fatalf("export: %s%s", out, errOut)
	}
	code, out, errOut := runCLI(t, "report", "--format", "json", db)
	if code != 0 {
		t.Fatalf("report: %s", errOut)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	stat := mustRun(t, tshark, "-r", pcap, "-q", "-z", "sip,stat")
	c := parseSIPStat(stat)
	got := report.SIPCounts{Requests: c.requests, Responses: map[string]int{}}
	for code, n := range c.codes {
		got.Responses[strconv.Itoa(code)] = n
	}
	if c.total == 0 || c.total != uint64(rep.SIP.Messages) {
		t.Fatalf("tshark counts %d SIP messages, the report %d:\n%s", c.total, rep.SIP.Messages, stat)
	}
	want := rep.SIP
	if !mapsEqual(got.Requests, want.Requests) || !mapsEqual(got.Responses, want.Responses) {
		t.Fatalf("tshark: %v %v\nreport: %v %v", got.Requests, got.Responses, want.Requests, want.Responses)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestExportedCallKeepsMessagesAndTimestamps exports one call and expects
// tshark to read the same messages at the same nanosecond timestamps, and
// sngrep to open the file and find the dialog.
func TestExportedCallKeepsMessagesAndTimestamps(t *testing.T) {
	tshark := tool(t, "tshark")
	db := demoDB(t)
	r, err := store.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	callID, want := firstAnsweredCall(t, r)
	pcap := filepath.Join(t.TempDir(), "call.pcap")
	if code, out, errOut := runCLI(t, "export", "--call", callID, "-o", pcap, db); code != 0 {
		t.Fatalf("export: %s%s", out, errOut)
	}
	fields := mustRun(t, tshark, "-r", pcap, "-T", "fields", "-E", "separator=|",
		"-e", "frame.time_epoch", "-e", "sip.Call-ID", "-e", "sip.CSeq", "-e", "udp.srcport")
	lines := strings.Split(strings.TrimSpace(fields), "\n")
	if len(lines) != len(want) {
		t.Fatalf("tshark reads %d messages of call %s, the recording has %d", len(lines), callID, len(want))
	}
	for i, l := range lines {
		f := strings.Split(l, "|")
		if f[0] != epoch(want[i].Time) || f[1] != callID || !strings.Contains(string(want[i].SIP.Raw), f[2]) {
			t.Fatalf("message %d: tshark %q, recorded at %s", i, l, epoch(want[i].Time))
		}
	}
	sngrep := tool(t, "sngrep")
	out := mustRun(t, sngrep, "-I", pcap, "-N")
	if !strings.Contains(out, "Dialog count: 1") {
		t.Fatalf("sngrep -I did not find the dialog: %q", out)
	}
}

// firstAnsweredCall returns the Call-ID and the messages of the first call
// that was answered.
func firstAnsweredCall(t *testing.T, r *store.Reader) (string, []monitor.Event) {
	t.Helper()
	calls := map[string][]monitor.Event{}
	var answered string
	err := r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if ev.Kind != monitor.KindSIP || ev.SIP.Decode(sipparse.Parse) != nil {
			return nil
		}
		in := ev.SIP.Info
		calls[in.CallID] = append(calls[in.CallID], ev)
		if answered == "" && in.Method == "INVITE" && in.Code == 200 {
			answered = in.CallID
		}
		return nil
	})
	if err != nil || answered == "" {
		t.Fatal("no answered call", err)
	}
	return answered, calls[answered]
}

func epoch(ns int64) string {
	return strconv.FormatInt(ns/1e9, 10) + "." + strconv.FormatInt(1e9+ns%1e9, 10)[1:]
}

// TestHTMLReportRendersInChromium screenshots the HTML report in headless
// Chromium: the page must load offline and produce a full-size image.
func TestHTMLReportRendersInChromium(t *testing.T) {
	chromium := tool(t, "chromium")
	db := demoDB(t)
	dir := t.TempDir()
	html := filepath.Join(dir, "report.html")
	if code, out, errOut := runCLI(t, "report", "--format", "html", "-o", html, db); code != 0 {
		t.Fatalf("report: %s%s", out, errOut)
	}
	shot := filepath.Join(dir, "report.png")
	mustRun(t, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--screenshot="+shot,
		"--window-size=1400,2000", "file://"+html)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 1400 || cfg.Height != 2000 {
		t.Fatalf("screenshot is %dx%d", cfg.Width, cfg.Height)
	}
	if os.Getenv("CUTOVER_KEEP_SCREENSHOT") != "" {
		os.WriteFile(os.Getenv("CUTOVER_KEEP_SCREENSHOT"), mustRead(t, shot), 0o644)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
