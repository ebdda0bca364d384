package media

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

const offer = "v=0\r\n" +
	"o=- 1 1 IN IP4 192.0.2.1\r\n" +
	"s=-\r\n" +
	"c=IN IP4 192.0.2.1\r\n" +
	"t=0 0\r\n" +
	"a=sendonly\r\n" +
	"m=audio 49170 RTP/AVP 0 8 101\r\n" +
	"a=rtpmap:101 telephone-event/8000\r\n" +
	"a=rtpmap:bad\r\n" +
	"a=rtpmap:102 \x1b]0;owned\x07/8000\r\n" +
	"a=ptime:20\r\n" +
	"a=rtcp:53020 IN IP4 198.51.100.7\r\n" +
	"m=audio 50000/2 RTP/AVP 96\r\n" +
	"c=IN IP6 2001:db8::5/127\r\n" +
	"a=rtpmap:96 opus/48000/2\r\n" +
	"a=rtcp-mux\r\n" +
	"a=recvonly\r\n" +
	"m=video 0 RTP/SAVP 97\r\n" +
	"c=IN IP4 media.example.net\r\n" +
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"

func TestParseSDP(t *testing.T) {
	s, err := ParseSDP([]byte(offer))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Media) != 4 {
		t.Fatalf("got %d media, want 4", len(s.Media))
	}
	a, b, v, app := s.Media[0], s.Media[1], s.Media[2], s.Media[3]
	sess := netip.MustParseAddr("192.0.2.1")
	if a.Type != "audio" || a.Port != 49170 || a.Proto != "RTP/AVP" || a.Addr != sess || a.Dir != SendOnly || a.Ptime != 20 {
		t.Errorf("first audio = %+v", a)
	}
	if got := a.PTs; len(got) != 3 || got[0] != 0 || got[1] != 8 || got[2] != 101 {
		t.Errorf("PTs = %v", got)
	}
	if len(a.Codecs) != 1 || a.Codecs[0] != (Codec{101, "telephone-event", 8000}) {
		t.Errorf("codecs = %+v (the malformed rtpmap must be skipped)", a.Codecs)
	}
	if got, want := a.RTCPDest(), netip.MustParseAddrPort("198.51.100.7:53020"); got != want {
		t.Errorf("RTCPDest = %v, want %v", got, want)
	}
	if c, ok := a.Codecs.Lookup(8); !ok || c.Name != "PCMA" || c.ClockRate != 8000 {
		t.Errorf("static PT 8 = %+v %v", c, ok)
	}
	if _, ok := a.Codecs.Lookup(99); ok {
		t.Error("unknown dynamic PT 99 found")
	}
	if b.Port != 50000 || b.Addr != netip.MustParseAddr("2001:db8::5") || !b.RTCPMux || b.Dir != RecvOnly {
		t.Errorf("second audio = %+v", b)
	}
	if got := b.RTCPDest(); got != b.RTPDest() {
		t.Errorf("rtcp-mux RTCPDest = %v, want the RTP address %v", got, b.RTPDest())
	}
	if c, _ := b.Codecs.Lookup(96); c.ClockRate != 48000 || c.Name != "opus" {
		t.Errorf("PT 96 = %+v", c)
	}
	if v.Port != 0 || v.Addr != sess {
		t.Errorf("video with a host name c= must keep the session address: %+v", v)
	}
	if app.Proto != "UDP/DTLS/SCTP" || len(app.PTs) != 0 {
		t.Errorf("non-RTP media = %+v", app)
	}
}

func TestParseSDPDefaultRTCP(t *testing.T) {
	s, err := ParseSDP([]byte("v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Media[0].RTCPDest(); got != netip.MustParseAddrPort("10.0.0.1:4001") {
		t.Errorf("RTCPDest = %v, want port+1", got)
	}
	if s.Media[0].Dir != SendRecv {
		t.Errorf("Dir = %v, want sendrecv", s.Media[0].Dir)
	}
}

func TestParseSDPErrors(t *testing.T) {
	cases := map[string]string{
		"empty":      "",
		"no version": "o=- 1 1 IN IP4 1.2.3.4\r\n",
		"bad line":   "v=0\r\ngarbage\r\n",
		"bad port":   "v=0\r\nm=audio 99999 RTP/AVP 0\r\n",
		"port text":  "v=0\r\nm=audio abc RTP/AVP 0\r\n",
		"bad PT":     "v=0\r\nm=audio 4000 RTP/AVP 128\r\n",
		"short m":    "v=0\r\nm=audio 4000\r\n",
		"huge":       "v=0\r\n" + strings.Repeat("a=x\r\n", MaxSDPSize/5+1),
		"long line":  "v=0\r\na=" + strings.Repeat("x", maxSDPLineLength) + "\r\n",
	}
	for name, body := range cases {
		if _, err := ParseSDP([]byte(body)); !errors.Is(err, ErrSDP) {
			t.Errorf("%s: err = %v, want ErrSDP", name, err)
		}
	}
}

func TestParseSDPLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("v=0\r\n")
	for range MaxMedia + 10 {
		b.WriteString("m=audio 4000 RTP/AVP " + strings.Repeat("0 ", MaxPayloadTypes+5) + "\r\n")
	}
	s, err := ParseSDP([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Media) != MaxMedia || len(s.Media[0].PTs) != MaxPayloadTypes {
		t.Errorf("got %d media with %d PTs, want %d and %d", len(s.Media), len(s.Media[0].PTs), MaxMedia, MaxPayloadTypes)
	}
}

func TestParseSDPDroppedMediaKeepsItsAttributes(t *testing.T) {
	var b strings.Builder
	b.WriteString("v=0\r\nc=IN IP4 10.0.0.1\r\n")
	for range MaxMedia {
		b.WriteString("m=audio 4000 RTP/AVP 0\r\n")
	}
	// The media line past the limit is dropped with its c= and a= lines.
	b.WriteString("m=audio 5000 RTP/AVP 96\r\nc=IN IP4 10.9.9.9\r\na=rtcp-mux\r\na=inactive\r\na=rtpmap:96 opus/48000\r\n")
	s, err := ParseSDP([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	last := s.Media[len(s.Media)-1]
	if last.Addr != netip.MustParseAddr("10.0.0.1") || last.RTCPMux || last.Dir != SendRecv || len(last.Codecs) != 0 {
		t.Errorf("the last kept media took the dropped one's lines: %+v", last)
	}
}
