package porting

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

// body is a documented example response with its status (and FOC) in place.
func body(t *testing.T, file, status, foc string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(data), "@STATUS@", status)
	if strings.HasSuffix(file, ".json") {
		if foc == "" {
			foc = "null"
		} else {
			foc = `"` + foc + `"`
		}
	}
	return strings.ReplaceAll(s, "@FOC@", foc)
}

// seen is one request the fake carrier received.
type seen struct {
	at   time.Time
	path string // path and query
	hdr  http.Header
}

// carrier is a fake porting API on 127.0.0.1: answer decides each reply
// from the number of requests before it.
type carrier struct {
	srv    *httptest.Server
	mu     sync.Mutex
	seen   []seen
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

func newCarrier(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *carrier {
	t.Helper()
	c := &carrier{answer: answer}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		n := len(c.seen)
		c.seen = append(c.seen, seen{at: time.Now(), path: r.URL.RequestURI(), hdr: r.Header.Clone()})
		c.mu.Unlock()
		c.answer(n, w, r)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *carrier) requests() []seen {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]seen(nil), c.seen...)
}

// events collects what a poller publishes.
type events struct {
	mu  sync.Mutex
	evs []monitor.Event
}

func (e *events) publish(ev monitor.Event) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.evs = append(e.evs, ev)
	return true
}

func (e *events) all() []monitor.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]monitor.Event(nil), e.evs...)
}

// run starts p until the test ends.
func run(t *testing.T, p *Poller, evs *events) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, evs.publish) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// fast is a preset's spec against base with test-sized timings.
func fast(t *testing.T, preset, base string) Spec {
	t.Helper()
	pr, ok := LookupPreset(preset)
	if !ok {
		t.Fatalf("no preset %q", preset)
	}
	st, err := ParsePath(pr.Status)
	if err != nil {
		t.Fatal(err)
	}
	s := Spec{Preset: preset, URL: base + pr.Path, Format: pr.Format, Headers: pr.Headers, Status: st, StatusMap: pr.StatusMap,
		Interval: 2 * time.Millisecond, MaxBackoff: 10 * time.Millisecond, Timeout: 2 * time.Second}
	if pr.Activation != "" {
		if s.Activation, err = ParsePath(pr.Activation); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func noEnv(string) (string, bool) { return "", false }

// twoNumbers is one port request moving two numbers, pending in the file.
var twoNumbers = []Request{{ID: "PR-1", Numbers: []string{"+14155550101", "+14155550102"},
	States: []monitor.PortState{monitor.PortPending, monitor.PortPending}}}

// syncWriter lets a test read what the poller's goroutine logs.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
