package replay

import (
	"context"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

// TestSeekPhasesOnBigRecording is a manual measurement harness like
// TestSeekTimesOnBigRecording: it takes the same 50 random seeks apart,
// one phase after the other on one goroutine (reading the checkpoint
// chain, applying its deltas, decoding the fold, reading the events to
// fold forward, parsing their SIP, folding them),
// and logs each phase's min / median / max. Run it with -v.
func TestSeekPhasesOnBigRecording(t *testing.T) {
	r := bigRecording(t)
	var src Source = r
	if side, ok := benchSide(t, r); ok {
		src = side
	}
	first, end, err := r.TimeBounds()
	if err != nil {
		t.Fatal(err)
	}
	cfg := r.Cutover().Config
	phases := []string{"chain", "deltas", "decode", "read", "parse", "fold", "total"}
	times := map[string][]time.Duration{}
	var events []int
	rng := rand.New(rand.NewSource(6))
	for range 50 {
		at := first + rng.Int63n(end-first)
		took := seekPhases(t, src, cfg, at)
		for i, p := range phases[:len(phases)-1] {
			times[p] = append(times[p], took.d[i])
			took.total += took.d[i]
		}
		times["total"] = append(times["total"], took.total)
		events = append(events, took.events)
	}
	for _, p := range phases {
		ts := times[p]
		slices.Sort(ts)
		t.Logf("%-6s min %8.1f ms  median %8.1f ms  max %8.1f ms", p, ms(ts[0]), ms(ts[len(ts)/2]), ms(ts[len(ts)-1]))
	}
	slices.Sort(events)
	t.Logf("events folded forward: min %d median %d max %d", events[0], events[len(events)/2], events[len(events)-1])
}

type phaseTimes struct {
	d      [6]time.Duration
	total  time.Duration
	events int
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func seekPhases(t *testing.T, src Source, cfg monitor.Config, at int64) (p phaseTimes) {
	lap := func(i int, start time.Time) time.Time {
		now := time.Now()
		p.d[i] += now.Sub(start)
		return now
	}
	start := time.Now()
	seq, ts, blob, ok, err := src.CheckpointAtOrBefore(at)
	if err != nil || !ok {
		t.Fatal("no checkpoint", err)
	}
	counted := &countingSource{Source: src}
	start = lap(0, start)
	enc, _, err := rebuild(counted, seq, ts, blob)
	if err != nil {
		t.Fatal(err)
	}
	p.d[0] += counted.took
	p.d[1] -= counted.took
	start = lap(1, start)
	st, err := monitor.RestoreState(cfg, enc)
	if err != nil {
		t.Fatal(err)
	}
	start = lap(2, start)
	var evs []monitor.Event
	err = src.Events(context.Background(), seq, func(_ int64, ev monitor.Event) error {
		if ev.Time > at && !ev.Quarantined {
			return errStop
		}
		evs = append(evs, ev)
		return nil
	})
	if err != nil && err != errStop {
		t.Fatal(err)
	}
	start = lap(3, start)
	for i := range evs {
		if ev := &evs[i]; ev.Kind == monitor.KindSIP && ev.SIP != nil && ev.SIP.Info == nil {
			_ = ev.SIP.Decode(sipparse.Parse)
		}
	}
	start = lap(4, start)
	for _, ev := range evs {
		Fold(st, ev)
	}
	lap(5, start)
	p.events = len(evs)
	return p
}

// countingSource times the checkpoint reads of a chain.
type countingSource struct {
	Source
	took time.Duration
}

func (c *countingSource) CheckpointAtOrBefore(ts int64) (int64, int64, []byte, bool, error) {
	start := time.Now()
	defer func() { c.took += time.Since(start) }()
	return c.Source.CheckpointAtOrBefore(ts)
}
