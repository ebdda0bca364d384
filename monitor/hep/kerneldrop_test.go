package hep

import (
	"context"
	"net"
	"runtime"
	"testing"
)

// Under a UDP blast into a stalled reader with a small socket buffer, the
// datagrams the kernel dropped are counted, and every stage adds up:
// sent = kernel-dropped + packets seen; packets = published + pipeline
// drops + parse-queue drops (+ malformed, none here).
func TestKernelDropsCounted(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SO_RXQ_OVFL is Linux's")
	}
	c, err := Listen(Options{Listen: "127.0.0.1:0", ReadBuffer: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	c.beforeRead = func() { <-gate }
	s := &sink{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Serve(ctx, s.publish); close(done) }()
	defer func() { cancel(); <-done }()

	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pkt := hepBytes(t, sipPacket(""))
	var sent uint64
	for range 3000 {
		if _, err := conn.Write(pkt); err == nil {
			sent++
		}
	}
	close(gate) // the reader wakes up and drains what the kernel kept
	st := waitFor(t, c, func(st Stats) bool { return st.Packets+st.KernelDropped >= sent })
	t.Logf("sent %d, received %d, kernel dropped %d, queue dropped %d, pipeline dropped %d", sent, st.Packets, st.KernelDropped, st.QueueDropped, st.Dropped)
	if st.KernelDropped == 0 || st.Packets+st.KernelDropped != sent {
		t.Errorf("sent %d != received %d + kernel dropped %d", sent, st.Packets, st.KernelDropped)
	}
	st = waitFor(t, c, func(st Stats) bool {
		return uint64(len(s.snapshot()))+st.Dropped+st.QueueDropped+st.Malformed >= st.Packets
	})
	if got := uint64(len(s.snapshot())) + st.Dropped + st.QueueDropped + st.Malformed; got != st.Packets {
		t.Errorf("published+dropped %d != received %d", got, st.Packets)
	}

	// The drop count also travels with the next datagram (SO_RXQ_OVFL).
	before := st.Packets
	conn.Write(pkt)
	waitFor(t, c, func(st Stats) bool { return st.Packets > before })
	if got := c.ovflSeen.Load(); got != st.KernelDropped {
		t.Errorf("SO_RXQ_OVFL reported %d drops, socket counter %d", got, st.KernelDropped)
	}
}
