package hep

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
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

// logBuf collects a logger's lines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) lines(substr string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.b.String(), "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return out
}

func newLog() (*logBuf, *slog.Logger) {
	lb := &logBuf{}
	return lb, slog.New(slog.NewTextHandler(lb, nil))
}

// One address holding every TCP slot with idle connections does not lock
// out a legitimate sender from another address; the refusals are counted
// and their warnings are few.
func TestTCPSlotsNotHeldByOneAddress(t *testing.T) {
	lb, log := newLog()
	c, s := startCollector(t, Options{TCP: true, Logger: log})
	maxConns := c.opts.MaxConns
	var idle []net.Conn
	defer func() {
		for _, conn := range idle {
			conn.Close()
		}
	}()
	const extra = 100 // and then some more, as a reconnecting attacker would
	for range maxConns + extra {
		conn, err := net.DialTCP("tcp", nil, c.TCPAddr())
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, conn)
	}
	refused := uint64(maxConns + extra - c.opts.MaxConnsPerAddr)
	waitFor(t, c, func(st Stats) bool { return st.TCPRefused >= refused })

	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	conn, err := d.Dial("tcp", c.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for range 3 {
		if _, err := conn.Write(hepBytes(t, sipPacket(""))); err != nil {
			t.Fatal(err)
		}
	}
	st := waitFor(t, c, func(st Stats) bool { return len(s.snapshot()) == 3 })
	if st.TCPRefused != refused {
		t.Errorf("refused %d connections, want %d", st.TCPRefused, refused)
	}
	if n := len(lb.lines("refused")); n > 16 {
		t.Errorf("%d log lines for %d refusals", n, refused)
	}
	t.Logf("max %d conns, %d per address; %d refused, %d log lines", maxConns, c.opts.MaxConnsPerAddr, st.TCPRefused, len(lb.lines("refused")))
}

// A TCP connection that sends nothing is closed after the idle timeout.
func TestTCPIdleTimeout(t *testing.T) {
	c, _ := startCollector(t, Options{TCP: true, TCPIdle: 50 * time.Millisecond})
	conn, err := net.DialTCP("tcp", nil, c.TCPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("read = %v, want the collector to close the idle connection", err)
	}
}

// Log lines name the real sender (the socket's peer), not only the source
// the HEP header claims.
func TestLogsNameTheRealPeer(t *testing.T) {
	lb, log := newLog()
	c, _ := startCollector(t, Options{AuthKey: "sesame", TCP: true, Logger: log})
	p := sipPacket("wrong")
	p.Src = netip.MustParseAddrPort("10.9.9.9:5060")
	for i, network := range []string{"udp", "tcp"} {
		conn, err := net.Dial(network, c.UDPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write(hepBytes(t, p))
		waitFor(t, c, func(st Stats) bool { return st.AuthRejected >= uint64(i+1) })
		// The count comes before the log line: wait for the line too.
		var lines string
		lab.WaitFor(t, network+"'s log line", func() bool {
			lines = strings.Join(lb.lines("wrong auth key"), "\n")
			return strings.Contains(lines, "peer="+conn.LocalAddr().String())
		})
		if !strings.Contains(lines, "10.9.9.9:5060") {
			t.Errorf("%s: log does not give the peer %s and the claimed source:\n%s", network, conn.LocalAddr(), lines)
		}
	}
}
