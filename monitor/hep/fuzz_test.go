package hep

import (
	"bytes"
	"compress/gzip"
	"testing"
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
