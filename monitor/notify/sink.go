package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Stats are one receiver's counts, for the screen's health line and the
// summary at exit.
type Stats struct {
	Name      string
	State     string // running (delivering or idle), retrying (its last attempt failed)
	Delivered uint64 // alert changes the receiver accepted
	Resent    uint64 // open alerts re-posted (Alertmanager)
	Posts     uint64 // requests it accepted
	Failures  uint64 // requests that failed (each retry counts)
	Dropped   uint64 // alert changes lost: the queue was full (oldest first), or the receiver refused them (4xx)
	Queued    int    // alert changes waiting now
	LastErr   string
}

// sink is one receiver: its bounded queue and its delivery state.
type sink struct {
	n      *Notifier
	name   string
	url    string
	body   func([]Alert, time.Time, time.Duration) ([]byte, error)
	resend bool // Alertmanager: re-post the open alerts every Spec.Resend
	wake   chan struct{}

	mu         sync.Mutex
	q          []queued
	seq        uint64
	st         Stats
	backoff    time.Duration
	nextTry    time.Time
	lastResend time.Time
	downSince  time.Time // the first failure of the current outage (zero: up)
}

type queued struct {
	seq uint64
	a   Alert
}

// push queues a; when the queue is full its oldest change is dropped:
// the newest change of an alert is its state now, and an open alert
// whose opening was dropped is re-posted to Alertmanager anyway.
func (s *sink) push(a Alert) {
	s.mu.Lock()
	s.seq++
	s.q = append(s.q, queued{seq: s.seq, a: a})
	if over := len(s.q) - s.n.o.Spec.Queue; over > 0 {
		s.q = append(s.q[:0], s.q[over:]...)
		s.st.Dropped += uint64(over)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *sink) stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.Queued = len(s.q)
	return st
}

// idle is how long a receiver with nothing to do waits for a wake-up.
const idle = time.Hour

func (s *sink) run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		t.Reset(s.step(ctx, s.n.o.Now()))
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// step makes at most one delivery attempt at now (when one is due) and
// says how long until the next one may be due. It is the whole of the
// delivery logic: Run calls it on the wall clock, tests on their own.
func (s *sink) step(ctx context.Context, now time.Time) time.Duration {
	s.mu.Lock()
	if now.Before(s.nextTry) {
		defer s.mu.Unlock()
		return s.nextTry.Sub(now)
	}
	batch, last, resend := s.batch(now)
	s.mu.Unlock()
	if len(batch) == 0 {
		return s.untilResend(now)
	}
	err := s.post(ctx, batch, now)
	if ctx.Err() != nil {
		return idle
	}
	s.mu.Lock()
	note := s.settle(err, now, len(batch), last, resend)
	wait := max(s.nextTry.Sub(now), 0)
	s.mu.Unlock()
	if note != "" && s.n.o.Record != nil {
		s.n.o.Record(note)
	}
	return wait
}

// batch is what to send now: the queue's head, else (Alertmanager) the
// open alerts when a re-post is due. last is the head's last seq.
func (s *sink) batch(now time.Time) (batch []Alert, last uint64, resend bool) {
	for _, q := range s.q[:min(len(s.q), batchMax)] {
		batch = append(batch, q.a)
		last = q.seq
	}
	if s.lastResend.IsZero() {
		s.lastResend = now // the re-posts' clock starts with the first delivery
	}
	if len(batch) == 0 && s.resend && now.Sub(s.lastResend) >= s.n.o.Spec.Resend {
		s.lastResend = now
		return s.n.open(), 0, true
	}
	return batch, last, false
}

func (s *sink) untilResend(now time.Time) time.Duration {
	if !s.resend {
		return idle
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(s.lastResend.Add(s.n.o.Spec.Resend).Sub(now), 0)
}

// settle counts an attempt's outcome; a failure backs off (1 s, doubling,
// up to Spec.MaxBackoff). It returns a note for the recording when the
// receiver's health changes.
func (s *sink) settle(err error, now time.Time, n int, last uint64, resend bool) (note string) {
	var refused *refusal
	switch {
	case err == nil || errors.As(err, &refused):
		for len(s.q) > 0 && s.q[0].seq <= last {
			s.q = s.q[1:]
		}
		if err != nil { // the receiver will never take these: drop, do not retry
			s.st.Failures++
			s.st.Dropped += uint64(n)
			s.st.LastErr = err.Error()
			s.n.o.Logger.Warn("alerts refused", "receiver", s.name, "alerts", n, "err", err)
			return ""
		}
		s.st.Posts++
		if resend {
			s.st.Resent += uint64(n)
		} else {
			s.st.Delivered += uint64(n)
		}
		s.n.o.Logger.Info("alerts delivered", "receiver", s.name, "alerts", n, "resend", resend)
		if !s.downSince.IsZero() {
			note = fmt.Sprintf("alerts to %s delivered again after %s down (%d failed attempts, %d alert changes dropped so far)",
				s.name, now.Sub(s.downSince).Round(time.Second), s.st.Failures, s.st.Dropped)
		}
		s.st.State, s.backoff, s.downSince, s.nextTry = "running", 0, time.Time{}, now
		return note
	}
	s.st.Failures++
	s.st.LastErr = err.Error()
	s.backoff = min(max(firstBackoff, 2*s.backoff), s.n.o.Spec.MaxBackoff)
	s.nextTry = now.Add(s.backoff)
	if resend {
		s.lastResend = now.Add(-s.n.o.Spec.Resend) // re-post as soon as it is back
	}
	s.n.o.Logger.Warn("alerts not delivered", "receiver", s.name, "alerts", n, "retry_in", s.backoff, "err", err)
	if s.downSince.IsZero() {
		s.downSince = now
		note = fmt.Sprintf("alerts to %s failing (%v): retrying with backoff, %d queued", s.name, err, len(s.q))
	}
	s.st.State = "retrying"
	return note
}

// refusal is a receiver's 4xx answer (but 408 and 429): sending the same
// again will not help.
type refusal struct{ status string }

func (r *refusal) Error() string { return "refused: " + r.status }

// post sends batch; an error when the receiver did not take it.
func (s *sink) post(ctx context.Context, batch []Alert, now time.Time) error {
	body, err := s.body(batch, now, s.n.o.Spec.Resend)
	if err != nil {
		return &refusal{status: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, s.n.o.Spec.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return &refusal{status: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.n.o.Client.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error } // drop the URL from the error: a webhook's URL is its secret
		if errors.As(err, &ue) && ue.Unwrap() != nil {
			err = ue.Unwrap()
		}
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests:
		return &refusal{status: resp.Status}
	default:
		return fmt.Errorf("%s", resp.Status)
	}
}
