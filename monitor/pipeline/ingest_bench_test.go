package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/store"
)

// undecoded returns the first n events of the simulated night as a source
// hands them over: raw SIP, not yet parsed.
func undecoded(b *testing.B, n int) []monitor.Event {
	b.Helper()
	o := sim.DefaultOptions()
	o.Numbers = 2000 // about 340,000 events in the night
	night := sim.New(o)
	evs := make([]monitor.Event, 0, n)
	for len(evs) < n {
		ev, ok := night.Next()
		if !ok {
			break
		}
		evs = append(evs, ev)
	}
	return evs
}

func fresh(ev monitor.Event) monitor.Event {
	if ev.SIP != nil {
		m := *ev.SIP
		m.Info = nil
		ev.SIP = &m
	}
	return ev
}

// ingest runs one night through the pipeline into a new SQLite recording.
// With every > 0 events are offered live-style (Publish, never blocking) at
// one per `every`; otherwise as fast as the pipeline takes them.
func ingest(b *testing.B, evs []monitor.Event, every time.Duration) (sipN int, st pipeline.Stats) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.db")
	s, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cfg := sim.Config(sim.DefaultOptions())
	if _, err := s.BeginCutover(cfg, "demo", evs[0].Time); err != nil {
		b.Fatal(err)
	}
	w := store.NewWriter(s, store.WriterOptions{})
	p := pipeline.New(monitor.NewState(cfg), pipeline.Options{Recorder: w})
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	start := time.Now()
	for i, ev := range evs {
		if ev.Kind == monitor.KindSIP {
			sipN++
		}
		if every > 0 {
			if due := start.Add(time.Duration(i) * every); time.Until(due) > time.Millisecond {
				time.Sleep(time.Until(due))
			}
			p.Publish(fresh(ev))
			continue
		}
		if err := p.PublishWait(context.Background(), fresh(ev)); err != nil {
			b.Fatal(err)
		}
	}
	p.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	_, st = p.Latest()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	size := int64(0)
	for _, f := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(f); err == nil {
			size += fi.Size()
		}
	}
	b.ReportMetric(float64(size)/float64(st.Recorded), "bytes/event")
	return sipN, st
}

// BenchmarkIngestSQLite is the most the pipeline takes: parse, record to
// SQLite (WAL, batched) and fold, nothing dropped.
func BenchmarkIngestSQLite(b *testing.B) {
	evs := undecoded(b, 300_000)
	b.ResetTimer()
	total := 0
	for b.Loop() {
		n, _ := ingest(b, evs, 0)
		total += n
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "sip/s")
}

// BenchmarkIngestSQLiteAt50k offers SIP live-style at 50,000 messages/s
// for six seconds and reports how many the pipeline had to drop.
func BenchmarkIngestSQLiteAt50k(b *testing.B) {
	evs := undecoded(b, 300_000)
	b.ResetTimer()
	var dropped uint64
	for b.Loop() {
		_, st := ingest(b, evs, time.Second/50_000)
		dropped += st.Dropped
	}
	b.ReportMetric(float64(dropped)/float64(b.N), "dropped/run")
}
