package replay

import (
	"context"
	"math/rand"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/cutover/cutover/store"
)

// TestSeekTimesOnBigRecording is a manual measurement harness, not a
// check: it times seeks on the recording CUTOVER_BENCH_DB names (see
// BenchmarkSeek for how to make one) and logs them; run it with -v. It
// skips without one, since recording ~10M events takes minutes and GBs.
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
	// the widest interval between checkpoints, in events: the worst seek
	wide := 1
	for i := 2; i < len(cks); i++ {
		if cks[i].Seq-cks[i-1].Seq > cks[wide].Seq-cks[wide-1].Seq {
			wide = i
		}
	}
	_, _, blob, _, err := r.CheckpointAtOrBefore(end)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d checkpoints, the last %d bytes; widest interval %d events (seq %d..%d)",
		len(cks), len(blob), cks[wide].Seq-cks[wide-1].Seq, cks[wide-1].Seq, cks[wide].Seq)
	seek := func(at int64) time.Duration {
		start := time.Now()
		if _, _, err := Seek(context.Background(), r, r.Cutover().Config, at); err != nil {
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
