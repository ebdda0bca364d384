package media

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var fuzzTime = time.Unix(1_800_000_000, 0)

// dirtySDP is what a session reused by ParseSDPInto held before.
const dirtySDP = "v=0\r\nc=IN IP4 192.0.2.9\r\na=recvonly\r\nm=audio 9 RTP/AVP 0 8 9 18 96 97 98 99 100 101\r\na=rtpmap:96 opus/48000/2\r\na=rtcp:77 IN IP4 192.0.2.8\r\n" +
	"a=rtcp-mux\r\na=ptime:30\r\nm=video 10 RTP/AVP 96 97 98\r\nc=IN IP4 192.0.2.7\r\na=sendonly\r\nm=audio 11 RTP/SAVP 0 8 9 18 96 97 98\r\nm=text 12 RTP/AVP 1 2 3 4 5 6 7 8\r\n"

func FuzzSDP(f *testing.F) {
	f.Add([]byte(offer))
	f.Add([]byte("v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\na=rtcp:4001\n"))
	f.Add([]byte("v=0\r\nm=audio 1/2 RTP/AVP 96\r\na=rtpmap:96 x/0\r\na=ptime:x\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := ParseSDP(body)
		// Into a session that held another SDP (more media, more payload
		// types): the same session, or the same error.
		var into Session
		if ParseSDPInto([]byte(dirtySDP), &into) != nil {
			t.Fatal("the dirty SDP does not parse")
		}
		errInto := ParseSDPInto(body, &into)
		if len(into.Media) == 0 { // no media: empty, where ParseSDP's is nil
			into.Media = nil
		}
		if (err == nil) != (errInto == nil) || err != nil && err.Error() != errInto.Error() || err == nil && !reflect.DeepEqual(*s, into) {
			t.Fatalf("ParseSDP %+v (%v), ParseSDPInto %+v (%v)", s, err, into, errInto)
		}
		if err != nil {
			if s != nil {
				t.Fatal("a session with an error")
			}
			return
		}
		if len(s.Media) > MaxMedia {
			t.Fatalf("%d media over the limit", len(s.Media))
		}
		for _, m := range s.Media {
			if !isToken(m.Type, false) || !isToken(m.Proto, true) {
				t.Fatalf("media %q proto %q kept", m.Type, m.Proto)
			}
			if len(m.PTs) > MaxPayloadTypes || len(m.Codecs) > MaxPayloadTypes {
				t.Fatalf("%d PTs and %d codecs over the limit", len(m.PTs), len(m.Codecs))
			}
			for _, pt := range m.PTs {
				if pt > 127 {
					t.Fatalf("payload type %d", pt)
				}
			}
			for _, c := range m.Codecs {
				if c.ClockRate == 0 || !isToken(c.Name, false) {
					t.Fatalf("codec %+v kept", c)
				}
			}
			_ = m.RTCPDest()
		}
	})
}

func FuzzRTP(f *testing.F) {
	f.Add(rtpPacket(0, 1, 160, 1, 160))
	f.Add([]byte{0xb2, 0x88, 0xff, 0xfe, 0, 0, 0x1f, 0x40, 0xde, 0xad, 0xbe, 0xef,
		0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, 1, 1, 2, 3, 4, 9, 9, 9, 0, 2})
	f.Add([]byte{0x80, 200, 0, 1, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var h RTPHeader
		if err := ParseRTP(b, &h); err != nil {
			return
		}
		if h.Version != 2 || h.PayloadType > 127 || h.PayloadOff < 12 || h.PayloadLen < 0 || h.PayloadOff+h.PayloadLen > len(b) {
			t.Fatalf("header %+v for %d bytes", h, len(b))
		}
		_ = b[h.PayloadOff : h.PayloadOff+h.PayloadLen]
		var s Stream
		s.Packet(&h, fuzzTime)
		if st := s.Stats(); st.Packets != 1 || st.Expected != 1 {
			t.Fatalf("one packet gives %+v", st)
		}
	})
}

func FuzzRTCP(f *testing.F) {
	rr := rtcpHeader(1, RTCPReceiverReport, append(be32(1), reportBlock(2, 3, 4, 5, 6, 7, 8)...))
	f.Add(rr)
	f.Add(append(append([]byte{}, rr...), rtcpHeader(1, RTCPBye, be32(1))...))
	f.Add(rtcpHeader(0, RTCPSenderReport, make([]byte, 24)))
	f.Fuzz(func(t *testing.T, b []byte) {
		reports, err := ParseRTCP(b)
		size := 0
		for _, r := range reports {
			if r.Type != RTCPSenderReport && r.Type != RTCPReceiverReport {
				t.Fatalf("report type %d", r.Type)
			}
			size += 8 + 24*len(r.Blocks)
			if c := r.Blocks; len(c) > 31 {
				t.Fatalf("%d blocks", len(c))
			}
			for _, rb := range r.Blocks {
				if rb.CumulLost < -(1<<23) || rb.CumulLost >= 1<<23 {
					t.Fatalf("cumulative lost %d is not 24-bit", rb.CumulLost)
				}
			}
		}
		if size > len(b) {
			t.Fatalf("%d bytes of reports from %d bytes (err %v)", size, len(b), err)
		}
	})
}

// FuzzFields: appendFields splits as strings.Fields does.
func FuzzFields(f *testing.F) {
	for _, s := range []string{"audio 4000 RTP/AVP 0 8 101", "  IN\tIP4  10.0.0.1 ", "", "\v\f", "a\u00a0b\u0085c", "x\xffy z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := appendFields(nil, s), strings.Fields(s)
		if !slices.Equal(got, want) {
			t.Fatalf("%q: appendFields %q, strings.Fields %q", s, got, want)
		}
	})
}
