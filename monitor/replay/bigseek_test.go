package replay

import (
	"context"
	"fmt"
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
// Each round also keeps only every 2nd and 4th checkpoint, to show what
// a sparser CheckpointEvery would cost without recording again.
func TestSeekTimesOnBigRecording(t *testing.T) {
	path := os.Getenv("CUTOVER_BENCH_DB")
	if path == "" {
		t.Skip("CUTOVER_BENCH_DB is not set: a manual measurement on a big recording")
	}
	r, err := store.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cks, err := r.Checkpoints()
	if err != nil || len(cks) < 2 {
		t.Fatal("want two checkpoints", err)
	}
	first, end, err := r.TimeBounds()
	if err != nil {
		t.Fatal(err)
	}
	_, _, blob, _, err := r.CheckpointAtOrBefore(end)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d checkpoints, the last %d bytes", len(cks), len(blob))
	for _, every := range []int{1, 2, 4} {
		src := sparse{r, cks, every}
		t.Run(fmt.Sprintf("every-%d", every), func(t *testing.T) { timeSeeks(t, src, first, end) })
	}
}

func timeSeeks(t *testing.T, src sparse, first, end int64) {
	cks := src.kept()
	wide := 1 // the widest interval between checkpoints, in events: the worst seek
	for i := 2; i < len(cks); i++ {
		if cks[i].Seq-cks[i-1].Seq > cks[wide].Seq-cks[wide-1].Seq {
			wide = i
		}
	}
	t.Logf("%d checkpoints; widest interval %d events (seq %d..%d)",
		len(cks), cks[wide].Seq-cks[wide-1].Seq, cks[wide-1].Seq, cks[wide].Seq)
	seek := func(at int64) time.Duration {
		start := time.Now()
		if _, _, err := Seek(context.Background(), src, src.r.Cutover().Config, at); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	t.Logf("seek to the end: %v", seek(end))
	t.Logf("seek to the middle of the widest interval: %v", seek((cks[wide-1].TsNs+cks[wide].TsNs)/2))
	t.Logf("seek to just before a checkpoint (widest interval): %v", seek(cks[wide].TsNs-1))
	rng := rand.New(rand.NewSource(6))
	var times []time.Duration
	for range 50 {
		times = append(times, seek(first+rng.Int63n(end-first)))
	}
	slices.Sort(times)
	t.Logf("50 random seeks: min %v, median %v, max %v", times[0], times[len(times)/2], times[len(times)-1])
}

// sparse is the recording with only every n-th checkpoint (and the last).
type sparse struct {
	r     *store.Reader
	all   []store.CheckpointRow
	every int
}

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
