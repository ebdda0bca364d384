package report

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/cutover/cutover/store"
)

// BenchmarkReport builds the report of a recording and renders it as JSON
// and HTML. Point CUTOVER_BENCH_DB at a big recording to measure it there;
// without it, the 200-number demo night is recorded first.
func BenchmarkReport(b *testing.B) {
	var r *store.Reader
	if path := os.Getenv("CUTOVER_BENCH_DB"); path != "" {
		var err error
		if r, err = store.OpenReader(path); err != nil {
			b.Fatal(err)
		}
		defer r.Close()
	} else {
		_, r = demoReport(b, 200)
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := Build(context.Background(), r, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range []string{"json", "html"} {
			if err := Write(io.Discard, rep, f); err != nil {
				b.Fatal(err)
			}
		}
	}
}
