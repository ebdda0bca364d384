package capture

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// IP protocol numbers and IPv6 extension headers we walk.
const (
	protoTCP      = 6
	protoUDP      = 17
	ip6HopByHop   = 0
	ip6Routing    = 43
	ip6Fragment   = 44
	ip6DestOpts   = 60
	maxExtHeaders = 8
)

// packet is one link-layer frame decoded down to its transport payload.
// Payload aliases the frame: copy what must outlive the next read.
type packet struct {
	src, dst netip.Addr
	proto    uint8
	// IP fragment fields: frag is true for a fragment of a larger datagram.
	frag     bool
	fragID   uint32
	fragOff  int // byte offset of this fragment
	fragMore bool
	ip       []byte // the IP payload (transport header onwards, or a fragment of it)
}

// decodeLink strips the link layer and returns the network-layer bytes and
// the EtherType-like protocol (0x0800 IPv4, 0x86DD IPv6), or ok=false.
func decodeLink(lt layers.LinkType, b []byte) (net []byte, ethType uint16, ok bool) {
	switch lt {
	case layers.LinkTypeEthernet:
		if len(b) < 14 {
			return nil, 0, false
		}
		ethType, b = binary.BigEndian.Uint16(b[12:14]), b[14:]
		for i := 0; i < 2 && (ethType == 0x8100 || ethType == 0x88A8); i++ { // VLAN / QinQ tags
			if len(b) < 4 {
				return nil, 0, false
			}
			ethType, b = binary.BigEndian.Uint16(b[2:4]), b[4:]
		}
		return b, ethType, true
	case layers.LinkTypeLinuxSLL:
		if len(b) < 16 {
			return nil, 0, false
		}
		return b[16:], binary.BigEndian.Uint16(b[14:16]), true
	case layers.LinkTypeLinuxSLL2:
		if len(b) < 20 {
			return nil, 0, false
		}
		return b[20:], binary.BigEndian.Uint16(b[0:2]), true
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		if len(b) < 4 {
			return nil, 0, false
		}
		return b[4:], loopFamily(b[:4]), true
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12: // 12: raw IP on some BSDs
		if len(b) < 1 {
			return nil, 0, false
		}
		switch b[0] >> 4 {
		case 4:
			return b, 0x0800, true
		case 6:
			return b, 0x86DD, true
		}
	}
	return nil, 0, false
}

// loopFamily reads a BSD loopback header: an address family in host byte
// order of the capturing machine (Null) or network order (Loop).
func loopFamily(h []byte) uint16 {
	fam := binary.LittleEndian.Uint32(h)
	if fam > 0xFFFF {
		fam = binary.BigEndian.Uint32(h)
	}
	switch fam {
	case 2:
		return 0x0800
	case 10, 24, 28, 30: // Linux, NetBSD/OpenBSD, FreeBSD, macOS AF_INET6
		return 0x86DD
	}
	return 0
}

// decodeIP decodes an IPv4 or IPv6 header into p.
func decodeIP(ethType uint16, b []byte, p *packet) bool {
	switch ethType {
	case 0x0800:
		return decodeIPv4(b, p)
	case 0x86DD:
		return decodeIPv6(b, p)
	}
	return false
}

func decodeIPv4(b []byte, p *packet) bool {
	if len(b) < 20 || b[0]>>4 != 4 {
		return false
	}
	ihl := int(b[0]&0x0F) * 4
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if ihl < 20 || total < ihl || len(b) < ihl {
		return false
	}
	if total < len(b) { // Ethernet padding after the datagram
		b = b[:total]
	}
	p.src = netip.AddrFrom4([4]byte(b[12:16]))
	p.dst = netip.AddrFrom4([4]byte(b[16:20]))
	p.proto = b[9]
	ff := binary.BigEndian.Uint16(b[6:8])
	p.fragMore = ff&0x2000 != 0
	p.fragOff = int(ff&0x1FFF) * 8
	p.frag = p.fragMore || p.fragOff != 0
	p.fragID = uint32(binary.BigEndian.Uint16(b[4:6]))
	p.ip = b[ihl:]
	return true
}

func decodeIPv6(b []byte, p *packet) bool {
	if len(b) < 40 || b[0]>>4 != 6 {
		return false
	}
	plen := int(binary.BigEndian.Uint16(b[4:6]))
	p.src = netip.AddrFrom16([16]byte(b[8:24]))
	p.dst = netip.AddrFrom16([16]byte(b[24:40]))
	next := b[6]
	b = b[40:]
	if plen != 0 && plen < len(b) { // 0: jumbogram; keep what was captured
		b = b[:plen]
	}
	p.frag = false
	for i := 0; i < maxExtHeaders; i++ {
		switch next {
		case ip6HopByHop, ip6Routing, ip6DestOpts:
			if len(b) < 8 {
				return false
			}
			n := (int(b[1]) + 1) * 8
			if len(b) < n {
				return false
			}
			next, b = b[0], b[n:]
		case ip6Fragment:
			if len(b) < 8 {
				return false
			}
			off := binary.BigEndian.Uint16(b[2:4])
			p.frag = true
			p.fragOff = int(off & 0xFFF8) // already in bytes: 13-bit count of 8-byte units, shifted
			p.fragMore = off&1 != 0
			p.fragID = binary.BigEndian.Uint32(b[4:8])
			next, b = b[0], b[8:]
			if p.fragOff == 0 && !p.fragMore { // an atomic fragment: a whole datagram
				p.frag = false
			}
		default:
			p.proto, p.ip = next, b
			return true
		}
	}
	return false
}

// transport is a decoded UDP datagram or TCP segment.
type transport struct {
	srcPort, dstPort uint16
	seq              uint32
	flags            uint8 // TCP flags
	payload          []byte
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
)

func decodeUDP(b []byte, t *transport) bool {
	if len(b) < 8 {
		return false
	}
	t.srcPort = binary.BigEndian.Uint16(b[0:2])
	t.dstPort = binary.BigEndian.Uint16(b[2:4])
	n := int(binary.BigEndian.Uint16(b[4:6]))
	t.payload = b[8:]
	if n >= 8 && n-8 < len(t.payload) {
		t.payload = t.payload[:n-8]
	}
	return true
}

func decodeTCP(b []byte, t *transport) bool {
	if len(b) < 20 {
		return false
	}
	off := int(b[12]>>4) * 4
	if off < 20 || len(b) < off {
		return false
	}
	t.srcPort = binary.BigEndian.Uint16(b[0:2])
	t.dstPort = binary.BigEndian.Uint16(b[2:4])
	t.seq = binary.BigEndian.Uint32(b[4:8])
	t.flags = b[13]
	t.payload = b[off:]
	return true
}
