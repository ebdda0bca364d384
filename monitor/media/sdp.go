// Package media parses what a call's media path is made of (SDP offers and
// answers, RTP and RTCP headers), keeps per-stream statistics in O(1) per
// packet, estimates MOS with the ITU-T G.107 E-model and judges a call's media
// (no media, one-way, bad stream). It is pure: no I/O, no clock. The fold and
// the recording read its results; they are wired elsewhere.
package media

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Limits on hostile SDP. A body past MaxSDPSize is refused; media and payload
// types past their limits are dropped, not kept.
const (
	MaxSDPSize       = 64 << 10
	MaxMedia         = 32
	MaxPayloadTypes  = 64
	maxSDPLineLength = 4096
)

// ErrSDP is wrapped by every error ParseSDP returns.
var ErrSDP = errors.New("sdp")

// Direction is an SDP direction attribute (RFC 8866 §6.7). The zero value is
// sendrecv, the default when none is given.
type Direction uint8

// The direction attributes.
const (
	SendRecv Direction = iota
	SendOnly
	RecvOnly
	Inactive
)

func (d Direction) String() string {
	switch d {
	case SendOnly:
		return "sendonly"
	case RecvOnly:
		return "recvonly"
	case Inactive:
		return "inactive"
	}
	return "sendrecv"
}

func parseDirection(attr string) (Direction, bool) {
	switch attr {
	case "sendrecv":
		return SendRecv, true
	case "sendonly":
		return SendOnly, true
	case "recvonly":
		return RecvOnly, true
	case "inactive":
		return Inactive, true
	}
	return SendRecv, false
}

// Codec is one payload type's encoding, from a=rtpmap or the static table.
type Codec struct {
	PT        uint8
	Name      string
	ClockRate uint32
}

// Codecs is a media line's rtpmap list.
type Codecs []Codec

// Lookup finds pt in the rtpmap list, then in the RFC 3551 static table.
// ok is false when neither knows pt (a dynamic type without rtpmap).
func (cs Codecs) Lookup(pt uint8) (Codec, bool) {
	for _, c := range cs {
		if c.PT == pt {
			return c, true
		}
	}
	return StaticCodec(pt)
}

// StaticCodec returns the RFC 3551 static payload types the issue names
// (0 PCMU, 8 PCMA, 9 G722, 18 G729) plus 3 GSM and 13 CN.
func StaticCodec(pt uint8) (Codec, bool) {
	switch pt {
	case 0:
		return Codec{0, "PCMU", 8000}, true
	case 3:
		return Codec{3, "GSM", 8000}, true
	case 8:
		return Codec{8, "PCMA", 8000}, true
	case 9:
		// G.722's RTP clock is 8000 although it samples at 16 kHz (RFC 3551 §4.5.2).
		return Codec{9, "G722", 8000}, true
	case 13:
		return Codec{13, "CN", 8000}, true
	case 18:
		return Codec{18, "G729", 8000}, true
	}
	return Codec{}, false
}

// Media is one m= line with what media matching needs.
type Media struct {
	Type     string // audio, video, ...
	Port     uint16 // 0: the stream is rejected or disabled
	Proto    string // RTP/AVP, RTP/SAVP, ...
	PTs      []uint8
	Addr     netip.Addr // media-level c= or else the session-level one; invalid if neither is an IP
	RTCPPort uint16     // a=rtcp (RFC 3605); 0 when absent
	RTCPAddr netip.Addr // a=rtcp's address, if given
	RTCPMux  bool
	Dir      Direction // media-level attribute, else the session-level one
	Ptime    int       // a=ptime in ms; 0 when absent
	Codecs   Codecs
}

// RTCPDest is where this stream's RTCP goes: the RTP port when rtcp-mux is
// on, a=rtcp when given, else port+1 (RFC 3550 §11).
func (m *Media) RTCPDest() netip.AddrPort {
	addr, port := m.Addr, m.Port+1
	switch {
	case m.RTCPMux:
		port = m.Port
	case m.RTCPPort != 0:
		port = m.RTCPPort
		if m.RTCPAddr.IsValid() {
			addr = m.RTCPAddr
		}
	}
	return netip.AddrPortFrom(addr, port)
}

// RTPDest is where this stream's RTP goes.
func (m *Media) RTPDest() netip.AddrPort { return netip.AddrPortFrom(m.Addr, m.Port) }

// Session is a parsed SDP body.
type Session struct {
	Addr  netip.Addr // session-level c=
	Dir   Direction  // session-level direction attribute
	Media []Media
}

// ParseSDP parses an SDP body. It refuses bodies past MaxSDPSize, bodies
// without a v= line and m= lines whose port or format list is not numeric;
// unknown lines and malformed attributes are skipped, and so is each media
// section past MaxMedia with its c= and a= lines.
func ParseSDP(body []byte) (*Session, error) {
	s := &Session{}
	if err := ParseSDPInto(body, s); err != nil {
		return nil, err
	}
	return s, nil
}

// ParseSDPInto is ParseSDP into s, whatever s held: the arrays of its
// media and their payload types are reused (a caller that parses one SDP
// after another and keeps nothing of s but its codecs allocates less).
// Its Media may be empty where ParseSDP's is nil; after an error s holds
// nothing of use.
func ParseSDPInto(body []byte, s *Session) error {
	*s = Session{Media: s.Media[:0]}
	if len(body) > MaxSDPSize {
		return fmt.Errorf("%w: body of %d bytes is over the %d-byte limit", ErrSDP, len(body), MaxSDPSize)
	}
	p := sdpParser{s: s}
	// One string of the whole body: the values kept (media, proto, codec
	// names) are pieces of it, not a copy each.
	text := string(body)
	for n := 1; len(text) > 0; n++ {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		line = strings.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		if len(line) > maxSDPLineLength {
			return fmt.Errorf("%w: line %d is %d bytes long", ErrSDP, n, len(line))
		}
		if len(line) < 2 || line[1] != '=' {
			return fmt.Errorf("%w: line %d is not type=value", ErrSDP, n)
		}
		if k := line[0]; p.sawVersion && k != 'm' && k != 'c' && k != 'a' {
			continue // o=, s=, t=, b=...: nothing media matching reads (and no string to make)
		}
		if err := p.line(line[0], line[2:]); err != nil {
			return fmt.Errorf("%w: line %d: %w", ErrSDP, n, err)
		}
	}
	if !p.sawVersion {
		return fmt.Errorf("%w: empty body", ErrSDP)
	}
	for i := range s.Media {
		if !s.Media[i].Addr.IsValid() {
			s.Media[i].Addr = s.Addr
		}
		if !p.mediaDir[i] && p.sessDirSet {
			s.Media[i].Dir = s.Dir
		}
	}
	return nil
}

// sdpParser is ParseSDP's state between lines.
type sdpParser struct {
	s          *Session
	sawVersion bool
	sessDirSet bool
	mediaDir   [MaxMedia]bool // whether each media section set its own direction
	dropping   bool           // inside a media section past MaxMedia
}

func (p *sdpParser) line(kind byte, val string) error {
	if !p.sawVersion {
		if kind != 'v' || val != "0" {
			return errors.New("the first line is not v=0")
		}
		p.sawVersion = true
		return nil
	}
	s := p.s
	if kind == 'm' {
		if p.dropping = len(s.Media) >= MaxMedia; p.dropping {
			return nil
		}
		var pts []uint8 // the payload types' array of the media this one replaces
		if n := len(s.Media); n < cap(s.Media) {
			pts = s.Media[:n+1][n].PTs
		}
		m, err := parseMediaLine(val, pts)
		if err != nil {
			return err
		}
		if s.Media == nil {
			s.Media = make([]Media, 0, 2) // an offer's audio and video, mostly
		}
		s.Media = append(s.Media, m)
		return nil
	}
	if p.dropping {
		return nil
	}
	cur := len(s.Media) - 1
	switch kind {
	case 'c':
		if addr, ok := parseConnection(val); ok && cur < 0 {
			s.Addr = addr
		} else if ok {
			s.Media[cur].Addr = addr
		}
	case 'a':
		if cur >= 0 {
			p.mediaDir[cur] = applyAttribute(&s.Media[cur], val) || p.mediaDir[cur]
		} else if d, ok := parseDirection(val); ok {
			s.Dir, p.sessDirSet = d, true
		}
	}
	return nil
}

// parseMediaLine reads "audio 49170[/2] RTP/AVP 0 8 101"; the payload
// types go to pts's array when it has room.
func parseMediaLine(val string, pts []uint8) (Media, error) {
	var buf [16]string
	f := appendFields(buf[:0], val)
	if len(f) < 3 {
		return Media{}, errors.New("m= needs media, port and proto")
	}
	portStr, _, _ := strings.Cut(f[1], "/")
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return Media{}, fmt.Errorf("m= port %q is not a port number", f[1])
	}
	if !isToken(f[0], false) || !isToken(f[2], true) {
		return Media{}, fmt.Errorf("m= media %.32q or proto %.32q is not a token", f[0], f[2])
	}
	m := Media{Type: f[0], Port: uint16(port), Proto: f[2]}
	if !strings.HasPrefix(strings.ToUpper(f[2]), "RTP/") && !strings.HasPrefix(strings.ToUpper(f[2]), "UDP/TLS/RTP/") {
		return m, nil // not RTP: formats are not payload types
	}
	if n := min(len(f)-3, MaxPayloadTypes); n > 0 && cap(pts) >= n {
		m.PTs = pts[:0]
	} else if n > 0 {
		m.PTs = make([]uint8, 0, n)
	}
	for _, pt := range f[3:] {
		if len(m.PTs) >= MaxPayloadTypes {
			break
		}
		v, err := strconv.ParseUint(pt, 10, 7)
		if err != nil {
			return Media{}, fmt.Errorf("m= payload type %q is not 0-127", pt)
		}
		m.PTs = append(m.PTs, uint8(v))
	}
	return m, nil
}

// parseConnection reads "IN IP4 192.0.2.1[/ttl[/n]]". A host name or an
// unknown address type is not an error; it gives no address.
func parseConnection(val string) (netip.Addr, bool) {
	var buf [8]string
	f := appendFields(buf[:0], val)
	if len(f) < 3 || f[0] != "IN" {
		return netip.Addr{}, false
	}
	host, _, _ := strings.Cut(f[2], "/")
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return addr.Unmap(), true
}

// applyAttribute applies one media-level a= line and reports whether it was
// a direction attribute.
func applyAttribute(m *Media, val string) bool {
	name, arg, _ := strings.Cut(val, ":")
	switch name {
	case "rtpmap":
		if c, ok := parseRtpmap(arg); ok && len(m.Codecs) < MaxPayloadTypes {
			if m.Codecs == nil {
				m.Codecs = make(Codecs, 0, max(len(m.PTs), 1))
			}
			m.Codecs = append(m.Codecs, c)
		}
	case "rtcp":
		var buf [8]string
		f := appendFields(buf[:0], arg)
		if len(f) == 0 {
			return false
		}
		port, err := strconv.ParseUint(f[0], 10, 16)
		if err != nil {
			return false
		}
		m.RTCPPort = uint16(port)
		if len(f) >= 4 && f[1] == "IN" {
			if a, err := netip.ParseAddr(f[3]); err == nil {
				m.RTCPAddr = a.Unmap()
			}
		}
	case "rtcp-mux":
		m.RTCPMux = true
	case "ptime":
		if v, err := strconv.ParseUint(strings.TrimSpace(arg), 10, 16); err == nil {
			m.Ptime = int(v)
		}
	default:
		if d, ok := parseDirection(val); ok {
			m.Dir = d
			return true
		}
	}
	return false
}

// parseRtpmap reads "101 telephone-event/8000[/1]".
func parseRtpmap(arg string) (Codec, bool) {
	ptStr, enc, ok := strings.Cut(strings.TrimSpace(arg), " ")
	if !ok {
		return Codec{}, false
	}
	pt, err := strconv.ParseUint(ptStr, 10, 7)
	if err != nil {
		return Codec{}, false
	}
	name, rest, ok := strings.Cut(strings.TrimSpace(enc), "/")
	if !ok || !isToken(name, false) {
		return Codec{}, false
	}
	rateStr, _, _ := strings.Cut(rest, "/")
	rate, err := strconv.ParseUint(rateStr, 10, 32)
	if err != nil || rate == 0 {
		return Codec{}, false
	}
	return Codec{PT: uint8(pt), Name: name, ClockRate: uint32(rate)}, true
}

// appendFields appends the fields of s to dst as strings.Fields splits
// them, without a slice of its own for ASCII text (SDP's).
func appendFields(dst []string, s string) []string {
	n := len(dst)
	for i := 0; i < len(s); {
		for i < len(s) && asciiSpace(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !asciiSpace(s[j]) {
			if s[j] >= 0x80 { // strings.Fields reads Unicode spaces too
				return append(dst[:n], strings.Fields(s)...)
			}
			j++
		}
		if j > i {
			dst = append(dst, s[i:j])
		}
		i = j
	}
	return dst
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// isToken reports whether s is a non-empty RFC 8866 token (printable ASCII
// without separators), with '/' allowed for a proto. Names that are kept
// from SDP are tokens, so none carries a control character to a screen.
func isToken(s string, slash bool) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '/' && slash:
		case c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[]{}", c) >= 0:
			return false
		}
	}
	return true
}
