package action

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
)

func TestKamHTableOutboundAndUndo(t *testing.T) {
	url := lab.StartKamailio(t).URL
	ctx := context.Background()
	h := &KamHTable{URL: url, Table: "outbound", Values: map[string]string{"newco": "2", "oldco": "1"}, Timeout: 5 * time.Second}
	plan, err := h.Plan(ctx, Request{Type: Outbound, Target: "+141555501*", To: "newco"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "- outbound[+141555501] = (no entry)\n+ outbound[+141555501] = \"2\""; !strings.Contains(plan.Diff, want) {
		t.Fatalf("diff:\n%s", plan.Diff)
	}
	res, err := h.Apply(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := h.get(ctx, "+141555501"); err != nil || v == nil || *v != "2" {
		t.Fatalf("htable.get after set: %v %v", v, err)
	}
	// Someone else moves it back to the legacy set: our undo must refuse.
	other, err := h.Plan(ctx, Request{Type: Outbound, Target: "+141555501*", To: "oldco"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Apply(ctx, plan); !errors.Is(err, ErrChanged) {
		t.Fatalf("stale plan: err = %v", err)
	}
	otherRes, err := h.Apply(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Undo(ctx, res); !errors.Is(err, ErrChanged) {
		t.Fatalf("undo after someone else's change: err = %v", err)
	}
	// Undo theirs, then ours: the entry is gone, as before.
	for _, r := range []Result{otherRes, res} {
		u, err := h.Undo(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Apply(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := h.get(ctx, "+141555501"); err != nil || v != nil {
		t.Fatalf("after undo: %v %v, want no entry", v, err)
	}
}
