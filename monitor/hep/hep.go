// Package hep decodes and encodes HEPv3 (the Homer encapsulation protocol
// SBCs and proxies use to mirror SIP to a monitor) and runs the UDP/TCP
// collector that turns HEP packets into monitor events.
//
// The decoder bounds-checks every length: a packet is at most 65535 bytes
// (its length field is 16 bits), every chunk must fit inside it, and a
// packet's compressed payloads inflate to at most MaxPayload bytes in
// total. A bad packet is an error, never a panic. DecodeKey checks the
// auth key before it inflates anything.
package hep

import (
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Chunk types of the generic vendor (0x0000), HEP3 spec rev 37 §5.2.
const (
	ChunkFamily      = 0x0001 // uint8: 2 AF_INET, 10 AF_INET6
	ChunkProto       = 0x0002 // uint8: 6 TCP, 17 UDP, 132 SCTP
	ChunkSrcIPv4     = 0x0003
	ChunkDstIPv4     = 0x0004
	ChunkSrcIPv6     = 0x0005
	ChunkDstIPv6     = 0x0006
	ChunkSrcPort     = 0x0007
	ChunkDstPort     = 0x0008
	ChunkTsSec       = 0x0009
	ChunkTsUsec      = 0x000a
	ChunkProtoType   = 0x000b // uint8: 1 SIP
	ChunkCaptureID   = 0x000c // uint32
	ChunkKeepAlive   = 0x000d
	ChunkAuthKey     = 0x000e
	ChunkPayload     = 0x000f
	ChunkCompressed  = 0x0010 // gzip or zlib payload
	ChunkCorrelation = 0x0011
	ChunkNodeName    = 0x0013
)

// Address families and protocols as HEP carries them.
const (
	FamilyIPv4 = 2
	FamilyIPv6 = 10
	ProtoTCP   = 6
	ProtoUDP   = 17
	ProtoSCTP  = 132
	TypeSIP    = 1
)

// MaxPacket is the largest HEPv3 packet (its length field is 16 bits).
const MaxPacket = 65535

// MaxPayload bounds what a packet's compressed chunks inflate to, all
// chunks together: about what one uncompressed packet can carry.
const MaxPayload = 64 << 10

const headerLen = 6 // "HEP3" + total length

var magic = [4]byte{'H', 'E', 'P', '3'}

// Packet is one decoded HEPv3 packet: one captured message, one direction.
// Byte slices returned by Decode alias the input unless said otherwise.
type Packet struct {
	Family        uint8
	Proto         uint8
	Src, Dst      netip.AddrPort
	TsSec, TsUsec uint32
	ProtoType     uint8
	CaptureID     uint32
	AuthKey       []byte
	Payload       []byte // inflated when the packet carried chunk 0x0010 (then not aliased)
	CorrelationID []byte
	NodeName      []byte
	Compressed    bool // the payload came in chunk 0x0010
}

// Time is the capture time the packet carries (zero when it has none).
func (p *Packet) Time() time.Time {
	if p.TsSec == 0 && p.TsUsec == 0 {
		return time.Time{}
	}
	return time.Unix(int64(p.TsSec), int64(p.TsUsec)*1000).UTC()
}

// Transport names the IP protocol the way monitor.SIPMessage does.
func (p *Packet) Transport() string {
	switch p.Proto {
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	case ProtoSCTP:
		return "sctp"
	}
	return fmt.Sprintf("proto-%d", p.Proto)
}

// Errors Decode returns (wrapped with detail).
var (
	ErrNotHEP3    = errors.New("not a HEPv3 packet")
	ErrTruncated  = errors.New("truncated HEP packet")
	ErrBadChunk   = errors.New("malformed HEP chunk")
	ErrNoPayload  = errors.New("HEP packet without payload")
	ErrOversize   = errors.New("HEP packet over 65535 bytes")
	ErrCompressed = errors.New("bad compressed HEP payload")
	ErrAuth       = errors.New("HEP packet with a wrong or missing auth key")
)

// PacketLen reads the total length from a packet's first 6 bytes: the
// framing on TCP streams.
func PacketLen(hdr []byte) (int, error) {
	if len(hdr) < headerLen {
		return 0, ErrTruncated
	}
	if [4]byte(hdr[:4]) != magic {
		return 0, ErrNotHEP3
	}
	n := int(binary.BigEndian.Uint16(hdr[4:6]))
	if n < headerLen {
		return 0, fmt.Errorf("%w: total length %d", ErrBadChunk, n)
	}
	return n, nil
}

// Decode parses one HEPv3 packet. Bytes after the packet's total length
// are ignored. Unknown chunks (and every vendor's but the generic one) are
// skipped by their length.
func Decode(b []byte) (Packet, error) { return DecodeKey(b, nil) }

// DecodeKey is Decode for a collector that requires an auth key: a packet
// whose auth key chunk is not key (or missing) is refused with ErrAuth
// before any compressed chunk is inflated. A nil key checks nothing.
func DecodeKey(b, key []byte) (Packet, error) {
	var p Packet
	n, err := PacketLen(b)
	if err != nil {
		return p, err
	}
	if n > len(b) {
		return p, fmt.Errorf("%w: length %d, have %d bytes", ErrTruncated, n, len(b))
	}
	b = b[headerLen:n]
	var src, dst netip.Addr
	var sport, dport uint16
	var zbuf [2][]byte
	compressed := zbuf[:0] // the 0x0010 values, inflated once the key is checked
	for len(b) > 0 {
		if len(b) < 6 {
			return p, fmt.Errorf("%w: %d stray bytes at the end", ErrBadChunk, len(b))
		}
		vendor := binary.BigEndian.Uint16(b[0:2])
		typ := binary.BigEndian.Uint16(b[2:4])
		clen := int(binary.BigEndian.Uint16(b[4:6]))
		if clen < 6 || clen > len(b) {
			return p, fmt.Errorf("%w: chunk 0x%04x length %d with %d bytes left", ErrBadChunk, typ, clen, len(b))
		}
		v := b[6:clen]
		b = b[clen:]
		if vendor != 0 {
			continue
		}
		switch typ {
		case ChunkPayload:
			compressed = compressed[:0] // the last payload chunk is the payload
		case ChunkCompressed:
			compressed = append(compressed, v)
			continue
		}
		if err := p.chunk(typ, v, &src, &dst, &sport, &dport); err != nil {
			return p, err
		}
	}
	if src.IsValid() {
		p.Src = netip.AddrPortFrom(src, sport)
	}
	if dst.IsValid() {
		p.Dst = netip.AddrPortFrom(dst, dport)
	}
	if key != nil && subtle.ConstantTimeCompare(p.AuthKey, key) != 1 {
		return p, ErrAuth
	}
	if len(compressed) > 0 {
		out, err := inflateAll(compressed)
		if err != nil {
			return p, err
		}
		p.Payload, p.Compressed = out, true
	}
	if p.Payload == nil {
		return p, ErrNoPayload
	}
	return p, nil
}

// chunk stores one generic chunk's value, checking its size.
func (p *Packet) chunk(typ uint16, v []byte, src, dst *netip.Addr, sport, dport *uint16) error {
	if want := fixedSize(typ); want > 0 && len(v) != want {
		return fmt.Errorf("%w: chunk 0x%04x has %d bytes, want %d", ErrBadChunk, typ, len(v), want)
	}
	switch typ {
	case ChunkFamily:
		p.Family = v[0]
	case ChunkProto:
		p.Proto = v[0]
	case ChunkSrcIPv4, ChunkSrcIPv6:
		*src, _ = netip.AddrFromSlice(v)
	case ChunkDstIPv4, ChunkDstIPv6:
		*dst, _ = netip.AddrFromSlice(v)
	case ChunkSrcPort:
		*sport = binary.BigEndian.Uint16(v)
	case ChunkDstPort:
		*dport = binary.BigEndian.Uint16(v)
	case ChunkTsSec:
		p.TsSec = binary.BigEndian.Uint32(v)
	case ChunkTsUsec:
		p.TsUsec = binary.BigEndian.Uint32(v)
	case ChunkProtoType:
		p.ProtoType = v[0]
	case ChunkCaptureID:
		p.CaptureID = binary.BigEndian.Uint32(v)
	case ChunkAuthKey:
		p.AuthKey = v
	case ChunkPayload:
		p.Payload = v
	case ChunkCorrelation:
		p.CorrelationID = v
	case ChunkNodeName:
		p.NodeName = v
	}
	return nil
}

// fixedSize is the value size of a fixed-size chunk, 0 for the others.
func fixedSize(typ uint16) int {
	switch typ {
	case ChunkFamily, ChunkProto, ChunkProtoType:
		return 1
	case ChunkSrcPort, ChunkDstPort:
		return 2
	case ChunkSrcIPv4, ChunkDstIPv4, ChunkTsSec, ChunkTsUsec, ChunkCaptureID:
		return 4
	case ChunkSrcIPv6, ChunkDstIPv6:
		return 16
	}
	return 0
}
