// Package capture writes SIP messages back out as a pcap that Wireshark,
// tshark and sngrep open: Ethernet frames carrying IPv4 or IPv6 and UDP (or
// TCP for stream transports), with the messages' original timestamps in
// nanoseconds.
package capture

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/cutover/cutover/monitor"
)

// snaplen is big enough for any SIP message we record.
const snaplen = 262144

// Writer writes SIP messages into a nanosecond pcap.
type Writer struct {
	w    *pcapgo.Writer
	tcp  map[flow]uint32 // next TCP sequence number per direction
	buf  gopacket.SerializeBuffer
	n    int
	opts gopacket.SerializeOptions
}

type flow struct{ src, dst netip.AddrPort }

// NewWriter writes the pcap file header to w.
func NewWriter(w io.Writer) (*Writer, error) {
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(snaplen, layers.LinkTypeEthernet); err != nil {
		return nil, fmt.Errorf("pcap header: %w", err)
	}
	return &Writer{w: pw, tcp: map[flow]uint32{}, buf: gopacket.NewSerializeBuffer(),
		opts: gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}}, nil
}

// Written is how many messages have been written.
func (w *Writer) Written() int { return w.n }

// Write writes one SIP message seen at event time ts (Unix ns).
func (w *Writer) Write(ts int64, m *monitor.SIPMessage) error {
	src, dst := m.Src, m.Dst
	eth := &layers.Ethernet{SrcMAC: mac(src.Addr()), DstMAC: mac(dst.Addr()), EthernetType: layers.EthernetTypeIPv4}
	if src.Addr().Unmap().Is4() && dst.Addr().Unmap().Is4() {
		ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: ipOf(src.Addr().Unmap()), DstIP: ipOf(dst.Addr().Unmap())}
		return w.emit(ts, m, []gopacket.SerializableLayer{eth, ip}, func(p layers.IPProtocol) { ip.Protocol = p }, ip)
	}
	eth.EthernetType = layers.EthernetTypeIPv6
	ip := &layers.IPv6{Version: 6, HopLimit: 64, SrcIP: ipOf(src.Addr()), DstIP: ipOf(dst.Addr())}
	return w.emit(ts, m, []gopacket.SerializableLayer{eth, ip}, func(p layers.IPProtocol) { ip.NextHeader = p }, ip)
}

// emit adds the transport layer and the payload and writes the frame.
func (w *Writer) emit(ts int64, m *monitor.SIPMessage, ls []gopacket.SerializableLayer,
	setProto func(layers.IPProtocol), ip gopacket.NetworkLayer) error {
	sp, dp := layers.UDPPort(m.Src.Port()), layers.UDPPort(m.Dst.Port())
	switch m.Transport {
	case "", "udp":
		setProto(layers.IPProtocolUDP)
		udp := &layers.UDP{SrcPort: sp, DstPort: dp}
		if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
			return err
		}
		ls = append(ls, udp)
	default: // tcp, tls, ws, wss: written as clear-text TCP
		setProto(layers.IPProtocolTCP)
		f := flow{m.Src, m.Dst}
		seq := w.tcp[f]
		if seq == 0 {
			seq = 1
		}
		w.tcp[f] = seq + uint32(len(m.Raw))
		tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: seq, PSH: true, ACK: true, Window: 65535}
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			return err
		}
		ls = append(ls, tcp)
	}
	ls = append(ls, gopacket.Payload(m.Raw))
	if err := gopacket.SerializeLayers(w.buf, w.opts, ls...); err != nil {
		return fmt.Errorf("build frame: %w", err)
	}
	data := w.buf.Bytes()
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, ts), CaptureLength: len(data), Length: len(data)}
	if err := w.w.WritePacket(ci, data); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	w.n++
	return nil
}

func ipOf(a netip.Addr) net.IP { return net.IP(a.AsSlice()) }

// mac makes a stable, locally administered MAC address from an IP, so
// each host keeps one address across the capture.
func mac(a netip.Addr) net.HardwareAddr {
	b := a.As16()
	return net.HardwareAddr{0x02, 0x00, b[12], b[13], b[14], b[15]}
}
