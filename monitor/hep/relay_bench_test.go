package hep_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/hep"
)

// BenchmarkCollectorForward is the collector's own ingest (read, decode,
// parse SIP, publish) with no [hep] forward and with two targets that
// drain their sockets, over real UDP from a sendmmsg sender as fast as it
// can. It reports the messages/s published, those lost (kernel or parse
// queue) and the forward targets' drops. Run with -benchtime=200000x.
func BenchmarkCollectorForward(b *testing.B) { benchForward(b, 0) }

// BenchmarkCollectorForwardAt50k is the same at 50,000 messages/s (1 ms
// batches of 50): what is lost, and what the targets drop, at the
// issue's rate. Run with -benchtime=500000x.
func BenchmarkCollectorForwardAt50k(b *testing.B) { benchForward(b, 50_000) }

func benchForward(b *testing.B, rate int) {
	pkts := simPackets(b, 50_000)
	batch := 64
	if rate > 0 {
		batch = rate / 1000
	}
	for _, targets := range []int{0, 2} {
		b.Run(map[int]string{0: "targets=0", 2: "targets=2"}[targets], func(b *testing.B) {
			var fwd []string
			for range targets {
				fwd = append(fwd, drainingTarget(b))
			}
			col, err := hep.Listen(hep.Options{Listen: "127.0.0.1:0", Forward: fwd})
			if err != nil {
				b.Fatal(err)
			}
			var published atomic.Uint64
			ctx, cancel := context.WithCancel(context.Background())
			served := make(chan struct{})
			go func() {
				col.Serve(ctx, func(monitor.Event) bool { published.Add(1); return true })
				close(served)
			}()
			s := newSender(b, col.UDPAddr())
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; {
				if rate > 0 {
					if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
						time.Sleep(d)
					}
				}
				j := i % len(pkts)
				n := min(batch, b.N-i, len(pkts)-j)
				s.send(b, pkts[j:j+n])
				i += n
			}
			waitSeen(col, b.N)
			el := time.Since(start)
			cancel()
			<-served
			st := col.Stats()
			var dropped uint64
			for _, f := range st.Forward {
				dropped += f.Dropped + f.Failed
			}
			b.ReportMetric(float64(published.Load())/el.Seconds(), "msgs/s")
			b.ReportMetric(float64(uint64(b.N)-published.Load()), "lost")
			b.ReportMetric(float64(dropped), "fwd-dropped")
		})
	}
}

// drainingTarget is a UDP socket read as fast as it can be.
func drainingTarget(b *testing.B) string {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	conn.SetReadBuffer(32 << 20)
	go func() {
		buf := make([]byte, hep.MaxPacket+1)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}()
	b.Cleanup(func() { conn.Close() })
	return conn.LocalAddr().String()
}

// waitSeen waits until the collector has read sent packets or stopped
// making progress for half a second (what is missing is lost).
func waitSeen(col *hep.Collector, sent int) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	last, still := uint64(0), 0
	for still < 50 {
		n := col.Stats().Packets
		if n >= uint64(sent) {
			return
		}
		if n == last {
			still++
		} else {
			still, last = 0, n
		}
		<-tick.C
	}
}
