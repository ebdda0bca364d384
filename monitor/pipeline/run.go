package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/cutover/cutover/monitor"
)

// Run folds and records events until Close has been called and the queue is
// empty, or ctx ends. It returns the recorder's error, if any: a recording
// that cannot be written is reported, and folding goes on meanwhile so the
// screen stays live.
func (p *Pipeline) Run(ctx context.Context) error {
	tick := time.NewTicker(p.opts.SnapshotEvery)
	defer tick.Stop()
	r := runner{p: p, batch: make([]monitor.Event, 0, p.opts.BatchSize), lastTick: time.Now()}
	r.chain.Every = p.opts.CheckpointFull
	for {
		select {
		case it := <-r.p.prio:
			r.foldPrio(it)
			r.drainQueued()
			r.flushBatch()
			p.signalRoom()
		case ev := <-r.p.q:
			r.drainPrio() // an operator's event goes ahead of this one too
			r.fold(ev)
			r.drainQueued()
			r.flushBatch()
			p.signalRoom()
		case <-tick.C:
			r.snapshot()
		case req := <-p.swap:
			r.replace(req)
		case <-p.done:
			for len(p.prio) > 0 || len(p.q) > 0 {
				r.drainPrio()
				if len(p.q) > 0 {
					r.fold(<-p.q)
				}
				r.maybeFlush()
			}
			return r.finish()
		case <-ctx.Done():
			r.drainQueued()
			if err := r.finish(); err != nil {
				return err
			}
			return ctx.Err()
		}
	}
}

type runner struct {
	p          *Pipeline
	batch      []monitor.Event
	waiting    []waiter // priority events in batch, told their seq when it is appended
	sinceCkpt  int
	lastCkptTs int64
	// lastCkptWall is when the last checkpoint was taken, on the wall clock.
	lastCkptWall time.Time
	// chain encodes the checkpoints, full or as deltas, on the fold's
	// goroutine.
	chain     monitor.CheckpointChain
	lastTick  time.Time
	lastApply uint64
	lastSnap  time.Time // when the last snapshot was taken
	// snapApplied is how many events had been folded at the last snapshot.
	snapApplied uint64
	fresh       bool // the state was replaced: snapshot even if nothing was folded
}

// waiter is a priority event's place in the batch and whom to tell its seq.
type waiter struct {
	idx   int
	reply chan ticket
}

// drainQueued folds whatever is already queued, up to one batch, without
// waiting: the priority lane first, every time.
func (r *runner) drainQueued() {
	for len(r.batch) < r.p.opts.BatchSize {
		select {
		case it := <-r.p.prio:
			r.foldPrio(it)
			continue
		default:
		}
		select {
		case it := <-r.p.prio:
			r.foldPrio(it)
		case ev := <-r.p.q:
			r.fold(ev)
		default:
			return
		}
	}
}

// drainPrio folds what the priority lane holds now.
func (r *runner) drainPrio() {
	for {
		select {
		case it := <-r.p.prio:
			r.foldPrio(it)
		default:
			return
		}
	}
}

// foldPrio folds an operator's event; its seq is told once the batch
// holding it is appended (no recorder: at once).
func (r *runner) foldPrio(it prioItem) {
	idx := len(r.batch)
	r.fold(it.ev)
	if r.p.opts.Recorder == nil {
		it.reply <- ticket{}
		return
	}
	r.waiting = append(r.waiting, waiter{idx: idx, reply: it.reply})
}

func (r *runner) fold(ev monitor.Event) {
	decodeSIP(&ev) // the priority lane's, or a message published before its source parsed
	st := r.p.state
	st.Apply(ev)
	r.p.applied.Add(1)
	if r.p.opts.Recorder != nil {
		r.batch = append(r.batch, ev)
		r.batch = st.Drain(r.batch)
	} else {
		st.Drain(nil)
	}
	r.sinceCkpt++
	r.maybeCheckpoint(st.Now()) // the fold's clock: a quarantined event's time is not
}

func (r *runner) maybeFlush() {
	if len(r.batch) >= r.p.opts.BatchSize {
		r.flushBatch()
	}
}

// flushBatch hands the batch to the recorder (which may block: back-pressure)
// and tells the priority events in it their seq. A batch the recorder
// refuses is lost (the recorder counts it); its Status says why.
func (r *runner) flushBatch() {
	if len(r.batch) == 0 || r.p.opts.Recorder == nil {
		return
	}
	rec, n := r.p.opts.Recorder, len(r.batch)
	err := rec.Append(r.batch)
	r.p.handed.Add(uint64(n))
	var first int64
	if err == nil {
		first = rec.LastSeq() - int64(n) + 1
	}
	for _, w := range r.waiting {
		if err != nil {
			w.reply <- ticket{err: err}
		} else {
			w.reply <- ticket{seq: first + int64(w.idx)}
		}
	}
	r.waiting = r.waiting[:0]
	r.batch = make([]monitor.Event, 0, r.p.opts.BatchSize)
}

func (r *runner) maybeCheckpoint(ts int64) {
	o := r.p.opts
	if o.Recorder == nil || o.CheckpointEvery < 0 {
		return
	}
	if r.lastCkptTs == 0 {
		r.lastCkptTs = ts
	}
	spanned := ts-r.lastCkptTs >= int64(o.CheckpointSpan)
	if !spanned && (r.sinceCkpt < o.CheckpointEvery || time.Since(r.lastCkptWall) < o.CheckpointGap) {
		return
	}
	r.lastCkptWall = time.Now()
	r.checkpoint(ts)
}

// checkpoint records the fold as it is now: the fold's goroutine encodes
// the live fold (the chain keeps the last encoding, not a fold) and hands
// the bytes to the recorder, after the events folded into them. It used to
// copy the fold and have the recorder encode the copy: one copy of the
// whole fold (tens of MB with 10,000 numbers) made and dropped at every
// checkpoint, and two alive when one waited for the recorder, which kept
// the heap of a long night at its limit (issue 18). The fold stalls for the
// encode; the queue absorbs it.
func (r *runner) checkpoint(ts int64) {
	r.flushBatch() // the checkpoint must follow the events folded into it
	st := r.p.state
	blob, err := r.chain.Encode(st)
	if err != nil {
		r.setErr(fmt.Errorf("checkpoint: %w", err))
	} else if err := r.p.opts.Recorder.CheckpointFunc(st.Now(), func() []byte { return blob }); err != nil {
		r.setErr(fmt.Errorf("checkpoint: %w", err))
	}
	r.sinceCkpt, r.lastCkptTs = 0, ts
	r.p.mu.Lock()
	r.p.stats.Checkpoint = st.Now()
	r.p.mu.Unlock()
}

func (r *runner) setErr(err error) {
	r.p.mu.Lock()
	if r.p.storeErr == nil {
		r.p.storeErr = err
		r.p.opts.Logger.Error("recording failed", "err", err)
	}
	r.p.mu.Unlock()
}

// replace drops what is queued and folds into req.st from now on.
func (r *runner) replace(req swapReq) {
	for len(r.p.q) > 0 {
		<-r.p.q
	}
	r.flushBatch()
	r.p.state = req.st
	r.fresh = true
	r.snapshot()
	r.p.signalRoom() // the queue is empty: a source waiting for room goes on
	close(req.taken)
}

// snapshot publishes a fresh copy of the fold for the screen, when
// someone asked for one since the last (Latest), or the last is older than
// SnapshotIdle; a replaced state, or the end, takes one whatever.
func (r *runner) snapshot() {
	now := time.Now()
	applied := r.p.applied.Load()
	rate := float64(applied-r.lastApply) / now.Sub(r.lastTick).Seconds()
	r.lastTick, r.lastApply = now, applied
	defer r.p.ticks.Add(1)
	wanted := r.p.wanted.Swap(false)
	stale := now.Sub(r.lastSnap) >= r.p.opts.SnapshotIdle
	r.p.mu.Lock()
	r.p.stats.EventsPerSec = rate
	keep := r.p.snap != nil && !r.fresh && (r.snapApplied == applied || !(wanted || stale))
	r.p.mu.Unlock()
	if keep {
		return
	}
	r.take(now)
}

// take publishes a fresh snapshot now.
func (r *runner) take(now time.Time) {
	snap := r.p.state.Snapshot()
	r.fresh, r.lastSnap, r.snapApplied = false, now, r.p.applied.Load()
	r.p.mu.Lock()
	r.p.snap = snap
	r.p.stats.Snapshots++
	r.p.mu.Unlock()
}

func (r *runner) finish() error {
	// A last checkpoint at the end of the recording: seeking to the end
	// (the most common seek, G) then folds nothing forward.
	if r.p.opts.Recorder != nil && r.p.opts.CheckpointEvery >= 0 && r.sinceCkpt > 0 {
		r.checkpoint(r.p.state.Now())
	}
	r.flushBatch()
	var recErr error
	if rec := r.p.opts.Recorder; rec != nil {
		recErr = rec.Flush() // nil once everything is committed
	}
	r.take(time.Now()) // the fold's last snapshot, asked for or not
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	return cmp.Or(recErr, r.p.storeErr)
}
