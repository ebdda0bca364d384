package mediatrack

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

var t0 = time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC).UnixNano()

// at is t0 plus s seconds.
func at(s float64) int64 { return t0 + int64(s*float64(time.Second)) }

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// sdpBody is an audio offer or answer receiving at addr:port, with extra
// attribute lines.
func sdpBody(addr string, port int, attrs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0 101\r\n", addr, addr, port)
	b.WriteString("a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n")
	for _, a := range attrs {
		b.WriteString("a=" + a + "\r\n")
	}
	return b.String()
}

// msg is a SIP message: a request when code is 0.
type msg struct {
	method, callID, fromTag, toTag string
	code                           int
	src, dst                       string
	body, ctype                    string
}

func (m msg) sip() *monitor.SIPMessage {
	var b strings.Builder
	if m.code == 0 {
		fmt.Fprintf(&b, "%s sip:+15551230001@%s SIP/2.0\r\n", m.method, ap(m.dst).Addr())
	} else {
		fmt.Fprintf(&b, "SIP/2.0 %d Whatever\r\n", m.code)
	}
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s\r\n", m.src, m.callID)
	fmt.Fprintf(&b, "From: <sip:+15550000001@example.net>;tag=%s\r\n", m.fromTag)
	to := "To: <sip:+15551230001@example.com>"
	if m.toTag != "" {
		to += ";tag=" + m.toTag
	}
	b.WriteString(to + "\r\n")
	fmt.Fprintf(&b, "Call-ID: %s\r\nCSeq: 1 %s\r\n", m.callID, m.method)
	if m.body != "" {
		ct := m.ctype
		if ct == "" {
			ct = "application/sdp"
		}
		fmt.Fprintf(&b, "Content-Type: %s\r\n", ct)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(m.body), m.body)
	return &monitor.SIPMessage{Src: ap(m.src), Dst: ap(m.dst), Transport: "udp", Raw: []byte(b.String())}
}

// rtp is an RTP packet of PCMU (160 bytes of payload).
func rtp(seq uint16, ts, ssrc uint32, pt uint8) []byte {
	b := make([]byte, 12+160)
	b[0], b[1] = 0x80, pt
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	return b
}

// rtcpRR is a receiver report with one block.
func rtcpRR(ssrc, about uint32) []byte {
	b := make([]byte, 32)
	b[0], b[1] = 0x81, 201
	binary.BigEndian.PutUint16(b[2:], 7)
	binary.BigEndian.PutUint32(b[4:], ssrc)
	binary.BigEndian.PutUint32(b[8:], about)
	return b
}

// feeder hands a tracker its input as a capture reader does: reports due
// by an input's time first.
type feeder struct {
	t   *Tracker
	out []monitor.Event
}

func newFeeder(o Options) *feeder { return &feeder{t: New(o)} }

func (f *feeder) emit(ev monitor.Event) { f.out = append(f.out, ev) }

func (f *feeder) sip(s float64, m msg) {
	f.t.Due(at(s), f.emit)
	f.t.SIP(at(s), m.sip())
}

func (f *feeder) pkt(s float64, src, dst string, payload []byte) bool {
	f.t.Due(at(s), f.emit)
	return f.t.Packet(at(s), ap(src), ap(dst), payload)
}

// flow sends 20 ms RTP from src to dst from second a to b (exclusive),
// leaving out every skip-th packet (0: none). It returns how many were
// matched.
func (f *feeder) flow(a, b float64, src, dst string, ssrc uint32, skip int) int {
	n, matched := 0, 0
	for s := a; s < b-1e-9; s += 0.02 {
		n++
		if skip > 0 && n%skip == 0 {
			continue
		}
		if f.pkt(s, src, dst, rtp(uint16(n), uint32(160*n), ssrc, 0)) {
			matched++
		}
	}
	return matched
}

// reports returns the KindMedia reports made so far, checking they are in
// time order.
func (f *feeder) reports(t *testing.T) []*monitor.MediaReport {
	t.Helper()
	var out []*monitor.MediaReport
	for i, ev := range f.out {
		if ev.Kind != monitor.KindMedia || ev.Media == nil || ev.Source != monitor.SourcePcap {
			t.Fatalf("event %d: %+v", i, ev)
		}
		if i > 0 && ev.Time < f.out[i-1].Time {
			t.Fatalf("event %d at %d before event %d at %d", i, ev.Time, i-1, f.out[i-1].Time)
		}
		out = append(out, ev.Media)
	}
	return out
}

// basicCall is an INVITE from the caller (10.0.0.1) to the callee
// (10.0.0.2) at second 0, answered at second 1.
func basicCall(f *feeder, id string) {
	f.sip(0, msg{method: "INVITE", callID: id, fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.0.1", 4000)})
	f.sip(1, msg{method: "INVITE", code: 200, callID: id, fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody("10.0.0.2", 6000)})
}

func bye(f *feeder, s float64, id string) {
	f.sip(s, msg{method: "BYE", callID: id, fromTag: "a", toTag: "b", src: "10.0.0.1:5060", dst: "10.0.0.2:5060"})
}
