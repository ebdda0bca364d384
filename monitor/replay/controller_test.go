package replay

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/store"
)

// rec adds the timeline's marks to a store.Reader.
type rec struct{ *store.Reader }

func (r rec) Marks() ([]monitor.Mark, error) {
	alerts, err := r.Alerts()
	var out []monitor.Mark
	for _, a := range alerts {
		out = append(out, monitor.Mark{Time: a.OpenedNs, Kind: monitor.MarkAlert})
	}
	return out, err
}

func (r rec) CheckpointTimes() ([]int64, error) {
	cks, err := r.Checkpoints()
	out := make([]int64, len(cks))
	for i, c := range cks {
		out[i] = c.TsNs
	}
	return out, err
}

// TestControllerSeeksAndSteps plays a recording through a real pipeline,
// seeks while it plays and at the end, steps, and expects the screen's
// snapshot to be exactly a fresh Seek's state each time.
func TestControllerSeeksAndSteps(t *testing.T) {
	r := demoNight(t, 20)
	cfg := r.Cutover().Config
	pacer := pipeline.NewPacer(0)
	c := NewController(rec{r}, Options{Config: cfg, Pacer: pacer, Hold: true})
	p := pipeline.New(monitor.NewState(cfg), pipeline.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, p.PublishWait, p.Replace) }()

	tl := waitFor(t, c, func(tl monitor.Timeline) bool { return tl.End != 0 && tl.Pos == tl.End })
	if len(tl.Marks) == 0 || tl.Start >= tl.End {
		t.Fatalf("timeline %+v", tl)
	}
	pacer.TogglePause()
	for _, frac := range []int64{3, 7, 1, 9} {
		target := tl.Start + (tl.End-tl.Start)*frac/10
		c.SeekTo(target)
		waitFor(t, c, func(tl monitor.Timeline) bool { return tl.Pos <= target && tl.Pos > target-int64(time.Minute) })
		want, _, err := Seek(ctx, r, cfg, target)
		if err != nil {
			t.Fatal(err)
		}
		got := settle(t, p, want.Snapshot().Applied)
		if !reflect.DeepEqual(got, want.Snapshot()) {
			t.Fatalf("after a seek to %d the screen differs from Seek", frac)
		}
		c.Step()
		settle(t, p, want.Snapshot().Applied+1)
		// A short hop forward folds on from the screen's state instead of
		// restoring a checkpoint: the state must be the same.
		hop := waitFor(t, c, func(monitor.Timeline) bool { return true }).Pos + int64(20*time.Second)
		c.SeekTo(hop)
		waitFor(t, c, func(tl monitor.Timeline) bool { return tl.Pos == hop })
		want, _, err = Seek(ctx, r, cfg, hop)
		if err != nil {
			t.Fatal(err)
		}
		if got := settle(t, p, want.Snapshot().Applied); !reflect.DeepEqual(got, want.Snapshot()) {
			t.Fatalf("a hop forward after the seek to %d differs from Seek", frac)
		}
	}
	c.SeekMark(+1)
	after := waitFor(t, c, func(x monitor.Timeline) bool { return x.Pos > tl.Start+(tl.End-tl.Start)*9/10 })
	for _, m := range after.Marks {
		if m.Time > tl.Start+(tl.End-tl.Start)*9/10 && m.Time < after.Pos {
			t.Fatalf("] skipped the mark at %d to land at %d", m.Time, after.Pos)
		}
	}
	cancel()
	<-done
}

func waitFor(t *testing.T, c *Controller, ok func(monitor.Timeline) bool) monitor.Timeline {
	t.Helper()
	for range 1000 {
		if tl := c.Timeline(); ok(tl) {
			return tl
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timeline never got there: %+v", c.Timeline())
	return monitor.Timeline{}
}

// settle waits for the pipeline's snapshot to have folded applied events.
func settle(t *testing.T, p *pipeline.Pipeline, applied uint64) *monitor.Snapshot {
	t.Helper()
	for range 1000 {
		if s, _ := p.Latest(); s != nil && s.Applied == applied {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	s, _ := p.Latest()
	t.Fatalf("snapshot never reached %d events (at %d)", applied, s.Applied)
	return nil
}
