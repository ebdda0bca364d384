//go:build linux

package capture

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
)

// BenchmarkLiveLoopback100k sends b.N UDP datagrams on lo at 100,000 a
// second (one SIP message of ~300 bytes to every nine RTP-sized ones of
// 172: G.711 at 20 ms) from another goroutine, while a live capture with
// a port filter reads them through the Reader. It reports the rate sent,
// the frames read, the kernel's drops and their share:
//
//	go test ./monitor/capture -run '^$' -bench LiveLoopback -benchtime 1000000x
func BenchmarkLiveLoopback100k(b *testing.B) {
	if testing.Short() {
		b.Skip("paced at 100,000 packets/s")
	}
	needCaptureB(b)
	const rate = 100_000
	sipPort, rtpPort := lab.FreePort(b), lab.FreePort(b)
	var sinks []net.PacketConn
	for _, p := range []int{sipPort, rtpPort} {
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		sinks = append(sinks, c)
	}
	r := startLive(b, LiveOptions{Iface: "lo", BPF: fmt.Sprintf("udp dst port %d or udp dst port %d", sipPort, rtpPort)})
	send, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer send.Close()
	sip, rtp := sipMsg(0, 60), make([]byte, 172)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if i%1000 == 0 { // pace: never ahead of rate
			if ahead := time.Duration(i)*time.Second/rate - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
		pkt, to := rtp, sinks[1].LocalAddr()
		if i%10 == 0 {
			pkt, to = sip, sinks[0].LocalAddr()
		}
		if _, err := send.WriteTo(pkt, to); err != nil {
			b.Fatal(err)
		}
	}
	sent := time.Since(start)
	if _, err := send.WriteTo([]byte(marker), sinks[0].LocalAddr()); err != nil {
		b.Fatal(err)
	}
	select {
	case <-r.marked:
	case <-time.After(5 * time.Second): // the marker itself may be a kernel drop
	}
	b.StopTimer()
	r.stop(b)
	st := r.l.Stats()
	b.ReportMetric(float64(b.N)/sent.Seconds(), "sent/s")
	b.ReportMetric(float64(st.Packets-1), "read")
	b.ReportMetric(float64(st.KernelDropped), "kernel-drops")
	b.ReportMetric(100*float64(st.KernelDropped)/float64(b.N), "drop%")
	b.ReportMetric(float64(st.Events-1), "sip")
	if st.Packets+st.KernelDropped < uint64(b.N) {
		b.Errorf("sent %d, read %d and the kernel dropped %d: %d unaccounted for", b.N, st.Packets, st.KernelDropped, uint64(b.N)-st.Packets-st.KernelDropped)
	}
}
