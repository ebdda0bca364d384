package hep

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
)

// The relay forwards every HEP packet the collector accepted, unchanged,
// to other collectors (Homer, heplify-server, a second cutover), so an SBC
// pointed at cutover for the night leaves them whole.
//
// What is forwarded: each packet that decoded as HEPv3 with the right auth
// key, as it arrived, byte for byte (SIP, RTCP, logs alike). Refused
// packets (a wrong key, not HEP, truncated) are not: the auth key is the
// collector's door, and relaying what it refuses would open the downstream
// collectors to anyone who can reach this one.
//
// Every packet goes out as one UDP datagram, also those that came over
// TCP: UDP is what every HEP receiver listens on by default, and a
// datagram per packet needs no connection state, reconnects or framing
// that a stalled target could hold up. (A packet over 65,507 bytes cannot
// be one datagram: it is counted as failed.)
//
// Forwarding never blocks the collector: each target has a bounded queue
// and a goroutine that sends from it; a packet that finds its target's
// queue full is dropped and counted for that target. The queue holds the
// collector's own copy of the packet (shared, read-only, with the parser):
// forwarding copies nothing.

// Relay defaults.
const (
	relayQueue = 16384    // packets waiting per target (as the parse queue)
	relayBytes = 32 << 20 // bytes waiting per target
	relayBatch = 32       // datagrams one sendmmsg may carry
	// failingFor is how long a send error marks the target failing: a
	// dead target's ICMP errors fail one send in many, not every one.
	failingFor = 5 * time.Second
)

// ForwardStats are one forward target's counters.
type ForwardStats struct {
	Target    string // host:port as configured
	State     string // "running"; "failing" within failingFor of a send error; "stopped"
	Forwarded uint64 // packets the kernel took for sending
	Dropped   uint64 // packets dropped: its queue was full
	Failed    uint64 // packets the kernel refused (the target unreachable, too big)
}

// relay fans the accepted packets out to its targets.
type relay struct {
	targets []*target
	wg      sync.WaitGroup
}

type target struct {
	addr   string
	conn   *net.UDPConn
	q      chan []byte
	queued atomic.Int64 // bytes in q, bounded by relayBytes
	log    *slog.Logger

	forwarded, dropped, failed atomic.Uint64
	lastFail                   atomic.Int64 // unix ns of the last send error
	stopped                    atomic.Bool
	beforeSend                 func() // a test's hook to stall the sender
}

// newRelay dials each target (UDP: nothing is sent yet). queue is the
// per-target queue length (0: relayQueue).
func newRelay(addrs []string, queue int, log *slog.Logger) (*relay, error) {
	if queue <= 0 {
		queue = relayQueue
	}
	r := &relay{}
	for _, a := range addrs {
		ua, err := net.ResolveUDPAddr("udp", a)
		if err != nil {
			r.closeAll()
			return nil, fmt.Errorf("hep: forward to %s: %w", a, err)
		}
		conn, err := net.DialUDP("udp", nil, ua)
		if err != nil {
			r.closeAll()
			return nil, fmt.Errorf("hep: forward to %s: %w", a, err)
		}
		r.targets = append(r.targets, &target{addr: a, conn: conn, q: make(chan []byte, queue), log: log.With("forward", a)})
	}
	return r, nil
}

func (r *relay) closeAll() {
	for _, t := range r.targets {
		t.conn.Close()
	}
}

// start runs a sender per target until stop.
func (r *relay) start() {
	for _, t := range r.targets {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); t.send() }()
	}
}

// stop sends what is queued, then closes the sockets. Nothing may offer
// after stop.
func (r *relay) stop() {
	for _, t := range r.targets {
		close(t.q)
	}
	r.wg.Wait()
	for _, t := range r.targets {
		t.stopped.Store(true)
		t.conn.Close()
	}
}

// offer queues b (which nobody may change afterwards) for every target,
// or counts it dropped for those whose queue is full. It never blocks.
func (r *relay) offer(b []byte) {
	for _, t := range r.targets {
		if t.queued.Load()+int64(len(b)) > relayBytes {
			t.drop()
			continue
		}
		t.queued.Add(int64(len(b)))
		select {
		case t.q <- b:
		default:
			t.queued.Add(-int64(len(b)))
			t.drop()
		}
	}
}

func (t *target) drop() {
	if n := t.dropped.Add(1); n <= 10 || n&(n-1) == 0 {
		t.log.Warn("HEP forward queue full: packet dropped", "count", n)
	}
}

// send writes the queue's packets in batches until the queue is closed
// and empty.
func (t *target) send() {
	pc := ipv4.NewPacketConn(t.conn)
	msgs := make([]ipv4.Message, 0, relayBatch)
	for b := range t.q {
		msgs = append(msgs[:0], ipv4.Message{Buffers: [][]byte{b}})
	fill:
		for len(msgs) < relayBatch {
			select {
			case b, ok := <-t.q:
				if !ok {
					break fill
				}
				msgs = append(msgs, ipv4.Message{Buffers: [][]byte{b}})
			default:
				break fill
			}
		}
		if t.beforeSend != nil {
			t.beforeSend()
		}
		t.write(pc, msgs)
		clear(msgs) // let the packets go
	}
}

// write sends msgs, counting each packet forwarded or failed: a send
// error (ECONNREFUSED after the target's ICMP port unreachable, EMSGSIZE)
// fails the packet it stopped at, and the rest are sent on.
func (t *target) write(pc *ipv4.PacketConn, msgs []ipv4.Message) {
	for _, m := range msgs {
		t.queued.Add(-int64(len(m.Buffers[0])))
	}
	for len(msgs) > 0 {
		n, err := pc.WriteBatch(msgs, 0)
		n = max(n, 0)
		t.forwarded.Add(uint64(n))
		msgs = msgs[n:]
		if err == nil {
			continue
		}
		if errors.Is(err, net.ErrClosed) {
			t.failed.Add(uint64(len(msgs)))
			return
		}
		t.lastFail.Store(time.Now().UnixNano())
		if f := t.failed.Add(1); f <= 10 || f&(f-1) == 0 {
			t.log.Warn("HEP forward: send failed", "err", err, "failed", f)
		}
		if len(msgs) > 0 {
			msgs = msgs[1:]
		}
	}
}

// stats are the targets' counters, in the configured order.
func (r *relay) stats() []ForwardStats {
	if r == nil {
		return nil
	}
	out, now := make([]ForwardStats, len(r.targets)), time.Now().UnixNano()
	for i, t := range r.targets {
		s := ForwardStats{Target: t.addr, State: "running", Forwarded: t.forwarded.Load(), Dropped: t.dropped.Load(), Failed: t.failed.Load()}
		switch {
		case t.stopped.Load():
			s.State = "stopped"
		case t.lastFail.Load() != 0 && now-t.lastFail.Load() < int64(failingFor):
			s.State = "failing"
		}
		out[i] = s
	}
	return out
}
