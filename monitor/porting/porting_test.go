package porting

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
)

// documented lists every status word each provider publishes and the
// state it must become (see testdata/SOURCES.md).
var documented = map[string]struct {
	file  string
	words map[string]monitor.PortState
}{
	"telnyx": {"telnyx.json", map[string]monitor.PortState{
		"draft": pending, "in-process": pending, "submitted": pending, "exception": denied,
		"foc-date-confirmed": approved, "cancel-pending": cancelled, "ported": completed, "cancelled": cancelled,
	}},
	"bandwidth": {"bandwidth.xml", map[string]monitor.PortState{
		"DRAFT": pending, "VALIDATE_DRAFT_TFNS": pending, "INVALID_DRAFT_TFNS": denied, "VALID_DRAFT_TFNS": pending,
		"VALIDATE_TFNS": pending, "INVALID_TFNS": denied, "PENDING_DOCUMENTS": pending, "SUBMITTED": pending,
		"EXCEPTION": denied, "REQUESTED_SUPP": pending, "FOC": approved, "REQUESTED_CANCEL": cancelled,
		"CANCELLED": cancelled, "COMPLETE": completed,
	}},
	"twilio": {"twilio.json", map[string]monitor.PortState{
		"In progress": inProgress, "Completed": completed, "Expired": cancelled, "In review": pending,
		"Waiting for Signature": pending, "Action Required": denied, "Canceled": cancelled, "pending": pending,
		// the same words as an API may spell them
		"in-progress": inProgress, "IN_REVIEW": pending, "waiting_for_signature": pending,
	}},
	"generic": {"generic.json", map[string]monitor.PortState{
		"PENDING": pending, "APPROVED": approved, "IN_PROGRESS": inProgress, "COMPLETED": completed,
		"DENIED": denied, "CANCELLED": cancelled,
	}},
}

// Every documented status word, read from the documented response shape,
// maps to its state; and every word a preset maps is a documented one.
func TestPresetsMapEveryDocumentedStatus(t *testing.T) {
	for _, name := range PresetNames() {
		doc, ok := documented[name]
		if !ok {
			t.Fatalf("preset %s has no documented statuses in this test", name)
		}
		p, err := New(fast(t, name, "http://127.0.0.1:1"), Options{Requests: twoNumbers})
		if err != nil {
			t.Fatal(err)
		}
		for word, want := range doc.words {
			got, _, err := p.read([]byte(body(t, doc.file, word, "")))
			if err != nil || got != word {
				t.Errorf("%s: %q read as %q, %v", name, word, got, err)
				continue
			}
			if st, ok := p.spec.state(got); !ok || st != want {
				t.Errorf("%s: %q -> %q (known %v), want %q", name, word, st, ok, want)
			}
		}
		pr, _ := LookupPreset(name)
		for word := range pr.StatusMap {
			if _, ok := doc.words[word]; !ok {
				t.Errorf("%s maps %q, which is not documented", name, word)
			}
		}
	}
}

// Each preset, against a local server serving its documented shape at its
// documented path: the port goes pending → approved → completed and each
// number of the request gets one event per change, with its source, its
// request and (where the provider gives it) the activation time.
func TestEachPresetOverHTTP(t *testing.T) {
	const foc = "2026-11-24T02:23:41Z"
	focNs := time.Date(2026, 11, 24, 2, 23, 41, 0, time.UTC).UnixNano()
	cases := []struct {
		preset, base, wantPath string
		seq                    []string // status word of each answer; the last repeats
		hasFOC                 bool
	}{
		{"telnyx", "/v2", "/v2/porting_orders/PR-1", []string{"submitted", "foc-date-confirmed", "ported"}, true},
		{"bandwidth", "/api/accounts/9900000", "/api/accounts/9900000/portins/PR-1", []string{"SUBMITTED", "FOC", "COMPLETE"}, true},
		{"twilio", "/v1", "/v1/Porting/PortIn/PR-1", []string{"In review", "In progress", "Completed"}, false},
		{"generic", "", "/porting/status?request_id=PR-1", []string{"PENDING", "APPROVED", "COMPLETED"}, true},
	}
	for _, c := range cases {
		t.Run(c.preset, func(t *testing.T) {
			file := documented[c.preset].file
			srv := newCarrier(t, func(n int, w http.ResponseWriter, r *http.Request) {
				word := c.seq[min(n, len(c.seq)-1)]
				at := ""
				if word == c.seq[len(c.seq)-1] {
					at = foc
				}
				io.WriteString(w, body(t, file, word, at))
			})
			p, err := New(fast(t, c.preset, srv.srv.URL+c.base), Options{Requests: twoNumbers})
			if err != nil {
				t.Fatal(err)
			}
			var evs events
			run(t, p, &evs)
			lab.WaitFor(t, "the port to complete and three more polls", func() bool {
				return len(evs.all()) >= 4 && len(srv.requests()) >= len(c.seq)+3
			})
			got := evs.all()
			if len(got) != 4 {
				t.Fatalf("events = %d, want 4 (two changes for two numbers, no repeats): %+v", len(got), got)
			}
			want := []monitor.PortState{approved, approved, completed, completed}
			if c.preset == "twilio" {
				want = []monitor.PortState{inProgress, inProgress, completed, completed}
			}
			for i, ev := range got {
				pc := ev.Port
				if ev.Kind != monitor.KindPortState || ev.Source != monitor.SourcePorting || pc == nil || ev.Time == 0 {
					t.Fatalf("event %d = %+v", i, ev)
				}
				if pc.State != want[i] || pc.Number != twoNumbers[0].Numbers[i%2] || pc.Request != "PR-1" || pc.Backwards {
					t.Errorf("event %d = %+v, want %s for %s", i, *pc, want[i], twoNumbers[0].Numbers[i%2])
				}
			}
			if last := got[3].Port; c.hasFOC && last.Activation != focNs || !c.hasFOC && last.Activation != 0 {
				t.Errorf("activation = %d, want %d (given: %v)", last.Activation, focNs, c.hasFOC)
			}
			if first := got[0].Port; first.Previous != pending || first.Status != c.seq[1] {
				t.Errorf("first change = %+v", *first)
			}
			for _, r := range srv.requests() {
				if r.path != c.wantPath {
					t.Fatalf("request to %s, want %s", r.path, c.wantPath)
				}
			}
			if s := p.Stats(); s.Errors != 0 || s.Changes != 4 || s.State != "polling" {
				t.Errorf("stats = %+v", s)
			}
		})
	}
}

// Errors of every kind are counted, none stops the poller, and the change
// after them is still published.
func TestSurvivesErrors(t *testing.T) {
	huge := `{"status": "APPROVED", "pad": "` + strings.Repeat("x", 4096) + `"}`
	steps := []func(w http.ResponseWriter, r *http.Request){
		func(w http.ResponseWriter, r *http.Request) { http.Error(w, "upstream down", http.StatusBadGateway) },
		func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"status": "APPR`) },     // garbage
		func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `<html>maintenance`) },    // not JSON
		func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"state": "PENDING"}`) }, // no status at the path
		func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, huge) },                   // too large
		func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"status": "ON_HOLD"}`) },
		func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, // no answer: the timeout ends it
		func(w http.ResponseWriter, r *http.Request) {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close() // connection dropped mid-request
		},
		func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) },
	}
	srv := newCarrier(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n < len(steps) {
			steps[n](w, r)
			return
		}
		io.WriteString(w, body(t, "generic.json", "COMPLETED", "2026-11-24T02:23:41Z"))
	})
	spec := fast(t, "generic", srv.srv.URL)
	spec.Timeout, spec.MaxBody = 200*time.Millisecond, 1024
	p, err := New(spec, Options{Requests: twoNumbers})
	if err != nil {
		t.Fatal(err)
	}
	var evs events
	run(t, p, &evs)
	lab.WaitFor(t, "the completed change after the errors", func() bool { return len(evs.all()) == 2 })
	s := p.Stats()
	want := Stats{HTTPErrors: 2, BadBody: 4, Unmapped: 1, Timeouts: 1, Transport: 1, Errors: 9, Changes: 2}
	if s.HTTPErrors != want.HTTPErrors || s.BadBody != want.BadBody || s.Unmapped != want.Unmapped ||
		s.Timeouts != want.Timeouts || s.Transport != want.Transport || s.Errors != want.Errors || s.Changes != want.Changes {
		t.Errorf("stats = %+v\nwant    %+v", s, want)
	}
	if s.Polls < uint64(len(steps)+1) || s.LastError == "" {
		t.Errorf("polls %d, last error %q", s.Polls, s.LastError)
	}
	for _, ev := range evs.all() {
		if ev.Port.State != completed || ev.Port.Previous != pending {
			t.Errorf("event = %+v", *ev.Port)
		}
	}
}

// A 429 with Retry-After holds every request until then: the next request,
// of any port request, comes no earlier than it said.
func TestRetryAfterHoldsEveryRequest(t *testing.T) {
	srv := newCarrier(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, body(t, "generic.json", "PENDING", ""))
	})
	reqs := append([]Request{{ID: "PR-2", Numbers: []string{"+14155550200"}, States: []monitor.PortState{pending}}}, twoNumbers...)
	p, err := New(fast(t, "generic", srv.srv.URL), Options{Requests: reqs})
	if err != nil {
		t.Fatal(err)
	}
	var evs events
	run(t, p, &evs)
	lab.WaitFor(t, "a request after the 429", func() bool { return len(srv.requests()) >= 4 })
	rs := srv.requests()
	for _, r := range rs[2:] {
		if gap := r.at.Sub(rs[1].at); gap < time.Second {
			t.Errorf("%s came %s after the 429 that said Retry-After: 1", r.path, gap)
		}
	}
	if s := p.Stats(); s.Throttled != 1 || s.Errors != 1 {
		t.Errorf("stats = %+v", s)
	}
	if len(evs.all()) != 0 {
		t.Errorf("events = %+v, want none (the file already says pending)", evs.all())
	}
}

// A status that goes backwards is published flagged, with where it came
// from, and counted; going forward again is not flagged.
func TestBackwardsIsFlagged(t *testing.T) {
	seq := []string{"COMPLETED", "IN_PROGRESS", "COMPLETED"}
	srv := newCarrier(t, func(n int, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body(t, "generic.json", seq[min(n, len(seq)-1)], ""))
	})
	var logs syncWriter
	p, err := New(fast(t, "generic", srv.srv.URL), Options{Requests: twoNumbers[:1],
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var evs events
	run(t, p, &evs)
	lab.WaitFor(t, "three changes", func() bool { return len(evs.all()) >= 6 })
	got := evs.all()
	type step struct {
		prev, state monitor.PortState
		back        bool
	}
	want := []step{{pending, completed, false}, {completed, inProgress, true}, {inProgress, completed, false}}
	for i, w := range want {
		for j := range 2 {
			pc := got[2*i+j].Port
			if pc.Previous != w.prev || pc.State != w.state || pc.Backwards != w.back {
				t.Errorf("change %d (%s) = %+v, want %+v", i, pc.Number, *pc, w)
			}
		}
	}
	if s := p.Stats(); s.Backwards != 2 || s.Changes != 6 {
		t.Errorf("stats = %+v", s)
	}
	lab.WaitFor(t, "the log line", func() bool { return strings.Contains(logs.String(), "went backwards") })
}

// Secrets come from the environment, reach the carrier, and reach nothing
// recorded: not the events, not the stats; a redirect does not carry them
// to another host.
func TestNoCredentialReachesTheEvents(t *testing.T) {
	const token, key = "tok-9f8e7d6c5b4a", "key-0a1b2c3d4e5f"
	env := map[string]string{"CARRIER_TOKEN": token, "CARRIER_KEY": key}
	other := newCarrier(t, func(n int, w http.ResponseWriter, r *http.Request) {})
	authorised := 0
	seq := []string{token, "APPROVED", "COMPLETED"} // the first: a hostile answer echoing the token as its status
	srv := newCarrier(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token || r.Header.Get("X-Api-Key") != key {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		if n == 0 {
			http.Redirect(w, r, other.srv.URL+"/steal", http.StatusFound)
			return
		}
		authorised++
		word := seq[min(authorised-1, len(seq)-1)]
		fmt.Fprintf(w, `{"status": %q, "echo": %q, "activated_at": null}`, word, r.Header.Get("Authorization"))
	})
	spec := fast(t, "generic", srv.srv.URL)
	spec.BearerEnv, spec.SecretHeaders = "CARRIER_TOKEN", map[string]string{"X-Api-Key": "CARRIER_KEY"}
	p, err := New(spec, Options{Requests: twoNumbers, Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	var evs events
	run(t, p, &evs)
	lab.WaitFor(t, "the port to complete", func() bool { return len(evs.all()) == 4 })
	js, err := json.Marshal(evs.all())
	if err != nil {
		t.Fatal(err)
	}
	s := p.Stats()
	for _, secret := range []string{token, key} {
		if strings.Contains(string(js), secret) || strings.Contains(fmt.Sprint(s), secret) {
			t.Errorf("%s reached the events or the stats:\n%s\n%+v", secret, js, s)
		}
	}
	if s.Unmapped != 1 || s.HTTPErrors != 1 {
		t.Errorf("stats = %+v, want the echoed token unmapped and the redirect an HTTP error", s)
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("the redirect was followed to another host (%d requests)", n)
	}
}

func TestMissingSecretNamesItsVariable(t *testing.T) {
	spec := fast(t, "telnyx", "http://127.0.0.1:1")
	spec.BearerEnv = "TELNYX_API_KEY"
	_, err := New(spec, Options{Requests: twoNumbers, Getenv: noEnv})
	if err == nil || !strings.Contains(err.Error(), "TELNYX_API_KEY") {
		t.Fatalf("err = %v", err)
	}
}

func TestBackoff(t *testing.T) {
	p, err := New(fast(t, "generic", "http://127.0.0.1:1"), Options{Requests: twoNumbers})
	if err != nil {
		t.Fatal(err)
	}
	p.spec.Interval, p.spec.MaxBackoff = time.Second, 30*time.Second
	for _, c := range []struct {
		n        int
		jit      float64
		min, max time.Duration
	}{{1, 0, time.Second, time.Second}, {1, 0.999, time.Second, 2 * time.Second}, {2, 0, 2 * time.Second, 2 * time.Second},
		{3, 0.5, 6 * time.Second, 6 * time.Second}, {10, 0, 15 * time.Second, 15 * time.Second}, {100, 0.999, 29 * time.Second, 30 * time.Second}} {
		p.jitter = func() float64 { return c.jit }
		if d := p.backoff(c.n); d < c.min || d > c.max {
			t.Errorf("backoff(%d) with jitter %v = %s, want %s..%s", c.n, c.jit, d, c.min, c.max)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"120": 2 * time.Minute, "0": 0, "Tue, 24 Nov 2026 02:00:30 GMT": 30 * time.Second,
		"Tue, 24 Nov 2026 01:00:00 GMT": 0, "999999": MaxRetryAfter,
	} {
		if d, ok := parseRetryAfter(in, now); !ok || d != want {
			t.Errorf("%q -> %s %v, want %s", in, d, ok, want)
		}
	}
	for _, in := range []string{"", "soon", "-5"} {
		if _, ok := parseRetryAfter(in, now); ok {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestBackwards(t *testing.T) {
	for _, c := range []struct {
		prev, next monitor.PortState
		want       bool
	}{
		{completed, inProgress, true}, {completed, cancelled, true}, {approved, pending, true}, {inProgress, approved, true},
		{pending, completed, false}, {approved, denied, false}, {denied, pending, false}, {cancelled, inProgress, false},
		{completed, completed, false},
	} {
		if got := Backwards(c.prev, c.next); got != c.want {
			t.Errorf("%s -> %s: %v", c.prev, c.next, got)
		}
	}
}

func TestPath(t *testing.T) {
	doc := map[string]any{"data": []any{map[string]any{"attributes": map[string]any{"status": "ported", "n": json.Number("3")}}}}
	for path, want := range map[string]string{"data[0].attributes.status": "ported", "data[0].attributes.n": "3"} {
		p, err := ParsePath(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := p.lookup(doc); err != nil || got != want {
			t.Errorf("%s = %q, %v", path, got, err)
		}
	}
	for _, path := range []string{"data[1].attributes.status", "data.attributes", "data[0].attributes"} {
		p, _ := ParsePath(path)
		if got, err := p.lookup(doc); err == nil {
			t.Errorf("%s = %q, want an error", path, got)
		}
	}
	for _, bad := range []string{"", "a..b", "a.", ".a", "a[x]", "a[1", "a[-1]", "a]b", "a.[0]"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestRequestURLEscapes(t *testing.T) {
	s := Spec{URL: "https://api.example/porting/status?request_id=" + Placeholder}
	if got := s.requestURL("PR 1&x=2"); got != "https://api.example/porting/status?request_id=PR+1%26x%3D2" {
		t.Errorf("query: %s", got)
	}
	s.URL = "https://api.example/v2/porting_orders/" + Placeholder
	if got := s.requestURL("a/b"); got != "https://api.example/v2/porting_orders/a%2Fb" {
		t.Errorf("path: %s", got)
	}
}
