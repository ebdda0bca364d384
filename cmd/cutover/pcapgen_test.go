package main

import (
	"bufio"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
)

// simCapture writes the simulated night's SIP messages as an Ethernet pcap:
// every fourth message pair goes over TCP (one connection per pair of
// addresses, every tenth message split across two segments), the rest over
// UDP. It stops after max messages (0 = the whole night) and returns how many
// it wrote.
func simCapture(tb testing.TB, path string, so sim.Options, maxMsgs int) int {
	return writeSimCapture(tb, path, so, maxMsgs, false)
}

// writeSimCapture is simCapture; udpOnly leaves TCP out.
func writeSimCapture(tb testing.TB, path string, so sim.Options, maxMsgs int, udpOnly bool) int {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := pcapgo.NewWriterNanos(bw)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		tb.Fatal(err)
	}
	g := &pcapGen{w: w, seq: map[[2]netip.AddrPort]uint32{}, buf: gopacket.NewSerializeBuffer(), udpOnly: udpOnly}
	night := sim.New(so)
	n := 0
	for maxMsgs == 0 || n < maxMsgs {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if ev.Kind != monitor.KindSIP || ev.SIP == nil {
			continue
		}
		if err := g.message(ev.Time, ev.SIP, n); err != nil {
			tb.Fatal(err)
		}
		n++
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	return n
}

type pcapGen struct {
	udpOnly bool
	w       *pcapgo.Writer
	seq     map[[2]netip.AddrPort]uint32
	buf     gopacket.SerializeBuffer
}

func (g *pcapGen) message(ts int64, m *monitor.SIPMessage, i int) error {
	at := time.Unix(0, ts)
	if g.udpOnly || (m.Src.Port()+m.Dst.Port()+uint16(m.Src.Addr().As4()[3]+m.Dst.Addr().As4()[3]))%4 != 0 {
		return g.frame(at, m.Src, m.Dst, nil, m.Raw)
	}
	k := [2]netip.AddrPort{m.Src, m.Dst}
	seq, ok := g.seq[k]
	if !ok {
		seq = 1000
		if err := g.frame(at, m.Src, m.Dst, &layers.TCP{Seq: seq - 1, SYN: true}, nil); err != nil {
			return err
		}
	}
	parts := [][]byte{m.Raw}
	if i%10 == 0 && len(m.Raw) > 40 {
		parts = [][]byte{m.Raw[:len(m.Raw)/2], m.Raw[len(m.Raw)/2:]}
	}
	for _, p := range parts {
		if err := g.frame(at, m.Src, m.Dst, &layers.TCP{Seq: seq, ACK: true, PSH: true}, p); err != nil {
			return err
		}
		seq += uint32(len(p))
	}
	g.seq[k] = seq
	return nil
}

func (g *pcapGen) frame(at time.Time, src, dst netip.AddrPort, tcp *layers.TCP, payload []byte) error {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP(src.Addr().AsSlice()), DstIP: net.IP(dst.Addr().AsSlice())}
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var err error
	if tcp != nil {
		ip.Protocol = layers.IPProtocolTCP
		tcp.SrcPort, tcp.DstPort, tcp.Window = layers.TCPPort(src.Port()), layers.TCPPort(dst.Port()), 65535
		_ = tcp.SetNetworkLayerForChecksum(ip)
		err = gopacket.SerializeLayers(g.buf, opts, eth, ip, tcp, gopacket.Payload(payload))
	} else {
		udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
		_ = udp.SetNetworkLayerForChecksum(ip)
		err = gopacket.SerializeLayers(g.buf, opts, eth, ip, udp, gopacket.Payload(payload))
	}
	if err != nil {
		return err
	}
	data := g.buf.Bytes()
	return g.w.WritePacket(gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(data), Length: len(data)}, data)
}
