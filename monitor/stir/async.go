package stir

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cutover/cutover/monitor"
)

// AsyncOptions configure an Async.
type AsyncOptions struct {
	// Workers is how many requests wait for certificates at once (default 4).
	Workers int
	// Queue is how many requests may wait for a worker (default 256). When
	// it is full a request is not verified: its verdict is
	// monitor.StirOverloaded, counted, and ingest does not wait.
	Queue int
	// Deliver receives each late verdict as a KindStirVerdict event. It is
	// called on a worker, never on the ingest path, and may wait for room.
	Deliver func(monitor.Event)
}

// Async is the ingest stage for live sources: it verifies a request at
// once when every certificate it needs is at hand (cached, in memory or
// in the local directory) and otherwise hands it to a bounded pool of
// workers, so that ingest never waits for a certificate fetch. The event
// then carries a pending verdict with a Ref, and the verdict follows as
// its own event (monitor.LateVerdict), delivered when the fetch is done
// or has timed out.
type Async struct {
	v    *Verifier
	o    AsyncOptions
	jobs chan asyncJob

	ctx  context.Context // cancelled when Close has waited long enough
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu     sync.RWMutex // held for writing only by Close, which closes jobs
	closed bool

	ref                                     atomic.Uint64
	inline, deferred, overloaded, delivered atomic.Uint64
}

type asyncJob struct {
	ref  uint64
	req  *Request
	time int64 // the request's event time
}

// AsyncStats count what an Async did with the requests it was given.
type AsyncStats struct {
	Inline     uint64 // verified at once: every certificate was at hand
	Deferred   uint64 // handed to the workers: a certificate had to be fetched
	Overloaded uint64 // not verified: the queue was full
	Delivered  uint64 // late verdicts delivered
	Queued     int    // waiting for a worker now
}

// Async starts the workers of an Async stage on v. Close stops them.
func (v *Verifier) Async(o AsyncOptions) *Async {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Queue <= 0 {
		o.Queue = 256
	}
	if o.Deliver == nil {
		o.Deliver = func(monitor.Event) {}
	}
	a := &Async{v: v, o: o, jobs: make(chan asyncJob, o.Queue)}
	a.ctx, a.stop = context.WithCancel(context.Background())
	// Refs name verdicts within a recording; starting from the wall clock
	// keeps those of two runs into one file apart.
	a.ref.Store(uint64(time.Now().UnixNano()))
	a.wg.Add(o.Workers)
	for range o.Workers {
		go a.work()
	}
	return a
}

// Annotate sets ev.SIP.Stir on an initial INVITE without waiting for the
// network: the verdict when every certificate is at hand, else a pending
// verdict whose outcome a worker delivers later (or StirOverloaded when
// the queue is full). It reports whether it set a verdict; it leaves the
// same events alone as Verifier.Annotate.
func (a *Async) Annotate(ev *monitor.Event) bool {
	if ev.Kind != monitor.KindSIP || ev.SIP == nil || ev.SIP.Stir != nil || !bytes.HasPrefix(ev.SIP.Raw, []byte("INVITE ")) {
		return false
	}
	req, err := ParseRequest(ev.SIP.Raw)
	if err != nil || req.InDialog {
		return false
	}
	if vd, ok := a.v.VerifyNow(req, ev.At()); ok {
		a.inline.Add(1)
		ev.SIP.Stir = vd.Monitor()
		return true
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	if !a.closed {
		j := asyncJob{ref: a.ref.Add(1), req: req, time: ev.Time}
		select {
		case a.jobs <- j:
			a.deferred.Add(1)
			ev.SIP.Stir = &monitor.StirVerdict{Result: monitor.StirPending, Ref: j.ref}
			return true
		default:
		}
	}
	a.overloaded.Add(1)
	ev.SIP.Stir = &monitor.StirVerdict{Result: monitor.StirOverloaded}
	return true
}

// work verifies queued requests: their certificates fetched all at once
// within the verifier's Timeout, then the checks, then the verdict
// delivered as an event at the request's own event time.
func (a *Async) work() {
	defer a.wg.Done()
	for j := range a.jobs {
		ctx, cancel := context.WithTimeout(a.ctx, a.v.o.Timeout)
		a.v.prefetch(ctx, j.req)
		vd := a.v.Verify(ctx, j.req, time.Unix(0, j.time))
		cancel()
		a.o.Deliver(monitor.Event{Time: j.time, Kind: monitor.KindStirVerdict, Source: monitor.SourceStir,
			Verdict: &monitor.LateVerdict{Ref: j.ref, CallID: j.req.CallID, Verdict: *vd.Monitor()}})
		a.delivered.Add(1)
	}
}

// Close stops taking requests (later ones are StirOverloaded) and returns
// once every request already taken has its verdict delivered. It gives the
// fetches under way up to grace to finish; then it cancels them, and the
// requests still waiting get cert-unavailable verdicts at once.
func (a *Async) Close(grace time.Duration) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.closed = true
	close(a.jobs)
	a.mu.Unlock()
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		a.stop()
		<-done
	}
	a.stop()
}

// Stats returns the counters.
func (a *Async) Stats() AsyncStats {
	return AsyncStats{Inline: a.inline.Load(), Deferred: a.deferred.Load(), Overloaded: a.overloaded.Load(),
		Delivered: a.delivered.Load(), Queued: len(a.jobs)}
}
