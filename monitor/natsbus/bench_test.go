package natsbus

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
)

// simNight is the simulated night's first n SIP events (their real
// messages), as a collector takes them in.
func simNight(tb testing.TB, n int) []monitor.Event {
	tb.Helper()
	night := sim.New(sim.DefaultOptions())
	var evs []monitor.Event
	for len(evs) < n {
		ev, ok := night.Next()
		if !ok {
			tb.Fatalf("the night has %d SIP events, want %d", len(evs), n)
		}
		if ev.Kind == monitor.KindSIP {
			evs = append(evs, ev)
		}
	}
	return evs
}

// BenchmarkConsume is a watch's consumer reading a pre-filled stream
// from its start to its end (a fresh stream each iteration, filled by a
// publisher outside the timer), handing each event to a publish function
// that does nothing: the consumer's own cost, in events/s and CPU.
func BenchmarkConsume(b *testing.B) {
	n := benchN
	s := natsd(b, b.TempDir(), 0)
	evs := simNight(b, n)
	var wire int
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		stream := fmt.Sprintf("CUTOVER_BENCH_%d", i)
		p, err := NewPublisher(context.Background(), PublishOptions{URL: s.ClientURL(), Stream: stream, Site: "a"})
		if err != nil {
			b.Fatal(err)
		}
		for _, ev := range evs {
			if !p.Publish(ev) {
				b.Fatal("refused")
			}
		}
		closeWithin(b, p, time.Minute)
		c, err := NewConsumer(context.Background(), ConsumeOptions{URL: s.ClientURL(), Stream: stream})
		if err != nil {
			b.Fatal(err)
		}
		info, err := c.stream.Info(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		wire = int(info.State.Bytes)
		got := 0
		b.StartTimer()
		cpu0 := cpuTime()
		if err := c.Run(context.Background(), func(context.Context, monitor.Event) error { got++; return nil }); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - cpu0
		b.StopTimer()
		c.Close()
		if got != n {
			b.Fatalf("consumed %d events, want %d", got, n)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(wire)/float64(n), "stored-B/event")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(n*b.N), "cpu-ns/event")
}

var benchN = func() int { n, _ := strconv.Atoi(cmp.Or(os.Getenv("NATS_BENCH_N"), "20000")); return n }()

// cpuTime is the process's user and system CPU time so far (the embedded
// server's included: it sends what the consumer reads).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
