package session

import (
	"bufio"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/mediatrack"
	"github.com/cutover/cutover/monitor/sipparse"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/reading_side.golden from today's code")

// TestReadingSideGolden holds the import's reading side (capture reader,
// SIP parse, media tracker) to what it gave before its CPU was cut (issue
// 18; the golden file was written by the code of commit 834ea70): on a
// simulated night's SIP (SDP in every offer and answer, no RTP) and on a
// generated capture of calls with RTP (periodic, no-media and final
// reports), the same events in the same order at the same times, the same
// parsed summaries (and the same messages left malformed), the same media
// reports and the same counts. SIP events are kept as a digest; media
// reports and counts are written out to be read.
func TestReadingSideGolden(t *testing.T) {
	dir := t.TempDir()
	simPath, genPath := filepath.Join(dir, "sim.pcap"), filepath.Join(dir, "media.pcap")
	writeSimSIP(t, simPath, 20_000)
	mediaGen{calls: 40, secs: 11, seed: 18, options: 30}.write(t, genPath)
	var b strings.Builder
	readingSide(t, &b, "sim", simPath)
	readingSide(t, &b, "media", genPath)
	golden := filepath.Join("testdata", "reading_side.golden")
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("reading side differs from %s at line %d:\n got %s\nwant %s", golden, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("reading side gives %d lines, %s has %d", len(gl), golden, len(wl))
	}
}

// readingSide reads path as an import does (the pipeline's parse of a
// message the reader left raw included) and writes what came out to w.
func readingSide(t *testing.T, w io.Writer, name, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := mediatrack.New(mediatrack.Options{})
	rd, err := capture.NewReader(f, capture.Options{Media: tr})
	if err != nil {
		t.Fatal(err)
	}
	h, events, malformed := sha256.New(), 0, 0
	bw := bufio.NewWriter(h)
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		events++
		fmt.Fprintf(bw, "%d %s %s %v\n", ev.Time, ev.Kind, ev.Source, ev.Quarantined)
		switch {
		case ev.SIP != nil:
			m := ev.SIP
			if m.Info == nil {
				_ = m.Decode(sipparse.Parse)
			}
			if m.Info == nil {
				malformed++
			}
			fmt.Fprintf(bw, "%s %s %s %x\n%+v\n", m.Src, m.Dst, m.Transport, sha256.Sum256(m.Raw), m.Info)
		case ev.Media != nil:
			fmt.Fprintf(w, "%s report %d %+v\n", name, ev.Time, *ev.Media)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(w, "%s: %d events, %d malformed, digest %x\n", name, events, malformed, h.Sum(nil))
	fmt.Fprintf(w, "%s reader: %+v\n", name, rd.Stats())
	fmt.Fprintf(w, "%s tracker: %+v\n", name, tr.Stats())
}
