// Package capture turns pcap and pcapng files into SIP events.
//
// It reads Ethernet (with VLAN tags), Linux cooked (SLL and SLL2),
// BSD loopback and raw-IP captures; IPv4 and IPv6; SIP over UDP (one
// message per datagram, IP fragments reassembled) and over TCP (streams
// reassembled by sequence number and split into messages by
// Content-Length). Every message becomes a monitor.Event of KindSIP with
// the capture timestamp as its event time. Memory is bounded: a fixed
// number of flows and fragment sets, each with a byte limit.
package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/cutover/cutover/monitor"
)

// ErrTruncated means the file ends in the middle of a packet record: what
// came before it was read.
var ErrTruncated = errors.New("capture file is truncated")

// Options bound the reader's memory. Zero values take the defaults.
type Options struct {
	MaxFlows  int // TCP flow directions tracked at once (default 4096)
	MaxBuffer int // bytes buffered per TCP flow direction (default 512 KiB)
}

// Stats count what the reader saw. Messages = UDP + TCP.
type Stats struct {
	Packets     uint64 // records read from the file
	Messages    uint64 // SIP messages produced
	UDP, TCP    uint64 // ...by transport
	NonSIP      uint64 // UDP datagrams that are not SIP
	KeepAlives  uint64 // UDP CRLF keep-alives (RFC 5626)
	Skipped     uint64 // frames that are not IPv4/IPv6 UDP/TCP, or too short to decode
	Fragments   uint64 // IP fragments seen
	Reassembled uint64 // datagrams rebuilt from fragments
	FragDropped uint64 // fragmented datagrams given up (missing pieces, too big, table full)
	Stream      TCPStats
}

// packetSource is what pcapgo's pcap and pcapng readers have in common.
type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// Reader reads SIP events out of a capture file.
type Reader struct {
	src     packetSource
	link    layers.LinkType // for pcap; pcapng carries it per packet
	ng      bool
	asm     *assembler
	defrag  *defragger
	queue   []monitor.Event
	qpos    int
	stats   Stats
	lastTS  int64
	pkt     packet
	tr      transport
	emitTCP func(int64, []byte)
	flow    flowKey
	flushed bool  // the source has ended and the streams were flushed
	endErr  error // how the source ended
}

// NewReader reads the file header (pcap, possibly gzipped, or pcapng).
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 1<<20)
	}
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("capture: not a pcap or pcapng file: %w", err)
	}
	rd := &Reader{asm: newAssembler(opts.MaxFlows, opts.MaxBuffer), defrag: newDefragger()}
	if binary.LittleEndian.Uint32(magic) == 0x0A0D0D0A { // pcapng section header block
		ng, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, fmt.Errorf("capture: pcapng: %w", err)
		}
		rd.src, rd.ng = ng, true
	} else {
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("capture: not a pcap or pcapng file: %w", err)
		}
		rd.src, rd.link = pr, pr.LinkType()
	}
	rd.emitTCP = func(ts int64, msg []byte) {
		rd.push(ts, rd.flow.src, rd.flow.dst, "tcp", msg)
	}
	return rd, nil
}

// Stats returns the counts so far.
func (r *Reader) Stats() Stats {
	s := r.stats
	s.Stream = r.asm.stats
	s.FragDropped = r.defrag.dropped
	return s
}

// Next returns the next SIP event. At the end of the file it returns
// io.EOF; a file cut short gives an error wrapping ErrTruncated.
func (r *Reader) Next() (monitor.Event, error) {
	for r.qpos >= len(r.queue) {
		r.queue, r.qpos = r.queue[:0], 0
		if r.flushed {
			return monitor.Event{}, r.readErr(r.endErr)
		}
		data, ci, err := r.src.ZeroCopyReadPacketData()
		if err != nil { // the end: messages held behind holes in TCP streams come out first
			r.flushed, r.endErr = true, err
			r.asm.flushAll(func(k flowKey, ts int64, msg []byte) { r.push(ts, k.src, k.dst, "tcp", msg) })
			continue
		}
		r.stats.Packets++
		lt := r.link
		if r.ng && len(ci.AncillaryData) > 0 {
			if l, ok := ci.AncillaryData[0].(layers.LinkType); ok {
				lt = l
			}
		}
		r.packet(ci.Timestamp.UnixNano(), lt, data)
	}
	ev := r.queue[r.qpos]
	r.queue[r.qpos] = monitor.Event{}
	r.qpos++
	return ev, nil
}

func (r *Reader) readErr(err error) error {
	switch {
	case errors.Is(err, io.EOF):
		return io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w after %d packets", ErrTruncated, r.stats.Packets)
	}
	return fmt.Errorf("capture: bad record after %d packets: %w", r.stats.Packets, err)
}

// packet decodes one frame and queues the SIP messages it completes.
func (r *Reader) packet(ts int64, lt layers.LinkType, data []byte) {
	if ts > r.lastTS+int64(fragTimeout) && len(r.defrag.pending) > 0 {
		r.defrag.expire(ts, false)
	}
	r.lastTS = max(r.lastTS, ts)
	p := &r.pkt
	netb, eth, ok := decodeLink(lt, data)
	if !ok || !decodeIP(eth, netb, p) || (p.proto != protoUDP && p.proto != protoTCP) {
		r.stats.Skipped++
		return
	}
	ip := p.ip
	if p.frag {
		r.stats.Fragments++
		whole, done := r.defrag.add(ts, p)
		if !done {
			return
		}
		r.stats.Reassembled++
		ip = whole
	}
	t := &r.tr
	if p.proto == protoUDP {
		if !decodeUDP(ip, t) {
			r.stats.Skipped++
			return
		}
		r.udp(ts, netip.AddrPortFrom(p.src, t.srcPort), netip.AddrPortFrom(p.dst, t.dstPort), t.payload)
		return
	}
	if !decodeTCP(ip, t) {
		r.stats.Skipped++
		return
	}
	r.flow = flowKey{src: netip.AddrPortFrom(p.src, t.srcPort), dst: netip.AddrPortFrom(p.dst, t.dstPort)}
	r.asm.segment(ts, r.flow, t, r.emitTCP)
}

func (r *Reader) udp(ts int64, src, dst netip.AddrPort, payload []byte) {
	if skipCRLF(payload) == len(payload) {
		r.stats.KeepAlives++
		return
	}
	if yes, _ := startLine(payload); !yes {
		r.stats.NonSIP++
		return
	}
	r.push(ts, src, dst, "udp", payload)
}

func (r *Reader) push(ts int64, src, dst netip.AddrPort, transport string, msg []byte) {
	r.stats.Messages++
	if transport == "udp" {
		r.stats.UDP++
	} else {
		r.stats.TCP++
	}
	r.queue = append(r.queue, monitor.Event{
		Time: ts, Kind: monitor.KindSIP, Source: monitor.SourcePcap,
		SIP: &monitor.SIPMessage{Src: src, Dst: dst, Transport: transport, Raw: append([]byte(nil), msg...)},
	})
}
