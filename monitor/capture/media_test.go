package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/mediatrack"
)

// sdpMsg is an INVITE (or its 200) of call id whose SDP receives at media.
func sdpMsg(id string, ok bool, src, dst, media netip.AddrPort) []byte {
	body := fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 8\r\n", media.Addr(), media.Addr(), media.Port())
	start, to := "INVITE sip:+15551230001@"+dst.Addr().String()+" SIP/2.0", "To: <sip:b@y>"
	if ok {
		start, to = "SIP/2.0 200 OK", to+";tag=2"
	}
	return fmt.Appendf(nil, "%s\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\n%s\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		start, src, to, id, len(body), body)
}

func rtpPacket(seq uint16, ssrc uint32) []byte {
	b := make([]byte, 12+160)
	b[0], b[1] = 0x80, 8
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], uint32(seq)*160)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	return b
}

// TestMediaReportsAmongSIPInTimeOrder: with a tracker, RTP and RTCP are
// matched and counted, and the tracker's reports come out of Next among
// the SIP events in time order; an odd timestamp does not end the call.
func TestMediaReportsAmongSIPInTimeOrder(t *testing.T) {
	lt := layers.LinkTypeEthernet
	pbx, carrier := netip.MustParseAddrPort("192.0.2.1:5060"), netip.MustParseAddrPort("198.51.100.7:5060")
	pbxRTP, carrierRTP := netip.MustParseAddrPort("192.0.2.1:4000"), netip.MustParseAddrPort("198.51.100.7:6000")
	udp := func(at time.Time, src, dst netip.AddrPort, b []byte) frameSpec {
		return frameSpec{at, linkWrap(lt, ipPacket(t, src, dst, nil, b))}
	}
	frames := []frameSpec{
		udp(t0, pbx, carrier, sdpMsg("m1", false, pbx, carrier, pbxRTP)),
		udp(t0.Add(time.Second), carrier, pbx, sdpMsg("m1", true, carrier, pbx, carrierRTP)),
	}
	rr := []byte{0x80, 201, 0, 1, 0, 0, 0, 1}
	for k := 0; k < 600; k++ { // 12 s both ways
		at := t0.Add(time.Second + time.Duration(k)*20*time.Millisecond)
		frames = append(frames, udp(at, pbxRTP, carrierRTP, rtpPacket(uint16(k), 1)), udp(at, carrierRTP, pbxRTP, rtpPacket(uint16(k), 2)))
		switch k {
		case 200:
			frames = append(frames, udp(at, pbx, netip.MustParseAddrPort("198.51.100.7:6001"), rr))
		case 300: // one odd packet, an hour on
			frames = append(frames, udp(at.Add(time.Hour), pbxRTP, netip.MustParseAddrPort("203.0.113.9:7000"), rtpPacket(1, 3)))
		}
	}
	frames = append(frames, udp(t0.Add(14*time.Second), pbx, carrier, []byte("BYE sip:b@y SIP/2.0\r\nVia: SIP/2.0/UDP x;branch=z9hG4bK2\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: m1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n")))
	r, err := NewReader(bytes.NewReader(writePcap(t, lt, frames)), Options{Media: mediatrack.New(mediatrack.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	var sip, reports []monitor.Event
	var prev int64
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Time < prev && ev.Kind == monitor.KindMedia {
			t.Fatalf("report at %s after an event at %s", ev.At(), time.Unix(0, prev).UTC())
		}
		prev = max(prev, ev.Time)
		if ev.Kind == monitor.KindMedia {
			reports = append(reports, ev)
		} else {
			sip = append(sip, ev)
		}
	}
	st := r.Stats()
	if len(sip) != 3 || st.RTP != 1200 || st.RTCP != 1 || st.MediaUnmatched != 1 || st.NonSIP != 1202 || st.MediaReports != uint64(len(reports)) {
		t.Fatalf("%d SIP events, stats %+v", len(sip), st)
	}
	// At 6 s (answer + 5 s, which is also the first periodic one: no packet
	// since), then every 5 s while flowing, final at 16 s (BYE + 2 s).
	want := []time.Duration{6 * time.Second, 11 * time.Second, 16 * time.Second}
	if len(reports) != len(want) {
		t.Fatalf("%d reports, want %d", len(reports), len(want))
	}
	for i, ev := range reports {
		if got := ev.At().Sub(t0); got != want[i] || ev.Source != monitor.SourcePcap {
			t.Errorf("report %d at +%s from %s, want +%s", i, got, ev.Source, want[i])
		}
	}
	last := reports[len(reports)-1].Media
	if !last.Final || len(last.Streams) != 2 || last.Streams[0].Stats.Packets != 600 || last.Streams[1].Stats.Packets != 600 {
		t.Fatalf("final report %+v", last)
	}
}
