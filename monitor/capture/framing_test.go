package capture

import (
	"bytes"
	"testing"
)

// feedBytewise sends stream to a fresh assembler one byte per segment and
// returns the assembler and the messages it framed.
func feedBytewise(stream []byte) (*assembler, int) {
	a := newAssembler(4, 0)
	k := flowKey{src: a4, dst: b4}
	seq := uint32(1000)
	a.segment(0, k, &transport{seq: seq - 1, flags: tcpSYN}, nil)
	msgs := 0
	emit := func(int64, []byte) { msgs++ }
	for i := range stream {
		a.segment(int64(i), k, &transport{seq: seq + uint32(i), payload: stream[i : i+1]}, emit)
	}
	return a, msgs
}

// Framing a stream that arrives a byte at a time searches each byte a
// bounded number of times: it remembers how far it looked.
func TestFramingIsLinear(t *testing.T) {
	stream := append(sipMsg(0, 60_000), sipMsg(1, 0)...)
	stream = append(stream, bytes.Repeat([]byte("X-Pad: y\r\n"), 3000)...) // a header block still open at the end
	stream = append([]byte(nil), stream...)
	a, msgs := feedBytewise(stream)
	if msgs != 2 {
		t.Fatalf("%d messages framed, want 2", msgs)
	}
	if a.scanned > 4*uint64(len(stream)) {
		t.Errorf("searched %d bytes to frame %d: the framing rescans its buffer", a.scanned, len(stream))
	}
}

// BenchmarkFramingBytewise frames a 200 KB message sent in one-byte
// segments (a fresh assembler and stream each iteration).
func BenchmarkFramingBytewise(b *testing.B) {
	msg := sipMsg(0, 200_000)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		stream := append([]byte(nil), msg...)
		if _, n := feedBytewise(stream); n != 1 {
			b.Fatalf("%d messages", n)
		}
	}
}

// A SIP message over TCP larger than the maximum is dropped and counted;
// the message after it is still framed.
func TestOversizeMessageCounted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		maxBuf  int
		bodyLen int
	}{
		{"over 256 KiB", 0, maxMessage + 1000},
		{"over the flow buffer", 8 << 10, 20 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAssembler(4, tc.maxBuf)
			k := flowKey{src: a4, dst: b4}
			stream := append(sipMsg(0, tc.bodyLen), sipMsg(1, 0)...)
			var got [][]byte
			emit := func(_ int64, m []byte) { got = append(got, append([]byte(nil), m...)) }
			a.segment(0, k, &transport{seq: 99, flags: tcpSYN}, nil)
			for off := 0; off < len(stream); off += 1400 {
				end := min(off+1400, len(stream))
				a.segment(1, k, &transport{seq: 100 + uint32(off), payload: stream[off:end]}, emit)
			}
			if a.stats.Oversize != 1 {
				t.Errorf("oversize = %d, want 1 (stats %+v)", a.stats.Oversize, a.stats)
			}
			if len(got) != 1 || !bytes.Equal(got[0], sipMsg(1, 0)) {
				t.Errorf("framed %d messages, want the one after the big one", len(got))
			}
		})
	}
}
