package media

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrRTCP is wrapped by every error ParseRTCP returns.
var ErrRTCP = errors.New("rtcp")

// RTCP packet types (RFC 3550 §12.1).
const (
	RTCPSenderReport   = 200
	RTCPReceiverReport = 201
	RTCPSourceDesc     = 202
	RTCPBye            = 203
	RTCPApp            = 204
)

// ReportBlock is one reception report (RFC 3550 §6.4.1).
type ReportBlock struct {
	SSRC          uint32 // the source this block reports on
	FractionLost  uint8  // lost since the last report, in 1/256
	CumulLost     int32  // signed 24 bits: negative with duplicates
	ExtHighestSeq uint32
	Jitter        uint32 // in timestamp units
	LSR           uint32 // middle 32 bits of the last SR's NTP time
	DLSR          uint32 // delay since that SR, in 1/65536 s
}

// SenderInfo is an SR's sender information.
type SenderInfo struct {
	NTPTime     uint64
	RTPTime     uint32
	PacketCount uint32
	OctetCount  uint32
}

// Report is one SR or RR of a compound packet. Sender is set for an SR only.
type Report struct {
	Type   uint8
	SSRC   uint32 // the sender of the report
	Sender SenderInfo
	Blocks []ReportBlock
}

// ParseRTCP reads a compound RTCP packet and returns its SRs and RRs; SDES,
// BYE, APP and unknown types are skipped. Every packet must be version 2 and
// its length must fit; a truncated compound is an error and returns the
// reports read before it.
func ParseRTCP(b []byte) ([]Report, error) {
	var out []Report
	for len(b) > 0 {
		if len(b) < 4 {
			return out, fmt.Errorf("%w: %d trailing bytes are shorter than a header", ErrRTCP, len(b))
		}
		if v := b[0] >> 6; v != 2 {
			return out, fmt.Errorf("%w: version %d, want 2", ErrRTCP, v)
		}
		count, pt := int(b[0]&0x1f), b[1]
		size := 4 * (int(binary.BigEndian.Uint16(b[2:])) + 1)
		if size > len(b) {
			return out, fmt.Errorf("%w: packet type %d says %d bytes, %d left", ErrRTCP, pt, size, len(b))
		}
		pkt := b[:size]
		b = b[size:]
		if pt != RTCPSenderReport && pt != RTCPReceiverReport {
			continue
		}
		r, err := parseReport(pkt, pt, count)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func parseReport(pkt []byte, pt uint8, count int) (Report, error) {
	r := Report{Type: pt}
	off := 8
	if pt == RTCPSenderReport {
		off = 28
	}
	if len(pkt) < off+24*count {
		return r, fmt.Errorf("%w: packet type %d with %d report blocks does not fit in %d bytes", ErrRTCP, pt, count, len(pkt))
	}
	r.SSRC = binary.BigEndian.Uint32(pkt[4:])
	if pt == RTCPSenderReport {
		r.Sender = SenderInfo{
			NTPTime:     binary.BigEndian.Uint64(pkt[8:]),
			RTPTime:     binary.BigEndian.Uint32(pkt[16:]),
			PacketCount: binary.BigEndian.Uint32(pkt[20:]),
			OctetCount:  binary.BigEndian.Uint32(pkt[24:]),
		}
	}
	if count > 0 {
		r.Blocks = make([]ReportBlock, count)
	}
	for i := range r.Blocks {
		rb := pkt[off+24*i:]
		lost := int32(binary.BigEndian.Uint32(rb[4:])&0x00ffffff) << 8 >> 8 // sign-extend 24 bits
		r.Blocks[i] = ReportBlock{
			SSRC:          binary.BigEndian.Uint32(rb),
			FractionLost:  rb[4],
			CumulLost:     lost,
			ExtHighestSeq: binary.BigEndian.Uint32(rb[8:]),
			Jitter:        binary.BigEndian.Uint32(rb[12:]),
			LSR:           binary.BigEndian.Uint32(rb[16:]),
			DLSR:          binary.BigEndian.Uint32(rb[20:]),
		}
	}
	return r, nil
}
