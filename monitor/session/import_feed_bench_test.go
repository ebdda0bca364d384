package session

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/mediatrack"
	"github.com/cutover/cutover/monitor/sipparse"
)

// BenchmarkImportFeed is the import's reading side on a capture of SIP
// alone (200,000 messages of a busy simulated night, over UDP): the
// capture reader with its media tracker, the tally, and the SIP parse the
// pipeline does on the feeder's goroutine for a message the reader left
// raw. No fold, no SQLite. It reports the process's CPU a SIP message.
//
//	go test -run X -bench ImportFeed -benchtime 3x ./monitor/session
func BenchmarkImportFeed(b *testing.B) {
	path := filepath.Join(b.TempDir(), "feed.pcap")
	want := writeSimSIP(b, path, 200_000)
	b.ResetTimer()
	var msgs uint64
	cpu0 := processCPU()
	for b.Loop() {
		if n := feedCapture(b, path); n != want {
			b.Fatalf("%d SIP messages read of %d", n, want)
		}
		msgs += uint64(want)
	}
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(msgs), "cpu-ns/msg")
}

// feedCapture reads path as an import's feeder does, up to the pipeline's
// queue, and returns the SIP messages read.
func feedCapture(b *testing.B, path string) int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rd, err := capture.NewReader(bufio.NewReaderSize(f, 1<<20), capture.Options{Media: mediatrack.New(mediatrack.Options{})})
	if err != nil {
		b.Fatal(err)
	}
	tally, n := capture.NewTally(), 0
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		if ev.SIP == nil {
			continue
		}
		tally.Add(ev.SIP.Raw)
		if ev.SIP.Info == nil {
			_ = ev.SIP.Decode(sipparse.Parse)
		}
		n++
	}
}

// writeSimSIP writes n SIP messages of a simulated night (2,000 numbers,
// 40 calls a number an hour) to a pcap at path.
func writeSimSIP(b testing.TB, path string, n int) int {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w, err := capture.NewWriter(bw)
	if err != nil {
		b.Fatal(err)
	}
	so := sim.DefaultOptions()
	so.Numbers, so.CallsPerNumberHour = 2000, 40
	night := sim.New(so)
	for w.Written() < n {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if ev.Kind == monitor.KindSIP && ev.SIP != nil {
			if err := w.Write(ev.Time, ev.SIP); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	return w.Written()
}
