package session

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/tui"
)

// The screen's Actor runs the same sequence as `cutover act`: a declined
// plan is recorded as declined, an applied one requested, running
// and done, its undo marks it undone; a plan is applied or declined once.
func TestScreenActor(t *testing.T) {
	fake := &fakeHTable{m: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	path, _ := actSetup(t, srv.URL+"/RPC")
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var recs []monitor.ActionRecord
	a := NewScreenActor(f, "Dana", func(ev monitor.Event) error {
		mu.Lock()
		defer mu.Unlock()
		recs = append(recs, *ev.Action)
		return nil
	})
	ctx := context.Background()
	if !strings.HasPrefix(a.Operator(), "Dana (") || len(a.Targets()) != 0 {
		t.Fatalf("operator %q targets %v", a.Operator(), a.Targets())
	}
	req := tui.ActionRequest{Type: "outbound", Target: "+14155550101", To: "new", Prompted: "split_brain:+14155550101"}
	p, err := a.Plan(ctx, req)
	if err != nil || p.NoChange || !strings.Contains(p.Diff, `+ outbound[+14155550101] = "2"`) || p.Title != "outbound +14155550101" {
		t.Fatalf("plan %+v, %v", p, err)
	}
	if err := a.Decline(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Apply(ctx, p.ID); err == nil {
		t.Fatal("applied a declined plan")
	}
	if _, set := fake.get("+14155550101"); set {
		t.Fatal("a declined plan changed the htable")
	}
	p, _ = a.Plan(ctx, req)
	id, err := a.Apply(ctx, p.ID)
	if v, _ := fake.get("+14155550101"); err != nil || v != "2" || !strings.HasPrefix(id, "outbound-") {
		t.Fatalf("apply: %q %v, htable %q", id, err, v)
	}
	done := recs[len(recs)-1]
	if p, _ := a.Plan(ctx, req); !p.NoChange || p.ID != "" {
		t.Fatalf("a second plan: %+v", p)
	}
	u, err := a.Plan(ctx, tui.ActionRequest{Type: "undo", Target: done.ID, Undo: &done})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Apply(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, set := fake.get("+14155550101"); set {
		t.Fatal("the undo left the entry")
	}
	var trail []string
	for _, r := range recs {
		trail = append(trail, r.Type+":"+string(r.State))
	}
	want := []string{"outbound:requested", "outbound:declined", "outbound:requested", "outbound:running", "outbound:done",
		"outbound:requested", "outbound:done", // nothing to change, recorded as such
		"undo:requested", "undo:running", "undo:done", "outbound:undone"}
	if !slices.Equal(trail, want) {
		t.Fatalf("recorded %v, want %v", trail, want)
	}
	if recs[1].Error != "" || recs[2].Prompted != "split_brain:+14155550101" || recs[2].Expect == nil {
		t.Fatalf("records: %+v", recs[:3])
	}
	if _, err := a.Plan(ctx, tui.ActionRequest{Type: "failover", Target: "sbc"}); err == nil || !strings.Contains(err.Error(), "no [[actions.failover]]") {
		t.Fatalf("failover without targets: %v", err)
	}
}

// A plan the operator declines is recorded as declined, not failed: it
// is not an error, and nothing in the recording says one happened.
func TestScreenActorRecordsADeclineAsDeclined(t *testing.T) {
	fake := &fakeHTable{m: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	path, _ := actSetup(t, srv.URL+"/RPC")
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []monitor.ActionRecord
	a := NewScreenActor(f, "Dana", func(ev monitor.Event) error {
		recs = append(recs, *ev.Action)
		return nil
	})
	ctx := context.Background()
	p, err := a.Plan(ctx, tui.ActionRequest{Type: "outbound", Target: "+14155550101", To: "new"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Decline(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].State != monitor.ActionRequested || recs[1].State != monitor.ActionDeclined || recs[1].Error != "" {
		t.Fatalf("a decline recorded as %+v", recs)
	}
}
