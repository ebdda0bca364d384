package hep

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

const invite = "INVITE sip:+14155550101@127.0.0.1:5060 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-1\r\n" +
	"From: <sip:+12125550100@127.0.0.1>;tag=a\r\nTo: <sip:+14155550101@127.0.0.1>\r\n" +
	"Call-ID: c1@test\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"

type sink struct {
	mu     sync.Mutex
	events []monitor.Event
	refuse bool
}

func (s *sink) publish(ev monitor.Event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuse {
		return false
	}
	s.events = append(s.events, ev)
	return true
}

func startCollector(t *testing.T, o Options) (*Collector, *sink) {
	t.Helper()
	o.Listen = "127.0.0.1:0"
	c, err := Listen(o)
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Serve(ctx, s.publish); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return c, s
}

// waitPackets waits (bounded) until the collector has seen n packets.
func waitPackets(t *testing.T, c *Collector, n uint64) Stats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		// Read, and through the parse stage: its goroutines count and
		// publish after the reader has counted the packet.
		st := c.Stats()
		if st.Packets >= n && c.queuedPkts.Load() == 0 {
			return c.Stats()
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector saw %d packets (%d still queued), want %d", st.Packets, c.queuedPkts.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func hepBytes(t *testing.T, p Packet) []byte {
	t.Helper()
	b, err := p.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sipPacket(key string) Packet {
	return Packet{
		Proto: ProtoUDP, Src: netip.MustParseAddrPort("127.0.0.1:5080"), Dst: netip.MustParseAddrPort("127.0.0.1:5060"),
		TsSec: 1795000000, TsUsec: 250000, ProtoType: TypeSIP, CaptureID: 101, AuthKey: []byte(key), Payload: []byte(invite),
	}
}

func TestCollectorUDP(t *testing.T) {
	c, s := startCollector(t, Options{AuthKey: "sesame"})
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rtcp := sipPacket("sesame")
	rtcp.ProtoType = 5
	notSIP := sipPacket("sesame")
	notSIP.Payload = []byte("\x00\x01binary junk\n")
	sends := [][]byte{
		hepBytes(t, sipPacket("sesame")),
		hepBytes(t, sipPacket("wrong")),
		hepBytes(t, sipPacket("")),
		[]byte("HEP3\x00\x40garbage"),
		hepBytes(t, rtcp),
		hepBytes(t, notSIP),
		hepBytes(t, sipPacket("sesame")),
	}
	for _, b := range sends {
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	st := waitPackets(t, c, uint64(len(sends)))
	if st.Malformed != 1 || st.AuthRejected != 2 || st.Other != 1 || st.NotSIP != 1 || st.Dropped != 0 || st.State != "listening" {
		t.Errorf("stats = %+v", st)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.events) != 2 {
		t.Fatalf("events = %d, want 2", len(s.events))
	}
	ev := s.events[0]
	want := time.Unix(1795000000, 250000000).UnixNano()
	if ev.Kind != monitor.KindSIP || ev.Source != monitor.SourceHEP || ev.Time != want || ev.SIP.Transport != "udp" ||
		ev.SIP.Src.String() != "127.0.0.1:5080" || ev.SIP.Info == nil || ev.SIP.Info.Method != "INVITE" || string(ev.SIP.Raw) != invite {
		t.Errorf("event = %+v info %+v", ev, ev.SIP.Info)
	}
}

func TestCollectorTCPFraming(t *testing.T) {
	c, s := startCollector(t, Options{TCP: true})
	conn, err := net.DialTCP("tcp", nil, c.TCPAddr())
	if err != nil {
		t.Fatal(err)
	}
	one := hepBytes(t, sipPacket(""))
	stream := append(append(append([]byte{}, one...), one...), one...)
	// three packets, written in pieces that cut through headers and chunks
	for _, cut := range [][2]int{{0, 3}, {3, len(one) + 10}, {len(one) + 10, len(stream)}} {
		if _, err := conn.Write(stream[cut[0]:cut[1]]); err != nil {
			t.Fatal(err)
		}
	}
	conn.Write(one[:20]) // and one cut off by the close
	conn.Close()
	st := waitPackets(t, c, 4)
	if st.Malformed != 1 {
		t.Errorf("stats = %+v", st)
	}
	s.mu.Lock()
	if len(s.events) != 3 || s.events[0].SIP.Info == nil {
		t.Errorf("events = %d", len(s.events))
	}
	s.mu.Unlock()

	// a stream that is not HEP is closed
	conn2, err := net.DialTCP("tcp", nil, c.TCPAddr())
	if err != nil {
		t.Fatal(err)
	}
	conn2.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	waitPackets(t, c, 5)
	conn2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn2.Read(make([]byte, 1)); err == nil {
		t.Error("collector kept a non-HEP stream open")
	}
	conn2.Close()
}

func TestCollectorCountsDrops(t *testing.T) {
	c, s := startCollector(t, Options{})
	s.mu.Lock()
	s.refuse = true
	s.mu.Unlock()
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write(hepBytes(t, sipPacket("")))
	waitPackets(t, c, 1)
	deadline := time.Now().Add(5 * time.Second)
	for c.Stats().Dropped != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := c.Stats(); st.Dropped != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestSenderToCollector(t *testing.T) {
	c, s := startCollector(t, Options{AuthKey: "k"})
	snd, err := Dial(c.UDPAddr().String(), 9, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer snd.Close()
	ev := monitor.Event{Time: time.Unix(1795000000, 5000).UnixNano(), Kind: monitor.KindSIP, SIP: &monitor.SIPMessage{
		Src: netip.MustParseAddrPort("10.0.0.1:5060"), Dst: netip.MustParseAddrPort("10.0.0.2:5060"), Transport: "tcp", Raw: []byte(invite)}}
	for _, e := range []monitor.Event{ev, {Kind: monitor.KindTick, Time: ev.Time}, ev} {
		if err := snd.Send(e); err != nil {
			t.Fatal(err)
		}
	}
	waitPackets(t, c, 2)
	// a packet is counted when read, its event published after the parse:
	// wait for the events themselves
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		s.mu.Lock()
		n := len(s.events)
		s.mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.events) != 2 || s.events[1].Time != ev.Time || s.events[1].SIP.Transport != "tcp" || s.events[1].SIP.Dst != ev.SIP.Dst {
		t.Errorf("events %+v", s.events)
	}
}
