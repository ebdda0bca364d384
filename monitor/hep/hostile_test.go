package hep

import (
	"bytes"
	"compress/gzip"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

// bombPacket is a HEP packet with the given auth key and as many gzip
// chunks as fit, each inflating to MaxPayload bytes of zeros: about 700×
// its own size when every chunk is inflated.
func bombPacket(t *testing.T, key string) (b []byte, chunks int) {
	t.Helper()
	var z bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	gz.Write(make([]byte, MaxPayload))
	gz.Close()
	p := sipPacket(key)
	p.Payload = []byte(invite)
	b = hepBytes(t, p)
	for len(b)+6+z.Len() <= 65507 { // the largest UDP payload over IPv4
		b = chunkBytes(b, ChunkCompressed, z.Bytes())
		chunks++
	}
	b[4], b[5] = byte(len(b)>>8), byte(len(b))
	return b, chunks
}

// allocDuring reports the bytes the process allocated while f ran.
func allocDuring(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A packet with a wrong auth key is refused before any chunk is inflated.
func TestWrongKeyRefusedBeforeInflating(t *testing.T) {
	c, _ := startCollector(t, Options{AuthKey: "sesame"})
	bomb, chunks := bombPacket(t, "wrong")
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const n = 5
	alloc := allocDuring(func() {
		for range n {
			if _, err := conn.Write(bomb); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, c, func(st Stats) bool { return st.AuthRejected+st.Malformed >= n })
	})
	st := c.Stats()
	t.Logf("%d packets of %d bytes with %d chunks: %d bytes allocated, stats %+v", n, len(bomb), chunks, alloc, st)
	if st.AuthRejected != n {
		t.Errorf("auth rejected %d, want %d", st.AuthRejected, n)
	}
	if alloc > n*512<<10 {
		t.Errorf("refusing %d unauthenticated packets allocated %d bytes: they were inflated", n, alloc)
	}
}

// The chunks of one packet inflate to at most MaxPayload bytes in total:
// past it the packet is refused as malformed, with an error saying so.
func TestInflateBoundPerPacket(t *testing.T) {
	bomb, chunks := bombPacket(t, "sesame")
	if chunks < 100 {
		t.Fatalf("only %d chunks fit", chunks)
	}
	alloc := allocDuring(func() {
		_, err := Decode(bomb)
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte("per packet")) {
			t.Errorf("err = %v, want the per-packet bound", err)
		}
	})
	if alloc > 1<<20 {
		t.Errorf("decoding allocated %d bytes", alloc)
	}

	c, s := startCollector(t, Options{AuthKey: "sesame"})
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write(bomb)
	conn.Write(hepBytes(t, sipPacket("sesame")))
	st := waitFor(t, c, func(st Stats) bool { return st.Packets >= 2 && len(s.snapshot()) == 1 })
	if st.Malformed != 1 || st.AuthRejected != 0 {
		t.Errorf("stats %+v, want the bomb counted malformed", st)
	}
}

// waitFor waits (bounded) until the collector's stats satisfy ok.
func waitFor(t *testing.T, c *Collector, ok func(Stats) bool) Stats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := c.Stats()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats never got there: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *sink) snapshot() []monitor.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]monitor.Event(nil), s.events...)
}
