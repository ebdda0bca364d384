package session

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/tui"
)

// memRecorder keeps what the pipeline records.
type memRecorder struct {
	mu  sync.Mutex
	evs []monitor.Event
}

func (r *memRecorder) Append(evs []monitor.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, evs...)
	return nil
}
func (r *memRecorder) CheckpointFunc(int64, func() []byte) error { return nil }
func (r *memRecorder) Flush() error                              { return nil }

// LastSeq, WaitCommitted, Status: an event it holds is committed.
func (r *memRecorder) LastSeq() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int64(len(r.evs))
}
func (r *memRecorder) WaitCommitted(context.Context, int64) error { return nil }
func (r *memRecorder) Status() (committed, lost uint64, err error) {
	return uint64(r.LastSeq()), 0, nil
}

// actionTrail is the recorded states of action id, in order.
func (r *memRecorder) actionTrail(id string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.evs {
		if e.Kind == monitor.KindAction && e.Action.ID == id {
			out = append(out, string(e.Action.State))
		}
	}
	return out
}

// demoNight runs the demo's night through a pipeline as `cutover demo`
// does, unpaced, with the demo's actor on it.
type demoNight struct {
	t     *testing.T
	night *sim.Night
	p     *pipeline.Pipeline
	rec   *memRecorder
	clock int64
	fed   uint64
	run   chan error
	actor tui.Actor
}

func newDemoNight(t *testing.T) *demoNight {
	so := sim.DefaultOptions()
	cfg := sim.Config(so)
	d := &demoNight{t: t, night: sim.New(so), rec: &memRecorder{}, clock: so.Start.UnixNano(), run: make(chan error, 1)}
	d.p = pipeline.New(monitor.NewState(cfg), pipeline.Options{Recorder: d.rec})
	go func() { d.run <- d.p.Run(context.Background()) }()
	ctx := context.Background()
	d.actor = demoActor(cfg, d.night.Routes(), func() int64 { return d.clock }, func(ev monitor.Event) error {
		d.fed++
		return d.p.PublishWait(ctx, ev)
	})
	return d
}

// until feeds the night up to event time at and waits for the fold to
// have applied everything fed.
func (d *demoNight) until(at int64) *monitor.Snapshot {
	d.t.Helper()
	for d.clock < at {
		ev, ok := d.night.Next()
		if !ok {
			d.t.Fatal("the night ended early")
		}
		d.clock = ev.Time
		d.fed++
		if err := d.p.PublishWait(context.Background(), ev); err != nil {
			d.t.Fatal(err)
		}
	}
	for wait := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if snap, _ := d.p.Latest(); snap != nil && snap.Applied == d.fed {
			return snap
		}
		if time.Now().After(wait) {
			d.t.Fatal("the fold did not catch up with the feed")
		}
	}
}

func (d *demoNight) close() {
	d.p.Close()
	if err := <-d.run; err != nil {
		d.t.Fatal(err)
	}
}

func openAlert(snap *monitor.Snapshot, key string) bool {
	return slices.ContainsFunc(snap.Alerts, func(a monitor.AlertView) bool { return a.Closed == 0 && a.Key() == key })
}

// In the demo an outbound correction of a split-brain number is planned
// as a dry run, applied to the simulated SBC, recorded through the
// demo's pipeline, and verified by the fold from the calls the night
// then starts: the split_brain alert it answers closes, long before the
// script itself would fix the number (+110m), while the other
// split-brain numbers' alerts stay open.
func TestDemoOutboundCorrectionIsVerified(t *testing.T) {
	d := newDemoNight(t)
	start := sim.DefaultOptions().Start
	snap := d.until(start.Add(60 * time.Minute).UnixNano())
	var split []string
	for _, a := range snap.Alerts {
		if a.Closed == 0 && a.Rule == "split_brain" {
			split = append(split, a.Subject)
		}
	}
	if len(split) < 2 {
		t.Fatalf("at +60m split_brain is open on %v, want two numbers or more", split)
	}
	num, other := split[0], split[1]
	ctx := context.Background()
	req := tui.ActionRequest{Type: "outbound", Target: num, To: "new", Prompted: "split_brain:" + num}
	plan, err := d.actor.Plan(ctx, req)
	if err != nil || plan.NoChange {
		t.Fatalf("plan %+v: %v", plan, err)
	}
	if want := "demo SBC (simulated): outbound route of " + num + "\n- legacy\n+ new\n"; plan.Diff != want || !strings.Contains(plan.Notes, "nothing outside this process") {
		t.Fatalf("diff:\n%s%s\nwant:\n%s", plan.Diff, plan.Notes, want)
	}
	id, err := d.actor.Apply(ctx, plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.night.Routes().Override(num); got != "new" {
		t.Fatalf("after the action %s's route override is %q", num, got)
	}
	snap = d.until(start.Add(100 * time.Minute).UnixNano())
	d.close()

	i := slices.IndexFunc(snap.Actions, func(a monitor.ActionView) bool { return a.ID == id })
	if i < 0 {
		t.Fatalf("the fold has no action %s: %+v", id, snap.Actions)
	}
	if a := snap.Actions[i]; a.State != monitor.ActionVerified {
		t.Fatalf("action %s is %s (%s), want verified", id, a.State, a.Progress)
	}
	if openAlert(snap, "split_brain:"+num) {
		t.Fatalf("split_brain:%s is still open after its correction was verified", num)
	}
	if !openAlert(snap, "split_brain:"+other) {
		t.Fatalf("split_brain:%s closed: the correction of %s moved more than its number", other, num)
	}
	trail := d.rec.actionTrail(id)
	if want := []string{"requested", "running", "done", "unverified", "verified"}; !slices.Equal(trail, want) {
		t.Fatalf("recorded %v, want %v", trail, want)
	}
}
