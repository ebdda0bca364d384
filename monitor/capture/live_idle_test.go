//go:build linux

package capture

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/mediatrack"
)

// TestLiveMediaReportsComeDueOnAQuietLink: a call answered with SDP and
// then silence on the interface, not a packet more (one RTP datagram of
// another call went before: the link carries media). Its "no media" report
// comes due by the clock, as over HEP: before, an interface's reports came
// due only when the next packet arrived, so a silent call on a quiet link
// was never judged.
func TestLiveMediaReportsComeDueOnAQuietLink(t *testing.T) {
	needCapture(t)
	lab.NeedTool(t, "tcpdump")
	port := lab.FreePort(t)
	sink, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	const noMediaAfter = time.Second
	med := mediatrack.New(mediatrack.Options{NoMediaAfter: noMediaAfter, Source: monitor.SourcePcap})
	r := startLive(t, LiveOptions{Iface: "lo", BPF: fmt.Sprintf("udp port %d", port), Options: Options{Media: med}})
	send, err := net.Dial("udp", sink.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer send.Close()
	sdp := func(mport int) string {
		return fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP 0\r\na=sendrecv\r\n", mport)
	}
	head := "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-q1\r\nFrom: <sip:+12125550100@127.0.0.1>;tag=a\r\n" +
		"To: <sip:+14155550101@127.0.0.1>%s\r\nCall-ID: quiet-1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
	offer, answer := sdp(40000), sdp(40002)
	rtp := make([]byte, 172) // media on the link (another call's): a tracker judges no call silent on an input with none
	rtp[0] = 0x80
	if _, err := send.Write(rtp); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{
		"INVITE sip:+14155550101@127.0.0.1 SIP/2.0\r\n" + fmt.Sprintf(head, "", len(offer), offer),
		"SIP/2.0 200 OK\r\n" + fmt.Sprintf(head, ";tag=b", len(answer), answer),
	} {
		if _, err := send.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	var report *monitor.Event
	lab.WaitFor(t, "a media report on a quiet link", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		for i := range r.events {
			if r.events[i].Kind == monitor.KindMedia {
				report = &r.events[i]
			}
		}
		return report != nil
	})
	if report.Media == nil || report.Media.CallID != "quiet-1" || len(report.Media.Streams) != 0 {
		t.Fatalf("report %+v", report.Media)
	}
}
