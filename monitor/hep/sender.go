package hep

import (
	"fmt"
	"net"

	"github.com/cutover/cutover/monitor"
)

// Sender mirrors SIP events to a HEP collector over UDP, as an SBC's
// siptrace would: for the simulator (a demo over a real socket) and tests.
type Sender struct {
	conn      net.Conn
	captureID uint32
	authKey   string
	buf       []byte
}

// Dial returns a Sender to the collector at addr ("127.0.0.1:9060").
func Dial(addr string, captureID uint32, authKey string) (*Sender, error) {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("hep: dial %s: %w", addr, err)
	}
	return &Sender{conn: c, captureID: captureID, authKey: authKey}, nil
}

// Send encodes a SIP event as one HEP packet and sends it; other kinds of
// event are not SIP on the wire and are skipped.
func (s *Sender) Send(ev monitor.Event) error {
	if ev.Kind != monitor.KindSIP || ev.SIP == nil {
		return nil
	}
	p := FromEvent(ev, s.captureID, s.authKey)
	b, err := p.Append(s.buf[:0])
	if err != nil {
		return err
	}
	s.buf = b
	_, err = s.conn.Write(b)
	return err
}

// Close closes the socket.
func (s *Sender) Close() error { return s.conn.Close() }
