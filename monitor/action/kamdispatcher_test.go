package action

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
)

func labDispatcher(url string) *KamDispatcher {
	return &KamDispatcher{URL: url, Set: 1, New: []string{lab.NewURI}, Legacy: []string{lab.LegacyURI}, Timeout: 5 * time.Second}
}

func TestKamDispatcherFailoverAndUndo(t *testing.T) {
	url := lab.StartKamailio(t).URL
	ctx := context.Background()
	k := labDispatcher(url)
	states := func() map[string]string {
		t.Helper()
		m, err := k.list(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := states(); m[lab.NewURI] != "AX" || m[lab.LegacyURI] != "AX" {
		t.Fatalf("before: %v", m)
	}
	plan, err := k.Plan(ctx, Request{Type: Failover})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan.Diff, "- "+lab.NewURI+" active\n+ "+lab.NewURI+" disabled") || !strings.Contains(plan.Diff, lab.LegacyURI+" active (unchanged)") {
		t.Fatalf("diff:\n%s", plan.Diff)
	}
	if m := states(); m[lab.NewURI] != "AX" {
		t.Fatalf("a plan changed the set: %v", m)
	}
	res, err := k.Apply(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	if m := states(); m[lab.NewURI] != "DX" || m[lab.LegacyURI] != "AX" {
		t.Fatalf("after failover: %v", m)
	}
	if !strings.Contains(res.ReadBack, lab.NewURI+" disabled (DX)") {
		t.Errorf("read-back = %q", res.ReadBack)
	}
	// The same plan again: the state is no longer what it read.
	if _, err := k.Apply(ctx, plan); !errors.Is(err, ErrChanged) {
		t.Fatalf("stale plan: err = %v", err)
	}
	undo, err := k.Undo(ctx, res)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Apply(ctx, undo); err != nil {
		t.Fatal(err)
	}
	if m := states(); m[lab.NewURI] != "AX" || m[lab.LegacyURI] != "AX" {
		t.Fatalf("after undo: %v", m)
	}
	restore, err := k.Plan(ctx, Request{Type: Restore})
	if err != nil || !restore.NoChange {
		t.Fatalf("restore when all active: %+v %v", restore, err)
	}
}

func TestKamDispatcherErrors(t *testing.T) {
	url := lab.StartKamailio(t).URL
	ctx := context.Background()
	t.Run("unknown destination", func(t *testing.T) {
		k := labDispatcher(url)
		k.New = []string{"sip:127.0.0.1:5999"}
		if _, err := k.Plan(ctx, Request{Type: Failover}); err == nil || !strings.Contains(err.Error(), "no destination sip:127.0.0.1:5999") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("refused set_state", func(t *testing.T) {
		k := labDispatcher(url)
		plan, err := k.Plan(ctx, Request{Type: Failover})
		if err != nil {
			t.Fatal(err)
		}
		plan.Data = strings.Replace(plan.Data, `"After":"d"`, `"After":"x"`, 1)
		_, err = k.Apply(ctx, plan)
		if err == nil || !strings.Contains(err.Error(), "Unknown State Value") || !strings.Contains(err.Error(), "the set now holds:\n"+lab.NewURI+" active") {
			t.Fatalf("err = %v", err)
		}
		if m, _ := k.list(ctx); m[lab.NewURI] != "AX" {
			t.Fatalf("changed: %v", m)
		}
	})
	t.Run("dead endpoint", func(t *testing.T) {
		k := labDispatcher("http://127.0.0.1:" + strconv.Itoa(lab.FreePort(t)) + "/RPC")
		if _, err := k.Plan(ctx, Request{Type: Failover}); err == nil || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		stop := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		}))
		defer srv.Close()
		defer close(stop)
		k := labDispatcher(srv.URL)
		k.Timeout = 300 * time.Millisecond
		if _, err := k.Plan(ctx, Request{Type: Failover}); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	})
}
