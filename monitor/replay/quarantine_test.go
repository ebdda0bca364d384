package replay

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/store"
)

// tickNight records ten minutes of clock ticks, one a second from t0, with
// an event stamped 2100-01-01 and quarantined where it entered five
// minutes in.
func tickNight(t *testing.T) (*store.Reader, int64) {
	t.Helper()
	t0 := time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC).UnixNano()
	st, err := store.Open(filepath.Join(t.TempDir(), "ticks.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.BeginCutover(monitor.Config{Name: "ticks"}, "live", t0); err != nil {
		t.Fatal(err)
	}
	var evs []monitor.Event
	for i := range 600 {
		evs = append(evs, monitor.Event{Time: t0 + int64(i)*int64(time.Second), Kind: monitor.KindTick, Source: monitor.SourceClock})
		if i == 300 {
			evs = append(evs, monitor.Event{Time: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano(),
				Kind: monitor.KindTick, Source: monitor.SourceHEP, Quarantined: true})
		}
	}
	w := store.NewWriter(st, store.WriterOptions{})
	if err := w.Append(evs); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := store.OpenReader(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, t0
}

// A quarantined event's time is not the recording's: a seek past it folds
// it (it is counted) and goes on, and playing paces by the events around
// it, not by 2100. Before: the seek stopped at it, and the play waited for
// 2100-01-01.
func TestReplayTakesNoTimeFromQuarantined(t *testing.T) {
	r, t0 := tickNight(t)
	cfg := r.Cutover().Config
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	end := t0 + int64(599*time.Second)
	st, pos, err := Seek(ctx, r, cfg, end)
	if err != nil {
		t.Fatal(err)
	}
	if snap := st.Snapshot(); snap.Now != end || snap.Quarantined != 1 || pos.Seq != 601 {
		t.Fatalf("seek to the end: clock %s, %d quarantined, at seq %d", time.Unix(0, snap.Now).UTC(), snap.Quarantined, pos.Seq)
	}

	pacer := pipeline.NewPacer(600) // ten minutes in one second
	c := NewController(rec{r}, Options{Config: cfg, Pacer: pacer})
	p := pipeline.New(monitor.NewState(cfg), pipeline.Options{})
	go p.Run(ctx)
	go func() { _ = c.Run(ctx, p.PublishWait, p.Replace) }()
	tl := waitFor(t, c, func(tl monitor.Timeline) bool { return tl.End != 0 && tl.Pos == tl.End })
	if tl.End != end {
		t.Fatalf("the timeline ends at %s", time.Unix(0, tl.End).UTC())
	}
	if snap := settle(t, p, 601); snap.Quarantined != 1 || snap.Now != end {
		t.Fatalf("played: clock %s, %d quarantined", time.Unix(0, snap.Now).UTC(), snap.Quarantined)
	}
}
