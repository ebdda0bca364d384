package session

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/monitor/replay"
	"github.com/cutover/cutover/store"
)

// TestFollowSeesAHeadlessWriter follows a recording that a headless demo
// (another session, as `cutover watch --headless` is) is writing, and
// expects the follower to reach the writer's newest event again and again.
// The latency is logged; the bound is a liveness check, not a benchmark.
func TestFollowSeesAHeadlessWriter(t *testing.T) {
	db := filepath.Join(t.TempDir(), "live.db")
	so := sim.DefaultOptions()
	so.Numbers = 20
	wctx, stopWriter := context.WithCancel(context.Background())
	written := make(chan struct{})
	go func() {
		defer close(written)
		_, _ = Demo{DB: db, Sim: so, Speed: 120, Session: RunOptions{Headless: true}}.Run(wctx)
	}()
	t.Cleanup(func() { stopWriter(); <-written })
	r := waitForRecording(t, db)
	defer r.Close()
	probe, err := store.OpenReader(db) // what the writer has committed
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()

	cfg := r.Cutover().Config
	ctl := replay.NewController(&recording{Reader: r}, replay.Options{Config: cfg, Pacer: pipeline.NewPacer(0), Follow: true})
	p := pipeline.New(monitor.NewState(cfg), pipeline.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	go ctl.Run(ctx, p.PublishWait, p.Replace)

	var worst time.Duration
	for range 5 {
		_, last, err := probe.TimeBounds()
		if err != nil {
			t.Fatal(err)
		}
		seen := time.Now()
		for ctl.Timeline().Pos < last {
			if time.Since(seen) > 10*time.Second {
				t.Fatalf("the follower is stuck at %d; the writer has %d", ctl.Timeline().Pos, last)
			}
			time.Sleep(5 * time.Millisecond)
		}
		worst = max(worst, time.Since(seen))
		time.Sleep(300 * time.Millisecond) // let the writer commit more
	}
	if tl := ctl.Timeline(); !tl.Follow || tl.End <= tl.Start {
		t.Fatalf("timeline %+v", tl)
	}
	if snap, _ := p.Latest(); snap == nil || snap.SIP == 0 {
		t.Fatal("the follower folded no SIP")
	}
	t.Logf("follower reached the writer's newest committed event within %s (worst of 5)", worst)
}

func waitForRecording(t *testing.T, db string) *store.Reader {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(db); err == nil {
			if r, err := store.OpenReader(db); err == nil {
				if n, _ := r.Count(); n > 0 {
					return r
				}
				r.Close()
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the writer never recorded an event")
	return nil
}
