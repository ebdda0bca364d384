package store

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
)

// BenchmarkWriterAppend records realistic SIP traffic (INVITE / 200 OK
// pairs of about 600 bytes, half with a STIR verdict) in batches of 1024,
// as the pipeline hands them over, and reports events per second
// including the final commit.
func BenchmarkWriterAppend(b *testing.B) {
	const batch = 1024
	s, err := Open(filepath.Join(b.TempDir(), "bench.cutover"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.BeginCutover(testConfig(), "live", t0); err != nil {
		b.Fatal(err)
	}
	// The pipeline hands over a fresh slice each time; build them up front
	// so the benchmark measures the writer, not the test's message builder.
	const distinct = 64
	batches := make([][]monitor.Event, distinct)
	var bytes int
	for i := range batches {
		batches[i] = sipEvents(i*batch, batch)
		for _, ev := range batches[i] {
			bytes += len(ev.SIP.Raw)
		}
	}
	b.SetBytes(int64(bytes / distinct))
	w := NewWriter(s, WriterOptions{})
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime(b)
	for i := 0; b.Loop(); i++ {
		evs := make([]monitor.Event, batch)
		copy(evs, batches[i%distinct])
		if err := w.Append(evs); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(w.Recorded())/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(cpuTime(b)-cpu)/1e3/float64(w.Recorded()), "cpu-µs/event")
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReaderEvents streams a recording of SIP traffic back, as a
// replay does, and reports events per second.
func BenchmarkReaderEvents(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.cutover"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.BeginCutover(testConfig(), "live", t0); err != nil {
		b.Fatal(err)
	}
	const n = 50_000
	w := NewWriter(s, WriterOptions{})
	for i := 0; i < n; i += 1000 {
		if err := w.Append(sipEvents(i, 1000)); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	r, err := OpenReader(s.Path())
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	read := 0
	for b.Loop() {
		err := r.Events(context.Background(), 0, func(int64, monitor.Event) error {
			read++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(read)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkWriterNight records the simulated night (fixtures/sim, 2,000
// numbers: its SIP messages with their real variety of Call-IDs, tags and
// bodies, its probes and registrations) in batches of 1024, each
// iteration the next batch: with -benchtime 200x, 204,800 events once
// each. Building the night is outside the timer but inside a process's
// CPU time: subtract a -benchtime 1x run.
func BenchmarkWriterNight(b *testing.B) {
	const batch, batches = 1024, 200
	o := sim.DefaultOptions()
	o.Numbers = 2000
	night := sim.New(o)
	evs := make([]monitor.Event, 0, batch*batches)
	for len(evs) < cap(evs) {
		ev, ok := night.Next()
		if !ok {
			break
		}
		evs = append(evs, ev)
	}
	s, err := Open(filepath.Join(b.TempDir(), "bench.cutover"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.BeginCutover(sim.Config(o), "demo", evs[0].Time); err != nil {
		b.Fatal(err)
	}
	w := NewWriter(s, WriterOptions{})
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime(b)
	for i := 0; b.Loop(); i++ {
		j := i % (len(evs) / batch) * batch
		if err := w.Append(append([]monitor.Event(nil), evs[j:j+batch]...)); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-cpu)/1e3/float64(w.Recorded()), "cpu-µs/event")
	var blocks, plain int64
	if err := s.db.QueryRow(`SELECT coalesce(sum(length(data)), 0), (SELECT coalesce(sum(raw_len), 0) FROM events)
		FROM raw_blocks`).Scan(&blocks, &plain); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(blocks)/float64(w.Recorded()), "block-bytes/event")
	b.ReportMetric(float64(plain)/float64(max(blocks, 1)), "ratio")
}

// cpuTime is the process's CPU time so far (user+sys, all its threads),
// in nanoseconds: a benchmark's CPU an event, on a machine whose other
// work makes wall time noise.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
