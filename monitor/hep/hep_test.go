package hep

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// specExample is the packet of HEP3 spec rev 37 (DOMAIN.md §5.4), 113 bytes.
const specExample = "48455033" + "0071" +
	"00000001000702" + "00000002000711" +
	"00000003000ad4ca0001" + "00000004000a527400d3" +
	"0000000700082eea" + "00000008000813c4" +
	"00000009000a4e4982cb" + "0000000a000a0001d4c0" +
	"0000000b000701" + "0000000c000a000000e4" +
	"0000000f0014" + "494e56495445207369703a626f62"

func TestDecodeSpecExample(t *testing.T) {
	b, err := hex.DecodeString(specExample)
	if err != nil || len(b) != 113 {
		t.Fatalf("example: %d bytes, %v", len(b), err)
	}
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.Family != FamilyIPv4 || p.Proto != ProtoUDP || p.ProtoType != TypeSIP || p.CaptureID != 228 {
		t.Errorf("family %d proto %d type %d capture %d", p.Family, p.Proto, p.ProtoType, p.CaptureID)
	}
	if p.Src.String() != "212.202.0.1:12010" || p.Dst.String() != "82.116.0.211:5060" {
		t.Errorf("src %s dst %s", p.Src, p.Dst)
	}
	if want := time.Date(2011, 8, 15, 20, 34, 19, 120000000, time.UTC); !p.Time().Equal(want) {
		t.Errorf("time %s, want %s", p.Time(), want)
	}
	if string(p.Payload) != "INVITE sip:bob" || p.Transport() != "udp" {
		t.Errorf("payload %q transport %s", p.Payload, p.Transport())
	}
}

func samplePacket() Packet {
	return Packet{
		Proto: ProtoUDP, Src: netip.MustParseAddrPort("127.0.0.1:5080"), Dst: netip.MustParseAddrPort("127.0.0.1:5060"),
		TsSec: 1795000000, TsUsec: 123456, ProtoType: TypeSIP, CaptureID: 101,
		AuthKey: []byte("k3y"), CorrelationID: []byte("call-1@host"), NodeName: []byte("sbc1"),
		Payload: []byte("OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\nCall-ID: x\r\n\r\n"),
	}
}

func TestRoundTrip(t *testing.T) {
	for _, fam := range []string{"v4", "v6"} {
		in := samplePacket()
		if fam == "v6" {
			in.Src = netip.MustParseAddrPort("[2001:db8::1]:5060")
			in.Dst = netip.MustParseAddrPort("[2001:db8::2]:5070")
			in.Proto = ProtoTCP
		}
		b, err := in.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		out, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", fam, err)
		}
		wantFam := uint8(FamilyIPv4)
		if fam == "v6" {
			wantFam = FamilyIPv6
		}
		if out.Family != wantFam || out.Src != in.Src || out.Dst != in.Dst || out.Proto != in.Proto ||
			out.TsSec != in.TsSec || out.TsUsec != in.TsUsec || out.CaptureID != 101 || out.ProtoType != TypeSIP ||
			string(out.AuthKey) != "k3y" || string(out.CorrelationID) != "call-1@host" || string(out.NodeName) != "sbc1" ||
			!bytes.Equal(out.Payload, in.Payload) {
			t.Errorf("%s: round trip\n in %+v\nout %+v", fam, in, out)
		}
	}
}

// Every prefix of a good packet, and every single-byte corruption of its
// header bytes, is an error or a packet, never a panic.
func TestTruncatedAndCorrupt(t *testing.T) {
	p := samplePacket()
	b, _ := p.Append(nil)
	for n := 0; n < len(b); n++ {
		if _, err := Decode(b[:n]); err == nil {
			t.Fatalf("prefix %d decoded", n)
		}
	}
	for i := 0; i < len(b); i++ {
		c := bytes.Clone(b)
		c[i] ^= 0xff
		_, _ = Decode(c)
	}
}

func TestMalformedChunks(t *testing.T) {
	good, _ := (&Packet{Proto: ProtoUDP, Src: netip.MustParseAddrPort("10.0.0.1:1"), Dst: netip.MustParseAddrPort("10.0.0.2:2"), Payload: []byte("x")}).Append(nil)
	cases := map[string]struct {
		b    []byte
		want error
	}{
		"not hep":     {[]byte("INVITE sip:x SIP/2.0\r\n"), ErrNotHEP3},
		"hep2":        {[]byte{0x02, 0x10, 0x02, 0, 0, 0, 0, 0}, ErrNotHEP3},
		"short":       {[]byte("HEP"), ErrTruncated},
		"len < 6":     {[]byte("HEP3\x00\x02"), ErrBadChunk},
		"len > data":  {append([]byte("HEP3\x00\xff"), good[6:]...), ErrTruncated},
		"chunk len 0": {[]byte("HEP3\x00\x0c\x00\x00\x00\x0f\x00\x00"), ErrBadChunk},
		"chunk past":  {[]byte("HEP3\x00\x0c\x00\x00\x00\x0f\x00\x09"), ErrBadChunk},
		"stray bytes": {[]byte("HEP3\x00\x09\x00\x00\x00"), ErrBadChunk},
		"bad ipv4":    {[]byte("HEP3\x00\x0f\x00\x00\x00\x03\x00\x09\x01\x02\x03"), ErrBadChunk},
		"no payload":  {[]byte("HEP3\x00\x0d\x00\x00\x00\x01\x00\x07\x02"), ErrNoPayload},
		"bad gzip":    {[]byte("HEP3\x00\x0e\x00\x00\x00\x10\x00\x08xx"), ErrCompressed},
	}
	for name, tc := range cases {
		if _, err := Decode(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

func TestVendorChunksSkippedAndCompressed(t *testing.T) {
	var z bytes.Buffer
	gz := gzip.NewWriter(&z)
	gz.Write([]byte("SIP/2.0 200 OK\r\n\r\n"))
	gz.Close()
	b := []byte("HEP3\x00\x00")
	b = append(b, 0x00, 0x02, 0x00, 0x0f, 0x00, 0x08, 'h', 'i') // Kamailio vendor chunk using a generic type id
	b = chunkBytes(b, ChunkCompressed, z.Bytes())
	b[5] = byte(len(b))
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Compressed || string(p.Payload) != "SIP/2.0 200 OK\r\n\r\n" {
		t.Errorf("payload %q compressed %v", p.Payload, p.Compressed)
	}
	// A bomb: 1 MB of zeros compresses to ~1 kB and must be refused.
	z.Reset()
	gz = gzip.NewWriter(&z)
	gz.Write(make([]byte, 1<<20))
	gz.Close()
	b = chunkBytes([]byte("HEP3\x00\x00"), ChunkCompressed, z.Bytes())
	b[4], b[5] = byte(len(b)>>8), byte(len(b))
	if _, err := Decode(b); !errors.Is(err, ErrCompressed) {
		t.Errorf("bomb: err = %v", err)
	}
}

func TestOversizeRefused(t *testing.T) {
	p := samplePacket()
	p.Payload = []byte(strings.Repeat("x", MaxPacket))
	b, err := p.Append([]byte("keep"))
	if !errors.Is(err, ErrOversize) || string(b) != "keep" {
		t.Errorf("err = %v, b = %q", err, b[:min(len(b), 8)])
	}
}
