package hep_test

import (
	"context"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/hep"
)

// BenchmarkCollectorTCP: the night's SIP as HEP over one TCP stream, as
// fast as the collector takes it (a stream waits, it is not dropped),
// through framing, decode, parse and publish. It reports the process's
// CPU a packet (the sender's writes included: one write of many packets).
//
//	go test -run X -bench CollectorTCP -benchtime 200000x ./monitor/hep
func BenchmarkCollectorTCP(b *testing.B) {
	pkts := simPackets(b, 50_000)
	c, err := hep.Listen(hep.Options{Listen: "127.0.0.1:0", TCP: true})
	if err != nil {
		b.Fatal(err)
	}
	var got atomic.Int64
	all := make(chan struct{}) // closed at the b.N-th event published
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		c.Serve(ctx, func(monitor.Event) bool {
			if got.Add(1) == int64(b.N) {
				close(all)
			}
			return true
		})
		close(done)
	}()
	defer func() { cancel(); <-done }()
	conn, err := net.DialTCP("tcp", nil, c.TCPAddr())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	var buf []byte
	cpu := cpuNs(b)
	b.ResetTimer()
	for i := range b.N {
		buf = append(buf, pkts[i%len(pkts)]...)
		if len(buf) >= 64<<10 || i == b.N-1 {
			if _, err := conn.Write(buf); err != nil {
				b.Fatal(err)
			}
			buf = buf[:0]
		}
	}
	select {
	case <-all:
	case <-time.After(time.Minute):
		b.Fatalf("%d of %d published: %+v", got.Load(), b.N, c.Stats())
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuNs(b)-cpu)/1e3/float64(b.N), "cpu-µs/packet")
}

func cpuNs(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
