package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

// TestAlertmanagerLabelsAndResend: an open alert goes to
// /api/v2/alerts with the metrics' label names and an endsAt four
// re-posts ahead; it is re-posted every Resend while open; its closing
// carries the opening's startsAt and endsAt = the close's time; a closed
// alert is not re-posted.
func TestAlertmanagerLabelsAndResend(t *testing.T) {
	rcv := &receiver{}
	paths := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { paths <- r.URL.Path; rcv.ServeHTTP(w, r) }))
	defer srv.Close()
	n := New(Options{Spec: Spec{Alertmanager: srv.URL, Resend: time.Minute}, Config: testConfig(), Recording: "/var/night.db"})
	s, ctx := n.sinks[0], context.Background()
	num := alertEv(t0, "+15551230001", true)
	num.Alert.Rule = monitor.RulePortFailed
	n.Offer([]monitor.Event{alertEv(t0, "newco", true), num})
	s.step(ctx, t0)
	if p := <-paths; p != "/api/v2/alerts" {
		t.Fatalf("posted to %s", p)
	}
	as := amBodies(t, rcv)
	if len(as) != 2 {
		t.Fatalf("want 2 alerts, got %v", as)
	}
	tr, nb := as[0], as[1]
	for k, v := range map[string]string{"alertname": "cutover_timeout_burst", "rule": "timeout_burst", "severity": "critical",
		"trunk": "newco", "role": "new", "subject_kind": "trunk", "cutover": "acme"} {
		if tr.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, tr.Labels[k], v)
		}
	}
	if nb.Labels["number"] != "+15551230001" || nb.Labels["port_request"] != "PR-1" || nb.Labels["subject_kind"] != "number" {
		t.Errorf("number labels: %v", nb.Labels)
	}
	if tr.EndsAt != "" || tr.StartsAt != t0.Format(time.RFC3339Nano) {
		t.Errorf("open alert's times: %s .. %s", tr.StartsAt, tr.EndsAt)
	}
	if !strings.Contains(tr.Annotations["replay"], "cutover replay /var/night.db") || tr.Annotations["description"] != "408 burst on newco" {
		t.Errorf("annotations: %v", tr.Annotations)
	}
	if w := s.step(ctx, t0.Add(time.Second)); w != 59*time.Second {
		t.Fatalf("next re-post in %s, want 59s", w)
	}
	s.step(ctx, t0.Add(time.Minute))
	if st := s.stats(); st.Resent != 2 || st.Delivered != 2 {
		t.Fatalf("after a minute: %+v", st)
	}
	n.Offer([]monitor.Event{alertEv(t0.Add(90*time.Second), "newco", false)})
	s.step(ctx, t0.Add(91*time.Second))
	as = amBodies(t, rcv)
	closed := as[len(as)-1]
	if closed.StartsAt != t0.Format(time.RFC3339Nano) || closed.EndsAt != t0.Add(90*time.Second).Format(time.RFC3339Nano) {
		t.Fatalf("closed: %+v", closed)
	}
	ahead := alertEv(t0.Add(95*time.Second), "+15551230001", false) // this clock is behind the event's
	ahead.Alert.Rule = monitor.RulePortFailed
	n.Offer([]monitor.Event{ahead})
	s.step(ctx, t0.Add(92*time.Second))
	as = amBodies(t, rcv)
	if end := as[len(as)-1].EndsAt; end != t0.Add(92*time.Second).Format(time.RFC3339Nano) {
		t.Fatalf("a close ahead of the clock ends at %s, want the post's time", end)
	}
	n.Offer([]monitor.Event{num})
	s.step(ctx, t0.Add(2*time.Minute))
	s.step(ctx, t0.Add(3*time.Minute))
	as = amBodies(t, rcv)
	if last := as[len(as)-1]; len(as) != 8 || last.Labels["number"] != "+15551230001" || last.EndsAt != "" {
		t.Fatalf("the re-post after the close: %d alerts posted, last %v", len(as), last)
	}
}

// TestRefusedIsDroppedNotRetried: a 400 will not get better: the changes
// are dropped (counted) and the next ones go.
func TestRefusedIsDroppedNotRetried(t *testing.T) {
	rcv := &receiver{status: http.StatusBadRequest}
	rcv.down.Store(true)
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	n := New(Options{Spec: Spec{Webhook: srv.URL}, Config: testConfig()})
	s := n.sinks[0]
	n.Offer([]monitor.Event{alertEv(t0, "newco", true)})
	if w := s.step(context.Background(), t0); w != 0 {
		t.Fatalf("a refusal backs off %s", w)
	}
	if st := s.stats(); st.Dropped != 1 || st.Failures != 1 || st.Queued != 0 || !strings.Contains(st.LastErr, "400") {
		t.Fatalf("%+v", st)
	}
}

// TestSlackText: Slack's {"text"} with mrkdwn's markup characters escaped.
func TestSlackText(t *testing.T) {
	ev := alertEv(t0, "newco", false)
	ev.Alert.Message = "closed: <!channel> & friends"
	n := New(Options{Config: testConfig(), Recording: "r.db"})
	b, err := slackBody([]Alert{n.alert(ev.Time, *ev.Alert)}, t0, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m["text"], "*RESOLVED* [critical] timeout_burst on newco: closed: &lt;!channel&gt; &amp; friends\ncutover replay r.db") {
		t.Fatalf("text: %q", m["text"])
	}
}

func amBodies(t *testing.T, r *receiver) []amAlert {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []amAlert
	for _, b := range r.bodies {
		var as []amAlert
		if err := json.Unmarshal(b, &as); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		out = append(out, as...)
	}
	return out
}
