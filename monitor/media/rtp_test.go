package media

import (
	"encoding/binary"
	"errors"
	"testing"
)

// rtpPacket builds an RTP packet by hand.
func rtpPacket(pt uint8, seq uint16, ts, ssrc uint32, payload int) []byte {
	b := make([]byte, 12+payload)
	b[0] = 0x80
	b[1] = pt
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	return b
}

func TestParseRTP(t *testing.T) {
	// V=2 P X CC=2, M, PT 8; two CSRCs, a one-word extension, 3 payload bytes, 2 padding bytes.
	b := []byte{
		0xb2, 0x88, 0xff, 0xfe, 0, 0, 0x1f, 0x40, 0xde, 0xad, 0xbe, 0xef,
		0, 0, 0, 1, 0, 0, 0, 2, // CSRCs
		0xbe, 0xde, 0, 1, 1, 2, 3, 4, // extension: profile, length 1 word
		9, 9, 9, // payload
		0, 2, // padding, last byte is its count
	}
	var h RTPHeader
	if err := ParseRTP(b, &h); err != nil {
		t.Fatal(err)
	}
	want := RTPHeader{Version: 2, Padding: true, Extension: true, CSRCCount: 2, Marker: true, PayloadType: 8,
		Seq: 65534, Timestamp: 8000, SSRC: 0xdeadbeef, PayloadOff: 28, PayloadLen: 3}
	if h != want {
		t.Errorf("got %+v\nwant %+v", h, want)
	}
}

func TestParseRTPErrors(t *testing.T) {
	good := rtpPacket(0, 1, 2, 3, 4)
	cases := map[string][]byte{
		"short":          good[:11],
		"version 1":      append([]byte{0x40}, good[1:]...),
		"csrc overflow":  append([]byte{0x8f}, good[1:]...),
		"ext overflow":   {0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 9},
		"ext header cut": {0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe},
		"zero padding":   append(append([]byte{0xa0}, good[1:]...), 0),
		"padding over":   append(append([]byte{0xa0}, good[1:]...), 40),
		"RTCP RR":        {0x81, 201, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0},
	}
	for name, b := range cases {
		var h RTPHeader
		if err := ParseRTP(b, &h); !errors.Is(err, ErrRTP) {
			t.Errorf("%s: err = %v, want ErrRTP", name, err)
		}
	}
}

func TestIsRTCP(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		want bool
	}{
		{rtpPacket(0, 1, 1, 1, 0), false},
		{rtpPacket(0x80|96, 1, 1, 1, 0), false}, // marker + dynamic PT 96 is 224
		{rtpPacket(0x80|63, 1, 1, 1, 0), false}, // 191
		{[]byte{0x80, 200, 0, 6}, true},
		{[]byte{0x81, 201}, true},
		{[]byte{0x80, 223}, true},
		{[]byte{0x80}, false},
	} {
		if got := IsRTCP(c.b); got != c.want {
			t.Errorf("IsRTCP(% x) = %v, want %v", c.b[:min(len(c.b), 2)], got, c.want)
		}
	}
}
