package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
)

var t0 = time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)

func alertEv(at time.Time, subject string, open bool) monitor.Event {
	return monitor.Event{Time: at.UnixNano(), Kind: monitor.KindAlert, Source: monitor.SourceFold,
		Alert: &monitor.AlertChange{Rule: monitor.RuleTimeoutBurst, Subject: subject, Open: open, Severity: monitor.SevCritical, Message: "408 burst on " + subject}}
}

func testConfig() monitor.Config {
	return monitor.Config{Name: "acme", Trunks: []monitor.Trunk{{Name: "newco", Role: monitor.RoleNew}},
		Numbers: []monitor.Number{{E164: "+15551230001", PortRequestID: "PR-1"}}}
}

// receiver is an HTTP receiver that is down (500) until told otherwise,
// and keeps every body it accepted.
type receiver struct {
	down   atomic.Bool
	status int // the answer while down (default 500)
	mu     sync.Mutex
	bodies [][]byte
	tries  atomic.Int64
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.tries.Add(1)
	b, _ := io.ReadAll(req.Body)
	if r.down.Load() {
		w.WriteHeader(cmp.Or(r.status, http.StatusInternalServerError))
		return
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, b)
	r.mu.Unlock()
}

func (r *receiver) webhookAlerts(t *testing.T) []map[string]any {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]any
	for _, b := range r.bodies {
		var p struct{ Alerts []map[string]any }
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("webhook body %s: %v", b, err)
		}
		out = append(out, p.Alerts...)
	}
	return out
}

// TestReceiverDownFiveMinutes is the webhook queue's behaviour when its
// receiver is down for 5 minutes, on a simulated clock driving step (the
// whole of the delivery logic): an alert change every second, a queue of
// 100. The backoff keeps the attempts few, the queue keeps the newest 100
// changes and counts the 200 it dropped, nothing is delivered while
// down, and the first attempt after the receiver is back delivers the
// queue in order in one request.
func TestReceiverDownFiveMinutes(t *testing.T) {
	rcv := &receiver{}
	rcv.down.Store(true)
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	n := New(Options{Spec: Spec{Webhook: srv.URL, Queue: 100}, Config: testConfig(), Recording: "night.db"})
	s, ctx := n.sinks[0], context.Background()
	now, offered := t0, 0
	for now.Before(t0.Add(5 * time.Minute)) {
		for ; offered < 300 && !t0.Add(time.Duration(offered)*time.Second).After(now); offered++ {
			n.Offer([]monitor.Event{alertEv(now, fmt.Sprintf("trunk-%d", offered/2), offered%2 == 0)})
		}
		now = now.Add(min(s.step(ctx, now), time.Second))
	}
	st := s.stats()
	if st.Delivered != 0 || st.State != "retrying" {
		t.Fatalf("while down: %+v", st)
	}
	if offered != 300 || st.Dropped != 200 || st.Queued != 100 {
		t.Fatalf("offered %d; want 200 dropped, 100 queued: %+v", offered, st)
	}
	// 1+2+4+8+16+32 s, then every 60 s: 10 attempts in 5 minutes, not 300.
	if st.Failures < 8 || st.Failures > 12 || uint64(rcv.tries.Load()) != st.Failures {
		t.Fatalf("attempts while down: %d failures, %d tries", st.Failures, rcv.tries.Load())
	}
	rcv.down.Store(false)
	for s.stats().Queued > 0 && now.Before(t0.Add(7*time.Minute)) {
		now = now.Add(min(s.step(ctx, now), time.Second))
	}
	st = s.stats()
	if st.Delivered != 100 || st.Posts != 1 || st.State != "running" || st.Queued != 0 {
		t.Fatalf("after recovery: %+v", st)
	}
	got := rcv.webhookAlerts(t)
	if len(got) != 100 || got[99]["annotations"].(map[string]any)["summary"] != "timeout_burst on trunk-149" {
		t.Fatalf("delivered %d, last %v", len(got), got[len(got)-1])
	}
	if got[0]["annotations"].(map[string]any)["summary"] != "timeout_burst on trunk-100" {
		t.Fatalf("first delivered is not the oldest kept: %v", got[0])
	}
}

// TestOfferNeverBlocks: with the receiver stuck on a request, offering
// many alert changes returns at once, and the overflow is counted.
func TestOfferNeverBlocks(t *testing.T) {
	stuck := make(chan struct{})
	var once sync.Once
	entered := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(entered) })
		<-stuck
	}))
	defer srv.Close()
	defer close(stuck)
	n := New(Options{Spec: Spec{Webhook: srv.URL, Queue: 10, Timeout: time.Hour}, Config: testConfig()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	n.Offer([]monitor.Event{alertEv(t0, "newco", true)})
	<-entered // the receiver holds the first request
	for i := range 1000 {
		n.Offer([]monitor.Event{alertEv(t0.Add(time.Duration(i)*time.Millisecond), "newco", i%2 == 1)})
	}
	st := n.Stats()[0]
	if st.Queued != 10 || st.Dropped != 991 { // the one in flight stays queued until it is delivered
		t.Fatalf("want 10 queued, 991 dropped: %+v", st)
	}
	cancel()
	<-done
}

// TestConnectionRefusedThenBack: a receiver that is not listening, then
// listens on the same address: the run loop retries and delivers.
func TestConnectionRefusedThenBack(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var notes []string
	var mu sync.Mutex
	n := New(Options{Spec: Spec{Webhook: "http://" + addr + "/hook", MaxBackoff: 50 * time.Millisecond}, Config: testConfig(),
		Record: func(s string) { mu.Lock(); notes = append(notes, s); mu.Unlock() }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.Run(ctx)
	n.Offer([]monitor.Event{alertEv(t0, "newco", true)})
	lab.WaitFor(t, "two failed deliveries", func() bool { return n.Stats()[0].Failures >= 2 })
	if st := n.Stats()[0]; st.State != "retrying" || !strings.Contains(st.LastErr, "refused") || strings.Contains(st.LastErr, "/hook") {
		t.Fatalf("while refused: %+v", st)
	}
	rcv := &receiver{}
	l, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the address was taken meanwhile: %v", err)
	}
	srv := &http.Server{Handler: rcv}
	go srv.Serve(l)
	defer srv.Close()
	lab.WaitFor(t, "a delivery", func() bool { return n.Stats()[0].Delivered == 1 })
	if st := n.Stats()[0]; st.State != "running" || st.Queued != 0 || st.Dropped != 0 {
		t.Fatalf("after: %+v", st)
	}
	lab.WaitFor(t, "two notes", func() bool { mu.Lock(); defer mu.Unlock(); return len(notes) == 2 })
	if !strings.Contains(notes[0], "alerts to webhook failing") || !strings.Contains(notes[1], "delivered again") {
		t.Fatalf("notes: %q", notes)
	}
}

// TestFlushIgnoresBackoff: as a watch ends, what is queued gets one last
// attempt even while the receiver is in backoff.
func TestFlushIgnoresBackoff(t *testing.T) {
	rcv := &receiver{}
	rcv.down.Store(true)
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	n := New(Options{Spec: Spec{Webhook: srv.URL}, Config: testConfig(), Now: func() time.Time { return t0 }})
	n.Offer([]monitor.Event{alertEv(t0, "newco", true)})
	if w := n.sinks[0].step(context.Background(), t0); w != time.Second {
		t.Fatalf("backoff %s", w)
	}
	rcv.down.Store(false)
	n.Flush(context.Background())
	if st := n.Stats()[0]; st.Delivered != 1 || st.Queued != 0 {
		t.Fatalf("%+v", st)
	}
}
