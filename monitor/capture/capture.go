// Package capture turns pcap and pcapng files into SIP events.
//
// It reads Ethernet (with VLAN tags), Linux cooked (SLL and SLL2),
// BSD loopback and raw-IP captures; IPv4 and IPv6; SIP over UDP (one
// message per datagram, IP fragments reassembled) and over TCP (streams
// reassembled by sequence number and split into messages by
// Content-Length). Every message becomes a monitor.Event of KindSIP with
// the capture timestamp as its event time. Memory is bounded: a fixed
// number of flows and fragment sets, each with a byte limit, and records
// of at most MaxRecord bytes (a gzipped file is inflated a record at a
// time, so a small file that claims or inflates to gigabytes is refused).
// A Live capture (live.go) reads a network interface through the same
// Reader.
package capture

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
	"github.com/cutover/cutover/monitor/sipmsg"
	"github.com/cutover/cutover/monitor/sipparse"
)

// ErrTruncated means the file ends in the middle of a packet record: what
// came before it was read.
var ErrTruncated = errors.New("capture file is truncated")

// MaxRecord is the largest packet record the reader takes: libpcap's
// MAXIMUM_SNAPLEN, the most tcpdump itself writes or reads.
const MaxRecord = 262144

// ErrRecordTooLarge means a record (or pcapng block) claims more than
// MaxRecord bytes. Reading stops there; the error also wraps ErrTruncated,
// since what came before the record was read.
var ErrRecordTooLarge = errors.New("record over the 262144-byte maximum snap length")

// Options bound the reader's memory. Zero values take the defaults.
type Options struct {
	MaxFlows  int // TCP flow directions tracked at once (default 4096)
	MaxBuffer int // bytes buffered per TCP flow direction (default 512 KiB)
	// Media, when set, sees every SIP message and every UDP datagram
	// that looks like RTP or RTCP (version 2), and its reports come out
	// of Next among the SIP events, in time order (mediatrack.Tracker).
	Media MediaTracker
}

// MediaTracker matches RTP and RTCP to calls (monitor/mediatrack).
type MediaTracker interface {
	SIP(at int64, m *monitor.SIPMessage)
	Packet(at int64, src, dst netip.AddrPort, payload []byte) bool
	Due(at int64, emit func(monitor.Event))
	Flush(at int64, emit func(monitor.Event))
}

// Stats count what the reader saw. Messages = UDP + TCP.
type Stats struct {
	Packets  uint64 // records read from the file
	Messages uint64 // SIP messages produced
	UDP, TCP uint64 // ...by transport
	NonSIP   uint64 // UDP datagrams that are not SIP
	// Of NonSIP, with Options.Media: RTP and RTCP matched to a call, and
	// version-2 datagrams no SDP named.
	RTP, RTCP, MediaUnmatched uint64
	MediaReports              uint64 // KindMedia events made
	KeepAlives                uint64 // UDP CRLF keep-alives (RFC 5626)
	Skipped                   uint64 // frames that are not IPv4/IPv6 UDP/TCP, or too short to decode
	Fragments                 uint64 // IP fragments seen
	Reassembled               uint64 // datagrams rebuilt from fragments
	FragDropped               uint64 // fragmented datagrams given up (missing pieces, too big, table full)
	Stream                    TCPStats
}

// packetSource is what pcapgo's pcap and pcapng readers and a live
// capture's ring (live.go) have in common.
type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// Reader reads SIP events out of a capture file.
type Reader struct {
	src     packetSource
	link    layers.LinkType // for pcap; pcapng carries it per packet
	ng      bool
	in      *bufio.Reader    // the (inflated) file as pcapgo reads it: peeked at for record headers
	order   binary.ByteOrder // of the file (pcapng: of its first section)
	budget  *budgetReader
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
	media   MediaTracker
	prevTS  int64 // the previous record's time: Due follows only small steps
	emitMed func(monitor.Event)
}

// Bounds of reading: the inflated bytes pcapgo may pull for one record
// (the record, its block's options, the non-packet blocks before it and
// a buffer's read-ahead). A pcapng block that is not a packet may use the
// slack; nothing can make the reader hold more than this at once.
const (
	inBuffer     = 64 << 10
	blockSlack   = 8 << 20
	recordBudget = MaxRecord + blockSlack + inBuffer
)

// pcap and pcapng magic numbers, as little-endian uint32s of the first bytes.
const (
	magicNG       = 0x0A0D0D0A
	magicNGOrder  = 0x1A2B3C4D
	magicMicro    = 0xA1B2C3D4
	magicNano     = 0xA1B23C4D
	magicMicroBE  = 0xD4C3B2A1
	magicNanoBE   = 0x4D3CB2A1
	ngBlockEPB    = 6
	ngBlockPacket = 2 // obsolete packet block
	ngBlockSPB    = 3
)

// NewReader reads the file header (pcap or pcapng, either possibly gzipped).
// A gzipped file is inflated here, under pcapgo, so every byte pcapgo reads
// is counted against recordBudget: a small file that inflates to gigabytes
// is refused, never held.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		// Only to peek at the magic: the reads under pcapgo are of
		// inBuffer bytes, which a smaller buffer hands to r directly,
		// with no copy through it.
		br = bufio.NewReaderSize(r, 4096)
	}
	var file io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("capture: gzip: %w", err)
		}
		file = gz
	}
	rd := newReader(opts)
	rd.budget = &budgetReader{r: file, left: recordBudget}
	// pcapgo keeps a *bufio.Reader of at least 4 KiB as it is (bufio.NewReader
	// returns it), so what rd.in peeks at is exactly what pcapgo reads next.
	rd.in = bufio.NewReaderSize(rd.budget, inBuffer)
	head, err := rd.in.Peek(12)
	if len(head) < 4 {
		return nil, fmt.Errorf("capture: not a pcap or pcapng file: %w", cmp.Or(err, io.ErrUnexpectedEOF))
	}
	switch binary.LittleEndian.Uint32(head) {
	case magicNG: // section header block
		rd.order = binary.LittleEndian
		if len(head) == 12 && binary.BigEndian.Uint32(head[8:]) == magicNGOrder {
			rd.order = binary.BigEndian
		}
		ng, err := pcapgo.NewNgReader(rd.in, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, fmt.Errorf("capture: pcapng: %w", rd.budgetErr(err))
		}
		rd.src, rd.ng = ng, true
	case magicMicro, magicNano, magicMicroBE, magicNanoBE:
		rd.order = binary.LittleEndian
		if m := binary.LittleEndian.Uint32(head); m == magicMicroBE || m == magicNanoBE {
			rd.order = binary.BigEndian
		}
		pr, err := pcapgo.NewReader(rd.in)
		if err != nil {
			return nil, fmt.Errorf("capture: not a pcap or pcapng file: %w", err)
		}
		rd.src, rd.link = pr, pr.LinkType()
	default: // a second layer of gzip is refused too: it would inflate outside the budget
		return nil, fmt.Errorf("capture: not a pcap or pcapng file (magic %x)", head[:4])
	}
	return rd, nil
}

// newReader is a Reader with no source yet: what a capture file and a
// live interface (live_linux.go) share.
func newReader(opts Options) *Reader {
	rd := &Reader{asm: newAssembler(opts.MaxFlows, opts.MaxBuffer), defrag: newDefragger()}
	if opts.Media != nil {
		rd.media = opts.Media
		rd.emitMed = func(ev monitor.Event) {
			rd.stats.MediaReports++
			rd.queue = append(rd.queue, ev)
		}
	}
	rd.emitTCP = func(ts int64, msg []byte) {
		rd.push(ts, rd.flow.src, rd.flow.dst, "tcp", msg)
	}
	return rd
}

// readRecord reads the next record, refusing one that claims more than
// MaxRecord bytes before any of its bytes are read (its header is peeked
// at), and any record whose reading pulls more than recordBudget bytes.
func (r *Reader) readRecord() ([]byte, gopacket.CaptureInfo, error) {
	if r.in == nil { // a live source: no file to peek at
		return r.src.ZeroCopyReadPacketData()
	}
	if claim, ok := r.nextClaim(); ok && claim > MaxRecord {
		return nil, gopacket.CaptureInfo{}, fmt.Errorf("record %d claims %d bytes: %w", r.stats.Packets+1, claim, ErrRecordTooLarge)
	}
	r.budget.left = recordBudget
	data, ci, err := r.src.ZeroCopyReadPacketData()
	return data, ci, r.budgetErr(err)
}

// nextClaim peeks at the next record's header for the length it claims:
// the capture length of a pcap record or of a pcapng (enhanced) packet
// block, or the length of a pcapng simple packet block's data. A pcapng
// file whose later section changes byte order only loses this early
// check: the budget still holds.
func (r *Reader) nextClaim() (uint64, bool) {
	if !r.ng {
		h, _ := r.in.Peek(16)
		if len(h) < 16 {
			return 0, false
		}
		return uint64(r.order.Uint32(h[8:12])), true
	}
	h, _ := r.in.Peek(24)
	if len(h) < 8 {
		return 0, false
	}
	blockLen := uint64(r.order.Uint32(h[4:8]))
	switch r.order.Uint32(h[0:4]) {
	case ngBlockEPB, ngBlockPacket:
		if len(h) < 24 {
			return 0, false
		}
		return uint64(r.order.Uint32(h[20:24])), true // the block's length, with its options, is left to the budget
	case ngBlockSPB: // no options: the block is the packet
		return blockLen - min(blockLen, 16), true
	}
	return 0, false // other blocks: the budget bounds them
}

// budgetErr names the error of a read that ran out of budget.
func (r *Reader) budgetErr(err error) error {
	if err != nil && r.budget.hit {
		r.budget.hit = false
		return fmt.Errorf("record %d (or a pcapng block before it) runs past %d bytes: %w", r.stats.Packets+1, recordBudget-inBuffer, ErrRecordTooLarge)
	}
	return err
}

// budgetReader lets through at most left bytes, then fails.
type budgetReader struct {
	r    io.Reader
	left int
	hit  bool
}

var errBudget = errors.New("read budget exhausted")

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		b.hit = true
		return 0, errBudget
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= n
	return n, err
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
		data, ci, err := r.readRecord()
		if errors.Is(err, errSourceIdle) { // a live source with nothing to read: the clock moves media on
			r.mediaDue(ci.Timestamp.UnixNano())
			continue
		}
		if err != nil { // the end: messages held behind holes in TCP streams come out first
			r.flushed, r.endErr = true, err
			r.asm.flushAll(func(k flowKey, ts int64, msg []byte) { r.push(ts, k.src, k.dst, "tcp", msg) })
			if r.media != nil {
				r.media.Flush(r.lastTS, r.emitMed)
			}
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

// errSourceIdle is a live source saying nothing came for a while (its
// CaptureInfo's Timestamp is the time now): the media reports due by
// then come out, as they would before a packet of that time.
var errSourceIdle = errors.New("capture: nothing to read yet")

func (r *Reader) readErr(err error) error {
	switch {
	case errors.Is(err, ErrRecordTooLarge):
		return fmt.Errorf("capture: %w: %w after %d packets", err, ErrTruncated, r.stats.Packets)
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
	r.mediaDue(ts)
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

// mediaDue lets the media tracker's reports due by ts out before the
// record at ts. A record more than a minute from the one before (one odd
// timestamp, or the first after a quiet hour) does not move the media
// clock: the next one does, if it agrees.
func (r *Reader) mediaDue(ts int64) {
	if r.media == nil {
		return
	}
	prev := r.prevTS
	r.prevTS = ts
	if prev != 0 && (ts > prev+int64(monitor.NeighbourGap) || ts < prev-int64(monitor.NeighbourGap)) {
		return
	}
	r.media.Due(ts, r.emitMed)
}

func (r *Reader) udp(ts int64, src, dst netip.AddrPort, payload []byte) {
	// RTP and RTCP start with version 2 (0x80-0xbf), which no SIP start
	// line or keep-alive does.
	if r.media != nil && len(payload) >= 8 && payload[0]&0xc0 == 0x80 {
		r.stats.NonSIP++
		switch {
		case !r.media.Packet(ts, src, dst, payload):
			r.stats.MediaUnmatched++
		case media.IsRTCP(payload):
			r.stats.RTCP++
		default:
			r.stats.RTP++
		}
		return
	}
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
	raw := make([]byte, len(msg)) // with the copy, nothing is cleared first
	copy(raw, msg)
	if r.media == nil {
		m := &monitor.SIPMessage{Src: src, Dst: dst, Transport: transport, Raw: raw}
		r.queue = append(r.queue, monitor.Event{Time: ts, Kind: monitor.KindSIP, Source: monitor.SourcePcap, SIP: m})
		return
	}
	// Parsed once, here: the tracker reads the fold's Info, and the
	// pipeline does not parse a message whose Info is set. One that does
	// not parse is left raw (the pipeline folds it as malformed). The
	// message and its Info are one allocation.
	p := &parsedSIP{msg: monitor.SIPMessage{Src: src, Dst: dst, Transport: transport, Raw: raw}}
	if sipparse.ParseInto(p.msg.Raw, &p.info) == nil {
		p.msg.Info = &p.info
	}
	r.queue = append(r.queue, monitor.Event{Time: ts, Kind: monitor.KindSIP, Source: monitor.SourcePcap, SIP: &p.msg})
	r.media.SIP(ts, &p.msg)
}

// parsedSIP is a message read with its summary.
type parsedSIP struct {
	msg  monitor.SIPMessage
	info sipmsg.Info
}
