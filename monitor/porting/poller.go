package porting

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cutover/cutover/monitor"
)

// Request is one port request to poll: its id in cutover.toml and the
// numbers it moves, with the state the file gives each.
type Request struct {
	ID      string
	Numbers []string
	States  []monitor.PortState // same order as Numbers
}

// RequestsOf groups the file's numbers by port request, in file order;
// numbers without a port_request_id are not polled.
func RequestsOf(numbers []monitor.Number) []Request {
	var out []Request
	idx := map[string]int{}
	for _, n := range numbers {
		if n.PortRequestID == "" {
			continue
		}
		i, ok := idx[n.PortRequestID]
		if !ok {
			i = len(out)
			idx[n.PortRequestID] = i
			out = append(out, Request{ID: n.PortRequestID})
		}
		out[i].Numbers = append(out[i].Numbers, n.E164)
		out[i].States = append(out[i].States, n.PortState)
	}
	return out
}

// Options configures a Poller.
type Options struct {
	Requests []Request
	Logger   *slog.Logger
	Now      func() time.Time // event time of a change (default time.Now)
	// Getenv reads the secrets (default os.LookupEnv).
	Getenv func(string) (string, bool)
	// Jitter returns a number in [0, 1) (default math/rand/v2).
	Jitter func() float64
	// Transport carries the requests (default a clone of
	// http.DefaultTransport).
	Transport http.RoundTripper
}

// Poller polls each port request's status and publishes the changes.
type Poller struct {
	spec    Spec
	reqs    []Request
	urls    []string
	headers http.Header // secrets included: never logged, never recorded
	secrets []string    // to redact from errors
	client  *http.Client
	log     *slog.Logger
	now     func() time.Time
	jitter  func() float64

	// owned by Run
	last      [][]monitor.PortState // per request, per number
	failures  []int
	notBefore time.Time // a Retry-After holds every request until then

	st counters
}

type counters struct {
	polls, changes, backwards, dropped                            atomic.Uint64
	httpErrors, throttled, timeouts, transport, badBody, unmapped atomic.Uint64
	state                                                         atomic.Value // string
	mu                                                            sync.Mutex
	lastErr                                                       string
}

// New checks spec, reads its secrets from the environment and returns a
// poller for the requests. A secret that is not set is an error naming
// its variable.
func New(spec Spec, opts Options) (*Poller, error) {
	if err := spec.Check(); err != nil {
		return nil, fmt.Errorf("porting: %w", err)
	}
	spec.withDefaults()
	if len(opts.Requests) == 0 {
		return nil, fmt.Errorf("porting: no port request to poll (no number has a port_request_id)")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Getenv == nil {
		opts.Getenv = os.LookupEnv
	}
	if opts.Jitter == nil {
		opts.Jitter = rand.Float64
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	p := &Poller{spec: spec, reqs: opts.Requests, log: opts.Logger.With("source", "porting"), now: opts.Now, jitter: opts.Jitter}
	p.client = &http.Client{
		Transport: opts.Transport,
		// A redirect could carry the secret headers to another host: the
		// API's own answer is all we read.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	p.headers = http.Header{}
	for k, v := range spec.Headers {
		p.headers.Set(k, v)
	}
	secret := func(env, what string) (string, error) {
		v, ok := opts.Getenv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("porting: environment variable %s (%s) is not set", env, what)
		}
		p.secrets = append(p.secrets, v)
		return v, nil
	}
	for h, env := range spec.SecretHeaders {
		v, err := secret(env, "the porting API's "+h+" header")
		if err != nil {
			return nil, err
		}
		p.headers.Set(h, v)
	}
	switch {
	case spec.BearerEnv != "":
		v, err := secret(spec.BearerEnv, "the porting API's bearer token")
		if err != nil {
			return nil, err
		}
		p.headers.Set("Authorization", "Bearer "+v)
	case spec.BasicUserEnv != "":
		user, err := secret(spec.BasicUserEnv, "the porting API's user")
		if err != nil {
			return nil, err
		}
		pw, err := secret(spec.BasicPasswordEnv, "the porting API's password")
		if err != nil {
			return nil, err
		}
		r := &http.Request{Header: http.Header{}}
		r.SetBasicAuth(user, pw)
		p.headers.Set("Authorization", r.Header.Get("Authorization"))
	}
	for _, r := range p.reqs {
		id := r.ID
		if carrier, ok := spec.IDs[id]; ok {
			id = carrier
		}
		p.urls = append(p.urls, spec.requestURL(id))
		p.last = append(p.last, append([]monitor.PortState(nil), r.States...))
	}
	p.failures = make([]int, len(p.reqs))
	p.st.state.Store("starting")
	return p, nil
}

// Stats describe the poller for the screen's header.
type Stats struct {
	Name     string // "porting telnyx, 3 requests"
	State    string // starting, polling, retrying, throttled, stopped
	Requests int
	Polls    uint64 // HTTP requests sent
	// Errors is every poll that told us nothing: the sum of the kinds below.
	Errors     uint64
	HTTPErrors uint64 // an answer other than 2xx (429 excepted), 5xx among them
	Throttled  uint64 // 429 Too Many Requests
	Timeouts   uint64 // no whole answer within the timeout
	Transport  uint64 // connection refused, reset, DNS
	BadBody    uint64 // too large, not JSON/XML, no status where the path says
	Unmapped   uint64 // a status word the map does not know
	Changes    uint64 // port-state events published
	Backwards  uint64 // of which flagged backwards
	Dropped    uint64 // changes the pipeline refused (published again on the next poll)
	LastError  string
}

// Stats returns the counters.
func (p *Poller) Stats() Stats {
	s := Stats{
		Requests: len(p.reqs), Polls: p.st.polls.Load(),
		HTTPErrors: p.st.httpErrors.Load(), Throttled: p.st.throttled.Load(), Timeouts: p.st.timeouts.Load(),
		Transport: p.st.transport.Load(), BadBody: p.st.badBody.Load(), Unmapped: p.st.unmapped.Load(),
		Changes: p.st.changes.Load(), Backwards: p.st.backwards.Load(), Dropped: p.st.dropped.Load(),
	}
	s.Errors = s.HTTPErrors + s.Throttled + s.Timeouts + s.Transport + s.BadBody + s.Unmapped
	s.Name = fmt.Sprintf("porting %s, %d request(s)", cmp.Or(p.spec.Preset, "custom"), len(p.reqs))
	s.State, _ = p.st.state.Load().(string)
	p.st.mu.Lock()
	s.LastError = p.st.lastErr
	p.st.mu.Unlock()
	return s
}

// Run polls until ctx ends. Each request is polled every Interval; after
// a failed poll it waits longer (exponential with jitter, up to
// MaxBackoff), and a Retry-After on 429 or 503 holds every request until
// then. Only changes are published: the first poll of a request reports
// what differs from the file.
func (p *Poller) Run(ctx context.Context, publish func(monitor.Event) bool) error {
	p.st.state.Store("polling")
	defer p.st.state.Store("stopped")
	next := make([]time.Time, len(p.reqs)) // zero: due now
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		i := 0
		for j := range next {
			if next[j].Before(next[i]) {
				i = j
			}
		}
		at := next[i]
		if p.notBefore.After(at) {
			at = p.notBefore
		}
		if wait := time.Until(at); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return nil
			case <-timer.C:
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		err := p.poll(ctx, i, publish)
		now := time.Now()
		if err == nil {
			p.failures[i] = 0
			next[i] = now.Add(p.spec.Interval)
			if p.notBefore.Before(now) {
				p.st.state.Store("polling")
			}
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		p.failures[i]++
		next[i] = now.Add(p.backoff(p.failures[i]))
		var ra retryAfter
		if errors.As(err, &ra) {
			if until := now.Add(ra.d); until.After(p.notBefore) {
				p.notBefore = until
			}
			p.st.state.Store("throttled")
		} else {
			p.st.state.Store("retrying")
		}
		msg := p.redact(err.Error())
		p.st.mu.Lock()
		p.st.lastErr = msg
		p.st.mu.Unlock()
		p.log.Warn("porting poll failed", "request", p.reqs[i].ID, "err", msg, "failures", p.failures[i], "next", next[i].Sub(now).Round(time.Millisecond))
	}
}

// backoff is the pause after n consecutive failures: Interval·2ⁿ capped at
// MaxBackoff, drawn uniformly from its upper half, so never shorter than
// Interval.
func (p *Poller) backoff(n int) time.Duration {
	d := p.spec.MaxBackoff
	if n < 30 {
		if e := p.spec.Interval << n; e > 0 && e < d {
			d = e
		}
	}
	return d/2 + time.Duration(p.jitter()*float64(d/2))
}

// poll asks for request i once and publishes what changed.
func (p *Poller) poll(ctx context.Context, i int, publish func(monitor.Event) bool) error {
	p.st.polls.Add(1)
	body, err := p.fetch(ctx, i)
	if err != nil {
		return err
	}
	word, activation, err := p.read(body)
	if err != nil {
		p.st.badBody.Add(1)
		return err
	}
	state, ok := p.spec.state(word)
	if !ok {
		p.st.unmapped.Add(1)
		return fmt.Errorf("status %q is not in the status map", clip(word))
	}
	p.changed(i, word, state, activation, publish)
	return nil
}
