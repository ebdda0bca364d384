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
	if err != nil || len(cks) < 2 {
		b.Fatal("want two checkpoints", err)
	}
	last, prev := cks[len(cks)-1], cks[len(cks)-2]
	_, end, err := r.TimeBounds()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cfg := r.Cutover().Config
	for _, c := range []struct {
		name string
		t    int64
	}{
		{"end", end},              // the end of the recording (G)
		{"checkpoint", last.TsNs}, // exactly at a checkpoint: restore only
		{"mid-interval", (prev.TsNs + last.TsNs) / 2}, // half a checkpoint interval to fold
		{"worst", last.TsNs - 1},                      // just before a checkpoint: a whole interval to fold
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := Seek(ctx, r, cfg, c.t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
