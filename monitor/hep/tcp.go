package hep

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

func (c *Collector) serveTCP(wg *sync.WaitGroup) {
	for {
		conn, err := c.tcp.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			c.countBad(&c.acceptErrs, "tcp accept", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		peer := peerOf(conn)
		if !c.track(conn, peer.Addr()) {
			conn.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.untrack(conn, peer.Addr())
			c.readStream(conn, peer)
		}()
	}
}

func peerOf(conn net.Conn) netip.AddrPort {
	if a, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// track registers a connection; false when closing, over MaxConns, or
// over MaxConnsPerAddr from its address. A refusal is counted, and logged
// sparingly: a reconnecting flood must not flood the log too.
func (c *Collector) track(conn net.Conn, addr netip.Addr) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	switch {
	case c.perAddr[addr] >= c.opts.MaxConnsPerAddr:
		c.countBad(&c.refused, "tcp connection refused: too many from its address", "peer", conn.RemoteAddr(), "max_per_addr", c.opts.MaxConnsPerAddr)
		return false
	case len(c.conns) >= c.opts.MaxConns:
		c.countBad(&c.refused, "tcp connection refused: too many", "peer", conn.RemoteAddr(), "max", c.opts.MaxConns)
		return false
	}
	c.conns[conn] = struct{}{}
	c.perAddr[addr]++
	return true
}

func (c *Collector) untrack(conn net.Conn, addr netip.Addr) {
	conn.Close()
	c.mu.Lock()
	delete(c.conns, conn)
	if c.perAddr[addr]--; c.perAddr[addr] <= 0 {
		delete(c.perAddr, addr)
	}
	c.mu.Unlock()
}

// readStream reads HEP packets framed by their own length. A stream that
// stops looking like HEP cannot be resynchronised: it is counted and closed.
// Each packet must arrive whole within TCPIdle of the previous one.
func (c *Collector) readStream(conn net.Conn, peer netip.AddrPort) {
	r := bufio.NewReaderSize(conn, 64<<10)
	buf := make([]byte, MaxPacket)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(c.opts.TCPIdle))
		if _, err := io.ReadFull(r, buf[:headerLen]); err != nil {
			c.endStream(peer, err, 0)
			return
		}
		n, err := PacketLen(buf[:headerLen])
		if err != nil {
			c.packets.Add(1)
			c.countBad(&c.malformed, "HEP stream out of step: closing", "peer", peer, "err", err)
			return
		}
		if _, err := io.ReadFull(r, buf[headerLen:n]); err != nil {
			c.endStream(peer, err, n)
			return
		}
		c.enqueue(buf[:n], "tcp", peer)
	}
}

// endStream logs why a stream ended; a packet cut off mid-way is malformed.
func (c *Collector) endStream(peer netip.AddrPort, err error, want int) {
	if errors.Is(err, io.ErrUnexpectedEOF) || (want > 0 && errors.Is(err, io.EOF)) {
		c.packets.Add(1)
		c.countBad(&c.malformed, "HEP stream ended inside a packet", "peer", peer, "want", want)
		return
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		c.log.Debug("tcp connection closed", "peer", peer, "err", err)
	}
}
