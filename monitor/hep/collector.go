package hep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
	"golang.org/x/net/ipv4"
)

// Options configure a Collector.
type Options struct {
	Listen  string // host:port for UDP (and TCP when TCP is set); default ":9060"
	TCP     bool
	AuthKey string // when set, packets with another (or no) auth key are refused
	Logger  *slog.Logger
	// Now stamps packets that carry no timestamp (default time.Now).
	Now func() time.Time
	// MaxConns bounds concurrent TCP connections (default 128).
	MaxConns int
	// MaxConnsPerAddr bounds them per source address (default 16: a
	// Kamailio with a connection per worker fits; one address that opens
	// more cannot take every slot).
	MaxConnsPerAddr int
	// TCPIdle closes a TCP connection that sends nothing (or not one whole
	// packet) for this long (default 45 s).
	TCPIdle time.Duration
	// ReadBuffer is the UDP socket's receive buffer (default 32 MiB).
	ReadBuffer int
	// Forward relays every accepted packet, unchanged, to these
	// collectors (host:port, UDP; see relay.go). ForwardQueue bounds each
	// target's queue in packets (default 16384).
	Forward      []string
	ForwardQueue int
	// OnMedia receives the streams of every RTCP report (HEP protocol
	// type 5, as rtpengine's --homer and heplify send them; see media.go)
	// with the event time, the Call-ID (the correlation ID chunk) and
	// origin monitor.MediaFromRTCP. It is called from the collector's one
	// parse goroutine and must not block. Nil: those packets are counted
	// in Stats.Other and ignored.
	OnMedia func(at int64, callID, origin string, st monitor.MediaStream)
}

// Collector receives HEPv3 over UDP and TCP and publishes each SIP
// message it carries as a monitor event (Source "hep").
type Collector struct {
	opts Options
	udp  *net.UDPConn
	tcp  *net.TCPListener
	log  *slog.Logger
	key  []byte
	fwd  *relay // nil: no [hep] forward

	packets, malformed, rejected, notSIP, other, dropped atomic.Uint64
	refused, acceptErrs                                  atomic.Uint64
	state                                                atomic.Value // string

	parse      *parseStage  // read → parse → publish (parsestage.go)
	nParsers   int          // parse goroutines (0: parsers(); tests set more)
	queued     atomic.Int64 // bytes read and not yet published, bounded by maxQueuedBytes
	queuedPkts atomic.Int64 // packets likewise, bounded by workQueue

	queueDropped atomic.Uint64
	media        atomic.Uint64                    // RTCP reports handed to OnMedia
	mediaBad     [len(mediaReasons)]atomic.Uint64 // refused, per reason
	sent         sentCounts                       // SR packet counts (parse goroutine only)
	kernelDrops  dropCounter
	ovflSeen     atomic.Uint64 // drops as the last datagram's SO_RXQ_OVFL said (for tests)
	beforeRead   func()        // a test's hook to stall the UDP reader

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	perAddr map[netip.Addr]int
	rate    rateMeter
	closing bool
}

// Listen binds the sockets; Serve then reads them.
func Listen(o Options) (*Collector, error) {
	if o.Listen == "" {
		o.Listen = ":9060"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 128
	}
	if o.MaxConnsPerAddr <= 0 {
		o.MaxConnsPerAddr = 16
	}
	if o.TCPIdle <= 0 {
		o.TCPIdle = 45 * time.Second
	}
	if o.ReadBuffer <= 0 {
		o.ReadBuffer = 32 << 20 // absorb bursts while the machine is busy
	}
	c := &Collector{opts: o, log: o.Logger.With("source", "hep"), conns: map[net.Conn]struct{}{}, perAddr: map[netip.Addr]int{}}
	if o.AuthKey != "" {
		c.key = []byte(o.AuthKey)
	}
	ua, err := net.ResolveUDPAddr("udp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("hep: listen %s: %w", o.Listen, err)
	}
	if c.udp, c.tcp, err = listenPair(ua, o.TCP); err != nil {
		return nil, fmt.Errorf("hep: %w", err)
	}
	if len(o.Forward) > 0 {
		if c.fwd, err = newRelay(o.Forward, o.ForwardQueue, c.log); err != nil {
			c.close()
			return nil, err
		}
	}
	growReadBuffer(c.udp, o.ReadBuffer)
	if !countDrops(c.udp) {
		c.log.Debug("the kernel's UDP drop counter is not available: kernel drops are not counted")
	}
	c.state.Store("listening")
	return c, nil
}

// listenPair binds UDP at ua and, with tcp, TCP on the same port. Port 0
// lets the kernel choose the UDP port, whose number an outgoing TCP
// connection may hold: then another port is tried.
func listenPair(ua *net.UDPAddr, tcp bool) (*net.UDPConn, *net.TCPListener, error) {
	for try := 0; ; try++ {
		u, err := net.ListenUDP("udp", ua)
		if err != nil || !tcp {
			return u, nil, err
		}
		t, err := net.ListenTCP("tcp", &net.TCPAddr{IP: ua.IP, Port: u.LocalAddr().(*net.UDPAddr).Port, Zone: ua.Zone})
		if err == nil {
			return u, t, nil
		}
		u.Close()
		if ua.Port != 0 || !errors.Is(err, syscall.EADDRINUSE) || try == 20 {
			return nil, nil, err
		}
	}
}

// UDPAddr is where the UDP listener is bound.
func (c *Collector) UDPAddr() *net.UDPAddr { return c.udp.LocalAddr().(*net.UDPAddr) }

// TCPAddr is where the TCP listener is bound (nil without TCP).
func (c *Collector) TCPAddr() *net.TCPAddr {
	if c.tcp == nil {
		return nil
	}
	return c.tcp.Addr().(*net.TCPAddr)
}

// Serve reads until ctx ends, publishing with publish (which must never
// block: a refused event is counted as dropped). It closes the sockets.
//
// Reading and parsing are joined by a bounded queue (workQueue packets):
// the socket is drained while SIP is parsed on every core, and published
// in the order the packets arrived (parsestage.go). A full queue drops a
// datagram (counted); a TCP stream waits for room (its sender slows down).
func (c *Collector) Serve(ctx context.Context, publish func(monitor.Event) bool) error {
	if c.fwd != nil {
		c.fwd.start()
	}
	c.parse = c.startParse(publish)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.serveUDP() }()
	if c.tcp != nil {
		wg.Add(1)
		go func() { defer wg.Done(); c.serveTCP(&wg) }()
	}
	<-ctx.Done()
	c.close()
	wg.Wait()
	c.parse.stop()
	if c.fwd != nil {
		c.fwd.stop() // what is queued goes out
	}
	c.state.Store("stopped")
	return nil
}

func (c *Collector) close() {
	c.mu.Lock()
	c.closing = true
	for conn := range c.conns {
		conn.Close()
	}
	c.mu.Unlock()
	c.udp.Close()
	if c.tcp != nil {
		c.tcp.Close()
	}
}

// udpBatch is how many datagrams one recvmmsg call may return.
const udpBatch = 32

// serveUDP reads datagrams in batches (recvmmsg through x/net; one at a
// time where the platform has no batch read) and queues them for parsing.
func (c *Collector) serveUDP() {
	pc := ipv4.NewPacketConn(c.udp)
	msgs := make([]ipv4.Message, udpBatch)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{make([]byte, MaxPacket+1)}
		msgs[i].OOB = make([]byte, oobLen)
	}
	for {
		if c.beforeRead != nil {
			c.beforeRead()
		}
		n, err := pc.ReadBatch(msgs, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			c.log.Warn("udp read", "err", err)
			time.Sleep(10 * time.Millisecond) // a persistent error must not spin
			continue
		}
		j := c.newJob(n)
		for _, m := range msgs[:n] {
			var peer netip.AddrPort
			if a, ok := m.Addr.(*net.UDPAddr); ok {
				peer = a.AddrPort()
			}
			c.add(j, m.Buffers[0][:m.N], "udp", peer)
			if v, ok := dropsInOOB(m.OOB[:m.NN]); ok {
				c.kernelDrops.observe(v)
				c.ovflSeen.Store(uint64(v))
			}
		}
		c.submit(j)
	}
}

// handle decodes one packet and publishes its SIP message. accepted: the
// packet passed the auth key and decodes (the parse stage relays it).
func (c *Collector) handle(pk packet, publish func(monitor.Event) bool) (accepted bool) {
	c.packets.Add(1)
	p, err := DecodeKey(pk.b, c.key)
	if errors.Is(err, ErrAuth) {
		c.countBad(&c.rejected, "HEP packet with a wrong auth key refused", "via", pk.via, "peer", pk.peer, "claimed_src", p.Src)
		return false
	}
	if err != nil {
		c.countBad(&c.malformed, "malformed HEP packet", "via", pk.via, "peer", pk.peer, "len", len(pk.b), "err", err)
		return false
	}
	if p.ProtoType == TypeRTCP && c.opts.OnMedia != nil {
		c.mediaReport(&p, pk.peer)
		return true
	}
	if p.ProtoType != TypeSIP {
		c.other.Add(1) // logs, DNS, ...: not ours to fold
		return true
	}
	ev, ok := c.event(&p, pk.peer)
	if ok && !publish(ev) {
		c.dropped.Add(1)
	}
	return true
}

// event builds the monitor event, parsing the SIP here (off the fold's
// goroutine) and refusing payloads that are not SIP at all.
func (c *Collector) event(p *Packet, peer netip.AddrPort) (monitor.Event, bool) {
	raw := p.Payload[:len(p.Payload):len(p.Payload)] // the packet is ours (enqueue copied it)
	m := &monitor.SIPMessage{Src: p.Src, Dst: p.Dst, Transport: p.Transport(), Raw: raw}
	if err := m.Decode(sipparse.Parse); err != nil {
		if errors.Is(err, sipparse.ErrNotSIP) {
			c.countBad(&c.notSIP, "HEP payload is not SIP", "peer", peer, "claimed_src", p.Src, "len", len(raw))
			return monitor.Event{}, false
		}
		// looks like SIP but does not parse: the fold counts it malformed and the recording keeps it
		c.countBad(&c.malformed, "unparsable SIP in HEP", "peer", peer, "claimed_src", p.Src, "err", err)
	}
	ts := p.Time()
	if ts.IsZero() {
		ts = c.opts.Now()
	}
	return monitor.Event{Time: ts.UnixNano(), Kind: monitor.KindSIP, Source: monitor.SourceHEP, SIP: m}, true
}

// mediaReport decodes an RTCP report and hands its streams to OnMedia,
// or counts why not.
func (c *Collector) mediaReport(p *Packet, peer netip.AddrPort) {
	r, err := DecodeRTCPJSON(p.Payload)
	if err == nil {
		err = checkCallID(p.CorrelationID)
	}
	if err != nil {
		for i, reason := range mediaReasons {
			if errors.Is(err, reason) {
				c.countBad(&c.mediaBad[i], "HEP media report refused", "peer", peer, "claimed_src", p.Src, "len", len(p.Payload), "err", err)
			}
		}
		return
	}
	at := p.Time()
	if at.IsZero() {
		at = c.opts.Now()
	}
	callID := string(p.CorrelationID)
	for _, st := range mediaStreams(r, callID, p.Src, p.Dst, at, &c.sent) {
		c.opts.OnMedia(at.UnixNano(), callID, monitor.MediaFromRTCP, st)
	}
	c.media.Add(1)
}

// countBad counts and logs, sparingly: the first ten, then at powers of two.
func (c *Collector) countBad(ctr *atomic.Uint64, msg string, args ...any) {
	n := ctr.Add(1)
	if n <= 10 || n&(n-1) == 0 {
		c.log.Warn(msg, append(args, "count", n)...)
	}
}
