package hep

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// downstream is a HEP receiver the relay forwards to: every datagram it
// gets, in order.
type downstream struct {
	conn *net.UDPConn
	got  chan []byte
}

func listenDownstream(t *testing.T) *downstream {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	growReadBuffer(conn, 8<<20)
	d := &downstream{conn: conn, got: make(chan []byte, 1<<16)}
	go func() {
		buf := make([]byte, MaxPacket+1)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(d.got)
				return
			}
			d.got <- append([]byte(nil), buf[:n]...)
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return d
}

func (d *downstream) addr() string { return d.conn.LocalAddr().String() }

// expect reads len(want) datagrams and checks each byte for byte.
func (d *downstream) expect(t *testing.T, want [][]byte) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for i := range want {
		select {
		case b := <-d.got:
			if !bytes.Equal(b, want[i]) {
				t.Fatalf("datagram %d differs from packet %d sent:\n got %q\nwant %q", i, i, b, want[i])
			}
		case <-timeout:
			t.Fatalf("downstream got %d of %d packets", i, len(want))
		}
	}
}

// startRelaying listens with o (on 127.0.0.1, forwarding), lets setup
// reach the relay before it runs, and serves until the test ends.
func startRelaying(t *testing.T, o Options, setup func(*Collector)) (*Collector, *sink) {
	t.Helper()
	o.Listen = "127.0.0.1:0"
	c, err := Listen(o)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(c)
	}
	s := &sink{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Serve(ctx, s.publish); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return c, s
}

// numbered is n distinct SIP packets (a Call-ID each) with key.
func numbered(t *testing.T, n int, key string) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		p := sipPacket(key)
		p.Payload = bytes.Replace([]byte(invite), []byte("c1@test"), fmt.Appendf(nil, "c%d@test", i), 1)
		p.TsUsec = uint32(i)
		out[i] = hepBytes(t, p)
	}
	return out
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

// waitForward waits until ok holds for the collector's stats.
func waitForward(t *testing.T, c *Collector, what string, ok func(Stats) bool) Stats {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(10 * time.Second)
	for {
		st := c.Stats()
		if ok(st) {
			return st
		}
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("%s: stats %+v", what, st.Forward)
		}
	}
}

// Every accepted packet reaches each target byte for byte and in order
// (SIP and the other protocol types alike); refused ones reach none.
func TestForwardUDPByteForByte(t *testing.T) {
	d1, d2 := listenDownstream(t), listenDownstream(t)
	c, s := startRelaying(t, Options{AuthKey: "sesame", Forward: []string{d1.addr(), d2.addr()}}, nil)
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rtcp := sipPacket("sesame")
	rtcp.ProtoType = 5
	good := append(numbered(t, 2000, "sesame"), hepBytes(t, rtcp))
	refused := [][]byte{hepBytes(t, sipPacket("wrong")), hepBytes(t, sipPacket("")), []byte("HEP3\x00\x40garbage"), []byte("OPTIONS sip:x SIP/2.0\r\n\r\n")}
	sent := 0
	for i, b := range good {
		if i%500 == 0 { // the refused ones among the good
			for _, r := range refused {
				if _, err := conn.Write(r); err != nil {
					t.Fatal(err)
				}
				sent++
			}
		}
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
		sent++
		if i%100 == 99 { // keep within the sockets' buffers
			waitPackets(t, c, uint64(sent))
		}
	}
	d1.expect(t, good)
	d2.expect(t, good)
	st := waitForward(t, c, "all forwarded", func(st Stats) bool {
		return st.Forward[0].Forwarded == uint64(len(good)) && st.Forward[1].Forwarded == uint64(len(good)) && s.count() == 2000
	})
	for _, f := range st.Forward {
		if f.Dropped != 0 || f.Failed != 0 || f.State != "running" {
			t.Errorf("target %+v", f)
		}
	}
	if rounds := uint64(len(good)+499) / 500; st.AuthRejected != 2*rounds || st.Malformed != 2*rounds || st.Other != 1 {
		t.Errorf("stats %+v", st)
	}
	select {
	case b := <-d1.got:
		t.Errorf("a refused packet was forwarded: %q", b)
	default:
	}
}

// HEP frames that arrive over TCP go out as one datagram each, whole,
// however the stream cut them.
func TestForwardTCPFrames(t *testing.T) {
	d := listenDownstream(t)
	c, _ := startRelaying(t, Options{TCP: true, Forward: []string{d.addr()}}, nil)
	conn, err := net.DialTCP("tcp", nil, c.TCPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	frames := numbered(t, 300, "")
	big := sipPacket("")
	big.Payload = append([]byte(invite), bytes.Repeat([]byte("x"), 30000)...)
	frames = append(frames, hepBytes(t, big))
	stream := bytes.Join(frames, nil)
	for len(stream) > 0 { // cuts that fall inside frames and headers
		n := min(len(stream), 1777)
		if _, err := conn.Write(stream[:n]); err != nil {
			t.Fatal(err)
		}
		stream = stream[n:]
	}
	d.expect(t, frames)
	waitForward(t, c, "counted", func(st Stats) bool { return st.Forward[0].Forwarded == uint64(len(frames)) })
}

// A target with nothing listening never holds up ingest: every packet is
// still published, and the target's failures are counted.
func TestForwardDeadTargetNeverBlocks(t *testing.T) {
	dead, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := dead.LocalAddr().String()
	dead.Close() // nothing listens there now: ICMP port unreachable
	live := listenDownstream(t)
	c, s := startRelaying(t, Options{Forward: []string{addr, live.addr()}}, nil)
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pkts := numbered(t, 1000, "")
	for i, b := range pkts {
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
		if i%100 == 99 {
			waitPackets(t, c, uint64(i+1))
		}
	}
	live.expect(t, pkts)
	st := waitForward(t, c, "every packet accounted for", func(st Stats) bool {
		f := st.Forward[0]
		return f.Forwarded+f.Failed+f.Dropped == uint64(len(pkts)) && s.count() == len(pkts)
	})
	if f := st.Forward[0]; f.Failed == 0 || f.State != "failing" || f.Target != addr {
		t.Errorf("dead target %+v", f)
	}
	if st.Dropped != 0 || st.QueueDropped != 0 {
		t.Errorf("ingest: stats %+v", st)
	}
}

// A stalled target fills its queue and loses the rest, counted; ingest
// and the other target lose nothing; once it moves again, what it had
// queued goes out, and forwarded + dropped is every packet.
func TestForwardSlowTargetDrops(t *testing.T) {
	slow, fast := listenDownstream(t), listenDownstream(t)
	gate := make(chan struct{})
	stalled := make(chan struct{}, 1)
	c, s := startRelaying(t, Options{Forward: []string{slow.addr(), fast.addr()}, ForwardQueue: 16}, func(c *Collector) {
		c.fwd.targets[0].beforeSend = func() {
			select {
			case stalled <- struct{}{}:
			default:
			}
			<-gate
		}
	})
	var release sync.Once
	open := func() { release.Do(func() { close(gate) }) }
	t.Cleanup(open) // before the collector's: a failed test must not leave the sender stalled
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pkts := numbered(t, 500, "")
	if _, err := conn.Write(pkts[0]); err != nil {
		t.Fatal(err)
	}
	<-stalled // the slow target's sender holds its first batch
	fast.expect(t, pkts[:1])
	for i, b := range pkts[1:] {
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
		fast.expect(t, pkts[i+1:i+2]) // one at a time: the fast target's queue never fills
	}
	st := waitForward(t, c, "ingest done", func(Stats) bool { return s.count() == len(pkts) })
	if f := st.Forward[0]; f.Dropped < uint64(len(pkts)-1-16) {
		t.Errorf("stalled target dropped %d, want at least %d", f.Dropped, len(pkts)-1-16)
	}
	open()
	st = waitForward(t, c, "the slow target caught up", func(st Stats) bool {
		f := st.Forward[0]
		return f.Forwarded+f.Dropped == uint64(len(pkts))
	})
	if st.Forward[1].Dropped != 0 || st.Forward[1].Forwarded != uint64(len(pkts)) || st.Dropped != 0 {
		t.Errorf("fast target %+v, stats %+v", st.Forward[1], st)
	}
	// the slow target got the packets it did not drop, the first of them first
	fwd := st.Forward[0].Forwarded
	timeout := time.After(10 * time.Second)
	for i := uint64(0); i < fwd; i++ {
		select {
		case b := <-slow.got:
			if i == 0 && !bytes.Equal(b, pkts[0]) {
				t.Fatalf("slow target's first datagram %q", b)
			}
		case <-timeout:
			t.Fatalf("slow target got %d of %d forwarded", i, fwd)
		}
	}
}
