package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

var (
	importRE  = regexp.MustCompile(`cutover import: \S+: (\d+) packets, (\d+) SIP messages \((\d+) UDP, (\d+) TCP\)`)
	ourCodeRE = regexp.MustCompile(`(?m)^  SIP/2\.0 (\d{3}) .*: (\d+)$`)
	ourMethRE = regexp.MustCompile(`(?m)^  ([A-Z-]+) +: (\d+)$`)
)

// sipStat is a capture's message counts by response code ("200") and method.
type sipStat struct {
	total  int
	counts map[string]int
}

func parseStat(out string, total, code, method *regexp.Regexp) sipStat {
	s := sipStat{counts: map[string]int{}}
	if m := total.FindStringSubmatch(out); m != nil {
		s.total, _ = strconv.Atoi(m[1])
	}
	for _, re := range []*regexp.Regexp{code, method} {
		for _, m := range re.FindAllStringSubmatch(out, -1) {
			n, _ := strconv.Atoi(m[2])
			s.counts[m[1]] += n
		}
	}
	return s
}

func tsharkStat(t testing.TB, path string) (sipStat, time.Duration) {
	t.Helper()
	start := time.Now()
	out, err := exec.Command("tshark", "-n", "-r", path, "-q", "-z", "sip,stat").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	c := parseSIPStat(string(out))
	s := sipStat{total: int(c.total), counts: map[string]int{}}
	for code, n := range c.codes {
		s.counts[strconv.Itoa(code)] += n
	}
	for method, n := range c.requests {
		s.counts[method] += n
	}
	return s, time.Since(start)
}

// importStat imports path and returns the summary's counts and the tally.
func importStat(t *testing.T, path, db string, extra ...string) (sipStat, []string) {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"import", path, "--db", db, "--sip-stat", "--headless"}, extra...)...)
	if code != 0 {
		t.Fatalf("import exit %d:\n%s%s", code, out, errOut)
	}
	sum := importRE.FindStringSubmatch(out)
	if sum == nil {
		t.Fatalf("no summary in %q", out)
	}
	return parseStat(out, regexp.MustCompile(`SIP messages: (\d+)`), ourCodeRE, ourMethRE), sum
}

func sameStat(t *testing.T, ours, theirs sipStat) {
	t.Helper()
	if ours.total != theirs.total || !maps.Equal(ours.counts, theirs.counts) {
		t.Fatalf("cutover import counts %d %v\ntshark sip,stat counts %d %v", ours.total, ours.counts, theirs.total, theirs.counts)
	}
	if ours.total == 0 {
		t.Fatal("no SIP messages counted at all")
	}
}

// TestImportSimulatedCaptureRecordsEveryMessage imports a capture written
// from the simulator (UDP and TCP, split segments) and checks the recording
// holds every message with its capture timestamp, and that tshark agrees.
func TestImportSimulatedCaptureRecordsEveryMessage(t *testing.T) {
	dir := t.TempDir()
	pcap := filepath.Join(dir, "night.pcap")
	so := sim.DefaultOptions()
	so.Numbers, so.Length = 20, 40*time.Minute
	n := simCapture(t, pcap, so, 0)
	db := filepath.Join(dir, "night.db")
	ours, sum := importStat(t, pcap, db)
	if got, _ := strconv.Atoi(sum[2]); got != n {
		t.Fatalf("imported %s SIP messages, the capture has %d", sum[2], n)
	}
	if sum[4] == "0" {
		t.Fatal("no TCP messages: the generator should have written some")
	}
	r, err := store.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	night := sim.New(so)
	err = r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if ev.Kind != monitor.KindSIP {
			return nil
		}
		want := nextSIP(night)
		if ev.Time != want.Time || string(ev.SIP.Raw) != string(want.SIP.Raw) || ev.SIP.Src != want.SIP.Src || ev.Source != "pcap" {
			return fmt.Errorf("recorded %d %v %q, simulated %d %v %q", ev.Time, ev.SIP.Src, firstLine(ev.SIP.Raw), want.Time, want.SIP.Src, firstLine(want.SIP.Raw))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("tshark"); err == nil || os.Getenv("CI") != "" {
		needTool(t, "tshark")
		theirs, _ := tsharkStat(t, pcap)
		sameStat(t, ours, theirs)
	}
}

func nextSIP(n *sim.Night) monitor.Event {
	for {
		ev, ok := n.Next()
		if !ok || ev.Kind == monitor.KindSIP {
			return ev
		}
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\r\n")
	return s
}

// TestImportTruncatedCaptureKeepsWhatWasRead cuts a capture mid-packet.
func TestImportTruncatedCaptureKeepsWhatWasRead(t *testing.T) {
	dir := t.TempDir()
	pcap := filepath.Join(dir, "cut.pcap")
	so := sim.DefaultOptions()
	so.Numbers, so.Length = 5, 20*time.Minute
	simCapture(t, pcap, so, 200)
	fi, _ := os.Stat(pcap)
	if err := os.Truncate(pcap, fi.Size()-100); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "cut.db")
	code, out, errOut := runCLI(t, "import", pcap, "--db", db, "--headless")
	if code != 1 || !strings.Contains(errOut, "truncated") || !strings.Contains(errOut, "are recorded in "+db) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	sum := importRE.FindStringSubmatch(out)
	if sum == nil || sum[2] == "0" || sum[2] == "200" {
		t.Fatalf("summary %q", out)
	}
	r, err := store.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if c, _ := r.Count(); c < 1 {
		t.Fatalf("recording has %d events", c)
	}
}

func TestImportRefusesWhatIsNotACapture(t *testing.T) {
	dir := t.TempDir()
	txt := filepath.Join(dir, "notes.txt")
	os.WriteFile(txt, []byte("this is not a capture\n"), 0o644)
	code, _, errOut := runCLI(t, "import", txt, "--db", filepath.Join(dir, "x.db"))
	if code != 1 || !strings.Contains(errOut, "not a pcap or pcapng file") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "import"); code != 2 {
		t.Fatalf("import without a file: exit %d, want 2", code)
	}
}
