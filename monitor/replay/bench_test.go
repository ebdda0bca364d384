package replay

import (
	"context"
	"os"
	"testing"

	"github.com/cutover/cutover/store"
)

// BenchmarkSeek seeks to the end of a recording: a checkpoint restore plus
// a fold forward of at most one checkpoint interval. Point CUTOVER_BENCH_DB
// at a big recording (cutover demo --headless --numbers 9899
// --calls-per-hour 36 --db big.db gives ~10M events) to measure it there;
// without it, the 200-number demo night is recorded first.
func BenchmarkSeek(b *testing.B) {
	var r *store.Reader
	if path := os.Getenv("CUTOVER_BENCH_DB"); path != "" {
		var err error
		if r, err = store.OpenReader(path); err != nil {
			b.Fatal(err)
		}
		defer r.Close()
	} else {
		r = demoNight(b, 200)
	}
	cks, err := r.Checkpoints()
	if err != nil || len(cks) == 0 {
		b.Fatal("no checkpoints", err)
	}
	last := cks[len(cks)-1].TsNs
	end := r.Cutover().EndedNs
	target := max(end, last) - 1 // just before the end: the longest fold forward the last checkpoint allows
	ctx := context.Background()
	cfg := r.Cutover().Config
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Seek(ctx, r, cfg, target); err != nil {
			b.Fatal(err)
		}
	}
}
