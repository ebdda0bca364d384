package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

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
	start := time.Now()
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
