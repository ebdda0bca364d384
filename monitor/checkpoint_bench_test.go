package monitor_test

import (
	"fmt"
	"testing"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

// bigState folds the first n events of a 9,899-number night at 45 calls per
// number and hour (the big recording of issue 6): ~10k numbers, thousands
// of calls in flight.
func bigState(b testing.TB, n int) *monitor.State {
	b.Helper()
	return bigNight(n, nil)
}

// bigNight folds the first n events of that night; before, when not
// nil, sees each event (SIP decoded) before it is folded.
func bigNight(n int, before func(st *monitor.State, ev monitor.Event)) *monitor.State {
	o := sim.DefaultOptions()
	o.Numbers, o.CallsPerNumberHour = sim.MaxNumbers, 45
	night := sim.New(o)
	st := monitor.NewState(sim.Config(o))
	for range n {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if ev.SIP != nil {
			ev.SIP.Decode(sipparse.Parse)
		}
		if before != nil {
			before(st, ev)
		}
		st.Apply(ev)
		st.Drain(nil)
	}
	return st
}

// BenchmarkCheckpointEncode is encoding the fold of ~10k numbers for a
// checkpoint: the work the fold goroutine does when it checkpoints.
func BenchmarkCheckpointEncode(b *testing.B) { benchEncode(b, bigState(b, 400_000)) }

// benchEncode is encoding st for a checkpoint, reporting its size.
func benchEncode(b *testing.B, st *monitor.State) {
	var size int
	b.ResetTimer()
	for b.Loop() {
		blob, err := st.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		size = len(blob)
	}
	b.ReportMetric(float64(size), "bytes")
}

// BenchmarkCheckpointDecode is restoring that fold: the fixed part of a seek.
func BenchmarkCheckpointDecode(b *testing.B) {
	st := bigState(b, 400_000)
	blob, err := st.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	cfg := st.Config()
	b.ResetTimer()
	for b.Loop() {
		if _, err := monitor.RestoreState(cfg, blob); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(blob)), "bytes")
}

// BenchmarkCheckpointClone is what a checkpoint costs the fold's
// goroutine: a copy of the fold (encoding it runs on the recorder's
// goroutine); reuse is a copy into the memory of an earlier one.
func BenchmarkCheckpointClone(b *testing.B) {
	st := bigState(b, 400_000)
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			st.CloneInto(nil)
		}
	})
	b.Run("reuse", func(b *testing.B) {
		dst := st.CloneInto(nil)
		for b.Loop() {
			dst = st.CloneInto(dst)
		}
	})
}

// BenchmarkCheckpointDelta is encoding the fold of ~10k numbers as a delta
// against a full checkpoint taken `after` events earlier (what a chain
// with a full checkpoint every K deltas writes), reporting its size; and
// restoring it (the base and the delta), the fixed part of a seek.
func BenchmarkCheckpointDelta(b *testing.B) {
	for _, after := range []int{5_000, 20_000, 80_000} {
		var chain monitor.CheckpointChain
		var base []byte
		seen := 0
		st := bigNight(400_000+after, func(st *monitor.State, _ monitor.Event) {
			if seen++; seen == 400_000 {
				chain.Every = 1 << 30
				base, _ = chain.Encode(st)
			}
		})
		full, _ := st.MarshalBinary()
		var delta []byte
		b.Run(fmt.Sprintf("encode/after-%d", after), func(b *testing.B) {
			for b.Loop() {
				var err error
				if delta, err = chain.Encode(st); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(delta)), "bytes")
			b.ReportMetric(float64(len(full)), "full-bytes")
		})
		b.Run(fmt.Sprintf("restore/after-%d", after), func(b *testing.B) {
			for b.Loop() {
				if err := monitor.NewState(st.Config()).UnmarshalDelta(base, delta); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
