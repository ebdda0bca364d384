package main

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/sipparse"
)

// TestCaptureAndHEPGiveTheSameCounts sends the messages of one capture to
// the HEP collector (over TCP, lossless) and folds both streams: the
// capture import and the HEP path must count the same calls, answers,
// failures and codes on every trunk and number.
func TestCaptureAndHEPGiveTheSameCounts(t *testing.T) {
	dir := t.TempDir()
	pcap := filepath.Join(dir, "night.pcap")
	so := sim.DefaultOptions()
	so.Numbers, so.Length = 20, 30*time.Minute
	simCapture(t, pcap, so, 0)
	viaCapture := readCapture(t, pcap)

	col, err := hep.Listen(hep.Options{Listen: "127.0.0.1:0", TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var viaHEP []monitor.Event
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = col.Serve(ctx, func(ev monitor.Event) bool {
			mu.Lock()
			viaHEP = append(viaHEP, ev)
			mu.Unlock()
			return true
		})
	}()
	defer func() { cancel(); <-served }()
	conn, err := net.Dial("tcp", col.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	var buf []byte
	for _, ev := range viaCapture {
		p := hep.FromEvent(ev, 1, "")
		if buf, err = p.Append(buf[:0]); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(buf); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(viaHEP)
		mu.Unlock()
		if n == len(viaCapture) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("HEP delivered %d of %d messages", n, len(viaCapture))
		}
	}
	cfg := sim.Config(so)
	a, b := foldCounts(t, cfg, viaCapture), foldCounts(t, cfg, viaHEP)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("capture and HEP fold differently:\ncapture %+v\nHEP     %+v", a, b)
	}
	if a.sip != uint64(len(viaCapture)) || a.trunks["legacy"].Attempts == 0 && a.trunks["new"].Attempts == 0 {
		t.Fatalf("nothing to compare: %+v", a)
	}
}

func readCapture(t *testing.T, path string) []monitor.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := capture.NewReader(f, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var evs []monitor.Event
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return evs
		}
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
}

// counts is what must agree: volumes and outcomes, not timings (HEP
// carries microseconds, a capture nanoseconds).
type counts struct {
	sip, malformed uint64
	trunks         map[string]monitor.Stats
	numbers        map[string]monitor.Stats
}

func foldCounts(t *testing.T, cfg monitor.Config, evs []monitor.Event) counts {
	t.Helper()
	st := monitor.NewState(cfg)
	for _, ev := range evs {
		cp := *ev.SIP
		_ = cp.Decode(sipparse.Parse)
		ev.SIP = &cp
		st.Apply(ev)
	}
	snap := st.Snapshot()
	c := counts{sip: snap.SIP, malformed: snap.Malformed, trunks: map[string]monitor.Stats{}, numbers: map[string]monitor.Stats{}}
	strip := func(s monitor.Stats) monitor.Stats { s.PDDSum = 0; return s }
	for _, tr := range snap.Trunks {
		c.trunks[tr.Name] = strip(tr.Win[2])
	}
	for _, n := range snap.Numbers {
		c.numbers[n.E164] = strip(n.Win[2])
	}
	return c
}
