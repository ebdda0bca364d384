package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
)

// benchMessages is the size of the benchmark capture.
const benchMessages = 1_000_000

// benchCapture writes (once per machine, kept in the temp directory) a
// capture of a million SIP messages from a busy simulated night.
func benchCapture(b *testing.B, udpOnly bool) string {
	b.Helper()
	name := "cutover-bench-" + strconv.Itoa(benchMessages)
	if udpOnly {
		name += "-udp"
	}
	path := filepath.Join(os.TempDir(), name+".pcap")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	so := sim.DefaultOptions()
	so.Numbers, so.CallsPerNumberHour = 2000, 40
	tmp := path + ".tmp"
	if n := writeSimCapture(b, tmp, so, benchMessages, udpOnly); n != benchMessages {
		b.Fatalf("the night has only %d messages", n)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkImportVsTshark times "cutover import" of a million-message
// capture (read, reassemble, fold, record to SQLite) against
// "tshark -q -z sip,stat" on the same file, and reports both: "mixed" has
// half the messages on long-lived TCP connections (some split across
// segments), "udp" has none. tshark is slow on the mixed one: allow time.
//
//	go test -run XXX -bench ImportVsTshark -benchtime 1x -timeout 2h ./cmd/cutover
func BenchmarkImportVsTshark(b *testing.B) {
	b.Run("udp", func(b *testing.B) { benchImportVsTshark(b, benchCapture(b, true)) })
	b.Run("mixed", func(b *testing.B) { benchImportVsTshark(b, benchCapture(b, false)) })
}

func benchImportVsTshark(b *testing.B, pcap string) {
	_, haveTshark := exec.LookPath("tshark")
	for b.Loop() {
		db := filepath.Join(b.TempDir(), "bench.db")
		start := time.Now()
		out, err := exec.Command(bin, "import", pcap, "--db", db, "--headless").CombinedOutput()
		if err != nil {
			b.Fatalf("import: %v\n%s", err, out)
		}
		imp := time.Since(start)
		b.ReportMetric(imp.Seconds(), "import-s")
		b.ReportMetric(benchMessages/imp.Seconds(), "import-msgs/s")
		if haveTshark == nil {
			start = time.Now()
			if out, err := exec.Command("tshark", "-n", "-r", pcap, "-q", "-z", "sip,stat").CombinedOutput(); err != nil {
				b.Fatalf("tshark: %v\n%s", err, out)
			}
			ts := time.Since(start)
			b.ReportMetric(ts.Seconds(), "tshark-s")
			b.ReportMetric(ts.Seconds()/imp.Seconds(), "speedup")
		}
	}
}
