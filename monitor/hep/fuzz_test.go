package hep

import (
	"bytes"
	"compress/gzip"
	"testing"
	"time"
)

// FuzzDecode: no input panics, a decoded payload never exceeds the bounds,
// and what decodes re-encodes to something that decodes the same.
// The seed corpus is in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	p := samplePacket()
	b, _ := p.Append(nil)
	f.Add(b)
	// a small bomb: three gzip chunks of 64 KiB of zeros each, past the
	// per-packet bound together
	var z bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	gz.Write(make([]byte, MaxPayload))
	gz.Close()
	for range 3 {
		b = chunkBytes(b, ChunkCompressed, z.Bytes())
	}
	b[4], b[5] = byte(len(b)>>8), byte(len(b))
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data)
		if err != nil {
			return
		}
		if len(p.Payload) > MaxPayload || (!p.Compressed && len(p.Payload) > len(data)) {
			t.Fatalf("payload of %d bytes from %d", len(p.Payload), len(data))
		}
		if !p.Src.IsValid() || !p.Dst.IsValid() || p.Src.Addr().Is4() != p.Dst.Addr().Is4() {
			return // the encoder needs both addresses of one family
		}
		p.Compressed = false
		again, err := p.Append(nil)
		if err != nil {
			return // an inflated payload may not fit again
		}
		q, err := Decode(again)
		if err != nil {
			t.Fatalf("re-encoded packet does not decode: %v", err)
		}
		if q.Src != p.Src || q.Dst != p.Dst || !bytes.Equal(q.Payload, p.Payload) || q.CaptureID != p.CaptureID {
			t.Fatalf("round trip changed the packet:\n%+v\n%+v", p, q)
		}
	})
}

// FuzzDecodeRTCPJSON: no media report panics the decoder, and what it
// accepts is within the bounds the fold relies on: at most maxMediaBlocks
// blocks, 24-bit losses, jitter under 10 s, and streams whose received
// packets never exceed the expected ones. The seed corpus (rtpengine's
// and heplify's reports, and hostile ones) is in
// testdata/fuzz/FuzzDecodeRTCPJSON.
func FuzzDecodeRTCPJSON(f *testing.F) {
	for _, s := range []string{capturedSR, capturedRR, heplifyRR, rtpengineSR, rtpengineRR} {
		f.Add([]byte(s))
	}
	at := time.Unix(1795000000, 0)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRTCPJSON(data)
		if err != nil {
			return
		}
		if len(r.Blocks) > maxMediaBlocks || (r.Sender.PacketCount == 0 && len(r.Blocks) == 0) {
			t.Fatalf("accepted %+v", r)
		}
		sent := &sentCounts{}
		for range 2 { // the second time, the SR's count is known
			streams := mediaStreams(r, "c", callerRTCP, relayRTCPA, at, sent)
			want := len(r.Blocks)
			if r.Sender.PacketCount > 0 {
				want++
			}
			if len(streams) != want {
				t.Fatalf("%d streams from %+v", len(streams), r)
			}
			for _, s := range streams {
				st := s.Stats
				if st.Lost < -0x800000 || st.Lost > 0x7fffff || st.Jitter < 0 || st.Jitter > 10*time.Second ||
					st.Packets > st.Expected || st.First.After(st.Last) || s.Forward {
					t.Fatalf("stream %+v from %+v", s, r)
				}
			}
		}
	})
}
