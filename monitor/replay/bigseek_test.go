package replay

import (
	"context"
	"database/sql"
	"maps"
	"math/rand"
	"os"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

// TestSeekTimesOnBigRecording is a manual measurement harness, not a
// check: it times seeks on the recording CUTOVER_BENCH_DB names (see
// BenchmarkSeek for how to make one) and logs them; run it with -v. It
// skips without one, since recording ~10M events takes minutes and GBs.
// With CUTOVER_BENCH_CKPT (TestRecheckpointBigRecording's file) it times
// the same seeks with those checkpoints too, interleaved, side by side;
// without, with every 2nd and 4th of the recording's checkpoints. It logs
// each seek's CPU time (user and system) too: on a shared machine the
// wall time is mostly the other work's.
// bigRecording opens the recording CUTOVER_BENCH_DB names, for the
// manual measurements on a big one; the test skips without it.
func bigRecording(t *testing.T) *store.Reader {
	t.Helper()
	path := os.Getenv("CUTOVER_BENCH_DB")
	if path == "" {
		t.Skip("CUTOVER_BENCH_DB is not set: a manual measurement on a big recording")
	}
	r, err := store.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// benchSide is r with the checkpoints of the side file CUTOVER_BENCH_CKPT
// (TestRecheckpointBigRecording's), when it is set.
func benchSide(t *testing.T, r *store.Reader) (Source, bool) {
	t.Helper()
	side := os.Getenv("CUTOVER_BENCH_CKPT")
	if side == "" {
		return nil, false
	}
	db, err := sql.Open("sqlite", side)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return sideCheckpoints{r, db}, true
}

func TestSeekTimesOnBigRecording(t *testing.T) {
	r := bigRecording(t)
	cks, err := r.Checkpoints()
	if err != nil || len(cks) < 2 {
		t.Fatal("want two checkpoints", err)
	}
	first, end, err := r.TimeBounds()
	if err != nil {
		t.Fatal(err)
	}
	srcs := map[string]Source{"recorded": r}
	if side, ok := benchSide(t, r); ok {
		srcs["rechecked"] = side
	} else {
		srcs["every-2"], srcs["every-4"] = sparse{r, cks, 2}, sparse{r, cks, 4}
	}
	for name, src := range srcs {
		logCheckpoints(t, name, src)
	}
	cpu := map[string][]time.Duration{} // the process's CPU time in each seek: what the machine's load does not change
	seek := func(name string, at int64) time.Duration {
		start, used := time.Now(), processCPU()
		if _, _, err := Seek(context.Background(), srcs[name], r.Cutover().Config, at); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		cpu[name] = append(cpu[name], processCPU()-used)
		return took
	}
	names := slices.Sorted(maps.Keys(srcs))
	for _, name := range names {
		t.Logf("%s: seek to the end: %v", name, seek(name, end))
	}
	rng := rand.New(rand.NewSource(6))
	times := map[string][]time.Duration{}
	for range 50 {
		at := first + rng.Int63n(end-first)
		for _, name := range names { // interleaved: the machine's load falls on every one alike
			times[name] = append(times[name], seek(name, at))
		}
	}
	for _, name := range names {
		ts := times[name]
		slices.Sort(ts)
		t.Logf("%s: 50 random seeks: min %v, median %v, max %v", name, ts[0], ts[len(ts)/2], ts[len(ts)-1])
		cs := cpu[name][1:] // without the seek to the end
		slices.Sort(cs)
		t.Logf("%s: CPU time of a seek: min %v, median %v, max %v", name, cs[0], cs[len(cs)/2], cs[len(cs)-1])
	}
}

// logCheckpoints logs how many checkpoints src has, their bytes, and the
// widest interval between two, in events.
func logCheckpoints(t *testing.T, name string, src Source) {
	lister, ok := src.(interface {
		Checkpoints() ([]store.CheckpointRow, error)
	})
	if !ok {
		return
	}
	cks, err := lister.Checkpoints()
	if err != nil || len(cks) < 2 {
		t.Fatal(err)
	}
	wide, bytes, deltas := int64(0), 0, 0
	for i, ck := range cks {
		if i > 0 {
			wide = max(wide, ck.Seq-cks[i-1].Seq)
		}
		_, _, blob, _, err := src.CheckpointAtOrBefore(ck.TsNs)
		if err != nil {
			t.Fatal(err)
		}
		bytes += len(blob)
		if _, ok := monitor.CheckpointDeltaBase(blob); ok {
			deltas++
		}
	}
	t.Logf("%s: %d checkpoints (%d deltas), %d bytes; widest interval %d events", name, len(cks), deltas, bytes, wide)
}

// sparse is the recording with only every n-th checkpoint (and the last).
type sparse struct {
	r     *store.Reader
	all   []store.CheckpointRow
	every int
}

func (s sparse) Checkpoints() ([]store.CheckpointRow, error) { return s.kept(), nil }

func (s sparse) kept() []store.CheckpointRow {
	var out []store.CheckpointRow
	for i, c := range s.all {
		if i%s.every == 0 || i == len(s.all)-1 {
			out = append(out, c)
		}
	}
	return out
}

func (s sparse) CheckpointAtOrBefore(tsNs int64) (int64, int64, []byte, bool, error) {
	kept := s.kept()
	i := sort.Search(len(kept), func(i int) bool { return kept[i].TsNs > tsNs })
	if i == 0 {
		return 0, 0, nil, false, nil
	}
	return s.r.CheckpointAtOrBefore(kept[i-1].TsNs)
}

func (s sparse) Events(ctx context.Context, afterSeq int64, fn func(int64, monitor.Event) error) error {
	return s.r.Events(ctx, afterSeq, fn)
}
