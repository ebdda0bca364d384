package media

import (
	"encoding/binary"
	"errors"
	"testing"
)

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// reportBlock builds a report block by hand; lost is 24-bit two's complement.
func reportBlock(ssrc uint32, frac uint8, lost uint32, ext, jitter, lsr, dlsr uint32) []byte {
	b := be32(ssrc)
	b = append(b, frac, byte(lost>>16), byte(lost>>8), byte(lost))
	for _, v := range []uint32{ext, jitter, lsr, dlsr} {
		b = append(b, be32(v)...)
	}
	return b
}

func rtcpHeader(count int, pt uint8, body []byte) []byte {
	words := (4+len(body))/4 - 1
	return append([]byte{0x80 | byte(count), pt, byte(words >> 8), byte(words)}, body...)
}

func TestParseRTCPCompound(t *testing.T) {
	sr := be32(0x11111111)
	sr = append(sr, 0, 0, 0, 1, 0, 0, 0, 2) // NTP
	sr = append(sr, be32(160)...)
	sr = append(sr, be32(50)...)
	sr = append(sr, be32(8000)...)
	sr = append(sr, reportBlock(0x22222222, 64, 5, 70000, 40, 0xaabbccdd, 65536)...)
	rr := be32(0x33333333)
	rr = append(rr, reportBlock(0x44444444, 0, 0xffffff, 10, 0, 0, 0)...) // −1 lost: duplicates
	rr = append(rr, reportBlock(0x55555555, 255, 0x7fffff, 11, 1, 2, 3)...)
	sdes := []byte{0, 0, 0, 1, 1, 3, 'a', 'b', 'c', 0, 0, 0}
	var pkt []byte
	pkt = append(pkt, rtcpHeader(1, RTCPSenderReport, sr)...)
	pkt = append(pkt, rtcpHeader(2, RTCPReceiverReport, rr)...)
	pkt = append(pkt, rtcpHeader(1, RTCPSourceDesc, sdes)...)
	pkt = append(pkt, rtcpHeader(1, RTCPBye, be32(0x11111111))...)
	reports, err := ParseRTCP(pkt)
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 2 {
		t.Fatalf("got %d reports, want SR and RR: %+v", len(reports), reports)
	}
	s := reports[0]
	if s.Type != RTCPSenderReport || s.SSRC != 0x11111111 || s.Sender != (SenderInfo{NTPTime: 1<<32 | 2, RTPTime: 160, PacketCount: 50, OctetCount: 8000}) {
		t.Errorf("SR = %+v", s)
	}
	if len(s.Blocks) != 1 || s.Blocks[0] != (ReportBlock{0x22222222, 64, 5, 70000, 40, 0xaabbccdd, 65536}) {
		t.Errorf("SR blocks = %+v", s.Blocks)
	}
	r := reports[1]
	if r.Type != RTCPReceiverReport || r.SSRC != 0x33333333 || len(r.Blocks) != 2 {
		t.Fatalf("RR = %+v", r)
	}
	if r.Blocks[0].CumulLost != -1 || r.Blocks[1].CumulLost != 0x7fffff || r.Blocks[1].FractionLost != 255 {
		t.Errorf("RR blocks = %+v", r.Blocks)
	}
}

func TestParseRTCPErrors(t *testing.T) {
	rr := rtcpHeader(1, RTCPReceiverReport, append(be32(1), reportBlock(2, 0, 0, 0, 0, 0, 0)...))
	cases := map[string][]byte{
		"short":         rr[:3],
		"version":       append([]byte{0x40}, rr[1:]...),
		"length over":   rr[:len(rr)-4],
		"count over":    append([]byte{0x82}, rr[1:]...), // says two blocks, holds one
		"trailing junk": append(append([]byte{}, rr...), 0x80),
	}
	for name, b := range cases {
		if _, err := ParseRTCP(b); !errors.Is(err, ErrRTCP) {
			t.Errorf("%s: err = %v, want ErrRTCP", name, err)
		}
	}
	// The report before a truncated packet is kept.
	got, err := ParseRTCP(append(append([]byte{}, rr...), 0x80, 201, 0, 9))
	if err == nil || len(got) != 1 {
		t.Errorf("got %d reports, err %v; want the first report and an error", len(got), err)
	}
}
