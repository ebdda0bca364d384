package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

// bin is the cutover binary built once for the tests that run it as a
// person would: in a terminal, killed, with bad arguments.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cutover-bin")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "cutover")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("building cutover: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var summaryRE = regexp.MustCompile(`cutover (demo|replay): night complete at (\S+ \S+) after \S+: (\d+) events \((\d+) SIP, (\d+) malformed\), (\d+) dropped, (\d+) alerts open; recording (\S+)`)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, nil, &o, &e)
	return code, o.String(), e.String()
}

// TestHeadlessDemoRecordsAndReplaysToTheSameNight runs the whole pipeline
// as a script would, then replays its recording and expects the same night.
func TestHeadlessDemoRecordsAndReplaysToTheSameNight(t *testing.T) {
	db := filepath.Join(t.TempDir(), "night.db")
	code, out, errOut := runCLI(t, "demo", "--headless", "--numbers", "30", "--db", db)
	if code != 0 {
		t.Fatalf("demo exit %d: %s%s", code, out, errOut)
	}
	demo := summaryRE.FindStringSubmatch(out)
	if demo == nil {
		t.Fatalf("no summary line in %q", out)
	}
	if demo[8] != db {
		t.Fatalf("summary names %s, recorded %s", demo[8], db)
	}
	if n, _ := strconv.Atoi(demo[4]); n < 1000 {
		t.Fatalf("only %d SIP messages in a night of 30 numbers", n)
	}
	if demo[6] != "0" {
		t.Fatalf("headless demo dropped %s events", demo[6])
	}

	r, err := store.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	count, err := r.Count()
	if err != nil {
		t.Fatal(err)
	}
	applied, _ := strconv.ParseInt(demo[3], 10, 64)
	alerts, err := r.Alerts()
	if err != nil {
		t.Fatal(err)
	}
	if count != applied+int64(len(alerts))+closedAlerts(alerts) {
		t.Fatalf("recording holds %d events; folded %d plus %d alert events", count, applied, len(alerts)+int(closedAlerts(alerts)))
	}
	if len(alerts) == 0 {
		t.Fatal("the simulated night opened no alert")
	}
	if c := r.Cutover(); c.EndedNs == 0 || c.Mode != "demo" {
		t.Fatalf("cutover row: %+v", c)
	}
	r.Close()

	code, out, errOut = runCLI(t, "replay", "--headless", db)
	if code != 0 {
		t.Fatalf("replay exit %d: %s%s", code, out, errOut)
	}
	rep := summaryRE.FindStringSubmatch(out)
	if rep == nil {
		t.Fatalf("no summary line in %q", out)
	}
	// Same clock, same events folded (derived alerts are not folded again),
	// same SIP, same alerts open: the replay is the same night.
	for _, i := range []int{2, 3, 4, 5, 7} {
		if demo[i] != rep[i] {
			t.Fatalf("replay differs from the demo:\n%s\n%s", demo[0], rep[0])
		}
	}
}

func closedAlerts(rows []store.AlertRow) int64 {
	var n int64
	for _, a := range rows {
		if a.ClosedNs != 0 {
			n++
		}
	}
	return n
}

func TestBadInvocationsSayWhy(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte("this is not a recording\n"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"demo", "--speed", "fast"}, 2, "invalid value"},
		{[]string{"demo", "--numbers", "0", "--headless"}, 2, "--numbers"},
		{[]string{"replay"}, 2, "exactly one recording"},
		{[]string{"report", "--format", "pdf", notDB}, 2, "--format text|md|html|json"},
		{[]string{"report", notDB}, 1, "notes.txt"},
		{[]string{"export", notDB}, 2, "-o out.pcap"},
		{[]string{"export", "-o", filepath.Join(dir, "x.pcap"), "--from", "soon", filepath.Join(dir, "missing.db")}, 1, "missing.db"},
		{[]string{"help", "report"}, 0, "-format"},
		{[]string{"help", "export"}, 0, "-number"},
		{[]string{"replay", filepath.Join(dir, "missing.db")}, 1, "missing.db"},
		{[]string{"replay", notDB}, 1, "notes.txt"},
		{[]string{"demo", "--headless", "--db", filepath.Join(dir, "no", "such", "dir.db")}, 1, "dir.db"},
	}
	for _, c := range cases {
		code, out, errOut := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(out+errOut, c.want) {
			t.Errorf("cutover %q: exit %d, output %q; want exit %d mentioning %q", c.args, code, out+errOut, c.code, c.want)
		}
	}
}

// TestDemoOverHEPIsTheSameNight sends the night's SIP as HEPv3 over a real
// UDP socket to the collector and expects the night it shows without.
func TestDemoOverHEPIsTheSameNight(t *testing.T) {
	dir := t.TempDir()
	var sums [2][]string
	for i, extra := range [][]string{nil, {"--via-hep", "--speed", "3000"}} {
		db := filepath.Join(dir, strconv.Itoa(i)+".db")
		code, out, errOut := runCLI(t, append([]string{"demo", "--headless", "--numbers", "20", "--db", db}, extra...)...)
		if code != 0 {
			t.Fatalf("demo %v exit %d: %s%s", extra, code, out, errOut)
		}
		if sums[i] = summaryRE.FindStringSubmatch(out); sums[i] == nil {
			t.Fatalf("no summary in %q", out)
		}
	}
	for _, k := range []int{2, 3, 4, 5, 6, 7} { // clock, events, SIP, malformed, dropped, alerts open
		if sums[0][k] != sums[1][k] {
			t.Fatalf("over HEP the night differs:\n%s\n%s", sums[0][0], sums[1][0])
		}
	}
	r, err := store.OpenReader(filepath.Join(dir, "1.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sources := map[monitor.Source]int{}
	r.Events(t.Context(), 0, func(_ int64, ev monitor.Event) error { sources[ev.Source]++; return nil })
	if sources["hep"] == 0 || sources["sim"] == 0 {
		t.Fatalf("event sources %v: SIP should arrive from the collector, port changes from the simulator", sources)
	}
}
