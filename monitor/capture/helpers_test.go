package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/cutover/cutover/monitor"
)

var t0 = time.Date(2026, 11, 23, 2, 0, 0, 123456000, time.UTC)

// sipMsg makes a small SIP request or response with a body of bodyLen bytes.
func sipMsg(i int, bodyLen int) []byte {
	body := bytes.Repeat([]byte("v"), bodyLen)
	start := fmt.Sprintf("INVITE sip:+1555123%04d@198.51.100.7 SIP/2.0", i)
	if i%2 == 1 {
		start = "SIP/2.0 200 OK"
	}
	return fmt.Appendf(nil, "%s\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK%d\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\nCall-ID: c%d\r\nCSeq: 1 INVITE\r\nContent-Length: %d\r\n\r\n%s",
		start, i, i, bodyLen, body)
}

type frameSpec struct {
	ts   time.Time
	data []byte
}

// ipPacket serialises IPv4 or IPv6 + UDP/TCP with gopacket's encoder.
func ipPacket(t *testing.T, src, dst netip.AddrPort, tcp *layers.TCP, payload []byte) []byte {
	t.Helper()
	var netL gopacket.NetworkLayer
	var ipL gopacket.SerializableLayer
	proto := layers.IPProtocolUDP
	if tcp != nil {
		proto = layers.IPProtocolTCP
	}
	if src.Addr().Is4() {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: net.IP(src.Addr().AsSlice()), DstIP: net.IP(dst.Addr().AsSlice())}
		netL, ipL = ip, ip
	} else {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: net.IP(src.Addr().AsSlice()), DstIP: net.IP(dst.Addr().AsSlice())}
		netL, ipL = ip, ip
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var err error
	if tcp != nil {
		tcp.SrcPort, tcp.DstPort, tcp.Window = layers.TCPPort(src.Port()), layers.TCPPort(dst.Port()), 65535
		_ = tcp.SetNetworkLayerForChecksum(netL)
		err = gopacket.SerializeLayers(buf, opts, ipL, tcp, gopacket.Payload(payload))
	} else {
		udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
		_ = udp.SetNetworkLayerForChecksum(netL)
		err = gopacket.SerializeLayers(buf, opts, ipL, udp, gopacket.Payload(payload))
	}
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// linkWrap prefixes an IP packet with a link-layer header of type lt.
func linkWrap(lt layers.LinkType, ip []byte) []byte {
	v6 := ip[0]>>4 == 6
	ethType := uint16(0x0800)
	if v6 {
		ethType = 0x86DD
	}
	var h []byte
	switch lt {
	case layers.LinkTypeEthernet:
		h = make([]byte, 14)
		copy(h, []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2})
		binary.BigEndian.PutUint16(h[12:], ethType)
	case layers.LinkTypeLinuxSLL:
		h = make([]byte, 16)
		binary.BigEndian.PutUint16(h[2:], 772) // ARPHRD_LOOPBACK
		binary.BigEndian.PutUint16(h[14:], ethType)
	case layers.LinkTypeLinuxSLL2:
		h = make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], ethType)
		binary.BigEndian.PutUint16(h[8:], 772)
	case layers.LinkTypeNull:
		h = make([]byte, 4)
		fam := uint32(2)
		if v6 {
			fam = 30
		}
		binary.LittleEndian.PutUint32(h, fam)
	case layers.LinkTypeLoop:
		h = make([]byte, 4)
		fam := uint32(2)
		if v6 {
			fam = 24
		}
		binary.BigEndian.PutUint32(h, fam)
	}
	return append(h, ip...)
}

// writePcap writes frames as a classic pcap (nanosecond timestamps) of link type lt.
func writePcap(t *testing.T, lt layers.LinkType, frames []frameSpec) []byte {
	t.Helper()
	var out bytes.Buffer
	w := pcapgo.NewWriterNanos(&out)
	if err := w.WriteFileHeader(65535, lt); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: f.ts, CaptureLength: len(f.data), Length: len(f.data)}
		if err := w.WritePacket(ci, f.data); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

func writePcapng(t *testing.T, lt layers.LinkType, frames []frameSpec) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := pcapgo.NewNgWriter(&out, lt)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: f.ts, CaptureLength: len(f.data), Length: len(f.data)}
		if err := w.WritePacket(ci, f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// readAll reads every event; the error is nil at a clean end of file.
func readAll(t *testing.T, file []byte) ([]monitor.Event, Stats, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(file), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var evs []monitor.Event
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return evs, r.Stats(), nil
		}
		if err != nil {
			return evs, r.Stats(), err
		}
		evs = append(evs, ev)
	}
}

// fragment sends payload over UDP as IP fragments of at most size bytes
// of IP payload each, in Ethernet frames.
func fragment(t *testing.T, src, dst netip.AddrPort, payload []byte, size int) []frameSpec {
	t.Helper()
	whole := ipPacket(t, src, dst, nil, payload)
	hdr := 20
	if src.Addr().Is6() {
		hdr = 40
	}
	udp := whole[hdr:]
	size &^= 7
	var frames []frameSpec
	for off := 0; off < len(udp); off += size {
		end := min(off+size, len(udp))
		more := end < len(udp)
		buf := gopacket.NewSerializeBuffer()
		opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
		var err error
		if src.Addr().Is4() {
			ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, Id: 4242,
				FragOffset: uint16(off / 8), SrcIP: net.IP(src.Addr().AsSlice()), DstIP: net.IP(dst.Addr().AsSlice())}
			if more {
				ip.Flags = layers.IPv4MoreFragments
			}
			err = gopacket.SerializeLayers(buf, opts, ip, gopacket.Payload(udp[off:end]))
		} else {
			ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Fragment,
				SrcIP: net.IP(src.Addr().AsSlice()), DstIP: net.IP(dst.Addr().AsSlice())}
			fr := &layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, FragmentOffset: uint16(off / 8), MoreFragments: more, Identification: 4242}
			err = gopacket.SerializeLayers(buf, opts, ip, fr, gopacket.Payload(udp[off:end]))
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, frameSpec{t0, linkWrap(layers.LinkTypeEthernet, append([]byte(nil), buf.Bytes()...))})
	}
	return frames
}
