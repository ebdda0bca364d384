package hep

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// tcpIdle closes a TCP connection that sent nothing for this long.
const tcpIdle = 10 * time.Minute

func (c *Collector) serveTCP(wg *sync.WaitGroup) {
	for {
		conn, err := c.tcp.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			c.log.Warn("tcp accept", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if !c.track(conn) {
			conn.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.untrack(conn)
			c.readStream(conn)
		}()
	}
}

// track registers a connection; false when closing or over MaxConns.
func (c *Collector) track(conn net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	if len(c.conns) >= c.opts.MaxConns {
		c.log.Warn("tcp connection refused: too many", "from", conn.RemoteAddr(), "max", c.opts.MaxConns)
		return false
	}
	c.conns[conn] = struct{}{}
	return true
}

func (c *Collector) untrack(conn net.Conn) {
	conn.Close()
	c.mu.Lock()
	delete(c.conns, conn)
	c.mu.Unlock()
}

// readStream reads HEP packets framed by their own length. A stream that
// stops looking like HEP cannot be resynchronised: it is counted and closed.
func (c *Collector) readStream(conn net.Conn) {
	r := bufio.NewReaderSize(conn, 64<<10)
	buf := make([]byte, MaxPacket)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(tcpIdle))
		if _, err := io.ReadFull(r, buf[:headerLen]); err != nil {
			c.endStream(conn, err, 0)
			return
		}
		n, err := PacketLen(buf[:headerLen])
		if err != nil {
			c.packets.Add(1)
			c.countBad(&c.malformed, "HEP stream out of step: closing", "from", conn.RemoteAddr(), "err", err)
			return
		}
		if _, err := io.ReadFull(r, buf[headerLen:n]); err != nil {
			c.endStream(conn, err, n)
			return
		}
		c.enqueue(buf[:n], "tcp")
	}
}

// endStream logs why a stream ended; a packet cut off mid-way is malformed.
func (c *Collector) endStream(conn net.Conn, err error, want int) {
	if errors.Is(err, io.ErrUnexpectedEOF) || (want > 0 && errors.Is(err, io.EOF)) {
		c.packets.Add(1)
		c.countBad(&c.malformed, "HEP stream ended inside a packet", "from", conn.RemoteAddr(), "want", want)
		return
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		c.log.Info("tcp connection closed", "from", conn.RemoteAddr(), "err", err)
	}
}
