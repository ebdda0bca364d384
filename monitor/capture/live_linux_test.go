//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
)

// needCapture: an AF_PACKET socket needs root (CAP_NET_RAW), as the tests
// have in CI; elsewhere the test skips.
func needCapture(t *testing.T) { needCaptureB(t) }

func needCaptureB(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("capturing on lo needs root: run the tests as root")
	}
	t.Skip("capturing on lo needs root")
}

// liveRun is a Live serving in the background, its events collected.
type liveRun struct {
	l      *Live
	cancel context.CancelFunc
	done   chan error
	mu     sync.Mutex
	events []monitor.Event
	marked chan struct{} // closed when the marker message is captured
	once   sync.Once
}

// marker is the message a test sends last: once it is captured, every
// packet sent before it on lo has been read.
const marker = "OPTIONS sip:marker@127.0.0.1 SIP/2.0\r\nCall-ID: marker\r\nContent-Length: 0\r\n\r\n"

func startLive(t testing.TB, o LiveOptions) *liveRun {
	t.Helper()
	l, err := OpenLive(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &liveRun{l: l, cancel: cancel, done: make(chan error, 1), marked: make(chan struct{})}
	go func() {
		r.done <- l.Serve(ctx, func(ev monitor.Event) bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.events = append(r.events, ev)
			if ev.SIP != nil && string(ev.SIP.Raw) == marker {
				r.once.Do(func() { close(r.marked) })
			}
			return true
		})
	}()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// waitMarker waits until the marker message is captured.
func (r *liveRun) waitMarker(t testing.TB) {
	t.Helper()
	select {
	case <-r.marked:
	case <-time.After(10 * time.Second):
		t.Fatal("the marker message was never captured")
	}
}

func (r *liveRun) stop(t testing.TB) []monitor.Event {
	t.Helper()
	r.cancel()
	if err := <-r.done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Serve: %v", err)
	}
	r.done <- nil // a second stop returns at once
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events
}

// TestLiveLoopbackReadsEachPacketOnce sends SIP over UDP and TCP and
// RTP-sized datagrams on lo while a capture with a port filter runs: each
// SIP message comes out once (lo passes every packet twice through an
// AF_PACKET socket), stamped with its capture time, and the datagrams the
// filter leaves out are not read at all.
func TestLiveLoopbackReadsEachPacketOnce(t *testing.T) {
	needCapture(t)
	lab.NeedTool(t, "tcpdump")
	sipPort, rtpPort := lab.FreePort(t), lab.FreePort(t)
	udp, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", sipPort))
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	tcpL, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", sipPort))
	if err != nil {
		t.Fatal(err)
	}
	defer tcpL.Close()
	go func() {
		if c, err := tcpL.Accept(); err == nil {
			buf := make([]byte, 64<<10)
			for _, err := c.Read(buf); err == nil; _, err = c.Read(buf) {
			}
			c.Close()
		}
	}()
	before := time.Now()
	r := startLive(t, LiveOptions{Iface: "lo", BPF: fmt.Sprintf("port %d", sipPort)})

	send, err := net.Dial("udp", udp.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer send.Close()
	rtp, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", rtpPort)) // a listener: no ICMP back
	if err != nil {
		t.Fatal(err)
	}
	defer rtp.Close()
	rtpSend, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer rtpSend.Close()
	const n = 200
	for i := range n {
		if _, err := send.Write(sipMsg(2*i, 10)); err != nil {
			t.Fatal(err)
		}
		if _, err := rtpSend.WriteTo(make([]byte, 172), rtp.LocalAddr()); err != nil { // G.711 20 ms: 12 + 160
			t.Fatal(err)
		}
	}
	tc, err := net.Dial("tcp", tcpL.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Write(append(sipMsg(1, 300), sipMsg(3, 0)...)); err != nil { // two messages, one segment
		t.Fatal(err)
	}
	tc.Close()
	if _, err := send.Write([]byte(marker)); err != nil {
		t.Fatal(err)
	}
	r.waitMarker(t)
	events := r.stop(t)
	after := time.Now()

	var udpN, tcpN int
	seen := map[string]int{}
	for _, ev := range events {
		if ev.Kind != monitor.KindSIP || ev.Source != monitor.SourcePcap {
			t.Fatalf("event %+v: want SIP from pcap", ev)
		}
		if ev.Time < before.UnixNano() || ev.Time > after.UnixNano() {
			t.Errorf("event time %v is not the capture time (between %v and %v)", time.Unix(0, ev.Time), before, after)
		}
		seen[string(ev.SIP.Raw)]++
		switch ev.SIP.Transport {
		case "udp":
			udpN++
		case "tcp":
			tcpN++
		}
	}
	if udpN != n+1 || tcpN != 2 {
		t.Errorf("captured %d UDP and %d TCP SIP messages, want %d and 2", udpN, tcpN, n+1)
	}
	for raw, c := range seen {
		if c != 1 {
			t.Errorf("message captured %d times: %.60q", c, raw)
		}
	}
	st := r.l.Stats()
	if st.Events != uint64(n+3) || st.State != "stopped" || st.Name != "iface lo" {
		t.Errorf("stats %+v: want %d events, stopped", st, n+3)
	}
	if rs := r.l.ReaderStats(); rs.NonSIP != 0 {
		t.Errorf("%d datagrams that are not SIP passed the filter %q", rs.NonSIP, fmt.Sprintf("port %d", sipPort))
	}
	if st.KernelPackets < st.Packets || st.KernelDropped != 0 {
		t.Errorf("kernel counters %+v: it passed fewer frames than were read, or dropped some", st)
	}
}

// TestLiveCountsKernelDrops holds the reader on the first SIP message
// while 20,000 datagrams fill a 1 MiB ring: the kernel drops what does
// not fit, and every datagram sent is either read or counted as a kernel
// drop.
func TestLiveCountsKernelDrops(t *testing.T) {
	needCapture(t)
	lab.NeedTool(t, "tcpdump")
	sink, send, filter := udpSink(t)
	l, err := OpenLive(context.Background(), LiveOptions{Iface: "lo", RingMiB: 1, BPF: filter})
	if err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		var once sync.Once
		done <- l.Serve(ctx, func(monitor.Event) bool {
			once.Do(func() { close(held); <-release })
			return true
		})
	}()
	const n = 20_000
	if _, err := send.WriteTo(sipMsg(0, 10), sink.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	<-held
	for range n - 1 {
		if _, err := send.WriteTo(make([]byte, 172), sink.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for { // the kernel's counters are polled each second: wait until it has passed on all it kept
		st := l.Stats()
		if st.KernelPackets > 0 && st.KernelPackets-st.KernelDropped == st.Packets && st.Packets+st.KernelDropped == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v: sent %d, not all read or counted as dropped", st, n)
		}
		<-time.After(100 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Serve: %v", err)
	}
	st := l.Stats()
	if st.KernelDropped == 0 || st.Packets+st.KernelDropped != n || st.KernelPackets != n {
		t.Errorf("stats %+v: want kernel drops, and read + dropped = passed = %d", st, n)
	}
	t.Logf("sent %d: read %d, kernel dropped %d", n, st.Packets, st.KernelDropped)
}

// TestLiveStopReadsWhatTheRingHolds stops the capture as soon as the last
// datagram is sent: what the kernel captured before the stop is still
// read (the ring is drained until idle), none of it lost.
func TestLiveStopReadsWhatTheRingHolds(t *testing.T) {
	needCapture(t)
	lab.NeedTool(t, "tcpdump")
	sink, send, filter := udpSink(t)
	r := startLive(t, LiveOptions{Iface: "lo", BPF: filter})
	const n = 500
	for i := range n {
		if _, err := send.WriteTo(sipMsg(2*i, 0), sink.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now()
	if got := len(r.stop(t)); got != n {
		t.Errorf("stopped right after %d messages were sent: %d read (stop took %v, stats %+v)", n, got, time.Since(t0), r.l.Stats())
	}
}

// udpSink is a UDP listener on lo and a socket to send to it from (both
// closed when the test ends), with the filter that captures what the one
// sends the other.
func udpSink(t testing.TB) (sink, send net.PacketConn, filter string) {
	t.Helper()
	var socks [2]net.PacketConn
	for i := range socks {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		socks[i] = c
	}
	// Both ports: on a shared machine another program's stray datagrams
	// may reach a port that was theirs a moment ago.
	return socks[0], socks[1], fmt.Sprintf("udp and src port %d and dst port %d",
		socks[1].LocalAddr().(*net.UDPAddr).Port, socks[0].LocalAddr().(*net.UDPAddr).Port)
}

// Other programs' SIP on the interface while a capture opens never
// reaches it: the ring takes every packet from the moment it is bound
// until the filter is attached, and those frames must all be passed over
// (CI, with other packages' tests sending SIP on lo, once counted two TCP
// messages a test never sent, and once 6 SIP messages over a filter that
// named two ports of its own).
func TestLiveOpensWithoutOthersTraffic(t *testing.T) {
	needCapture(t)
	lab.NeedTool(t, "tcpdump")
	flood, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer flood.Close()
	target, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	stop := make(chan struct{})
	flooded := make(chan struct{})
	go func() { // another program's SIP, as fast as lo takes it
		defer close(flooded)
		msg := sipMsg(0, 10)
		for {
			select {
			case <-stop:
				return
			default:
			}
			flood.WriteTo(msg, target.LocalAddr())
		}
	}()
	defer func() { close(stop); <-flooded }()
	sink, send, filter := udpSink(t)
	for i := range 12 { // the old code let some in within 5 opens
		r := startLive(t, LiveOptions{Iface: "lo", RingMiB: 1, BPF: filter})
		if _, err := send.WriteTo([]byte(marker), sink.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		r.waitMarker(t)
		if events := r.stop(t); len(events) != 1 {
			t.Fatalf("open %d: %d events over %q, want the marker only (another program's SIP got in)", i, len(events), filter)
		}
	}
}
