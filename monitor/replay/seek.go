// Package replay rebuilds the fold of a recording at any event time: it
// restores the latest checkpoint at or before the target and folds forward
// from there, so a seek costs at most one checkpoint interval of events
// (the recorder checkpoints every 10,000 events or 5 min of event time).
package replay

import (
	"context"
	"errors"
	"fmt"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

// Source is what a seek reads from a recording. store.Reader implements it.
type Source interface {
	CheckpointAtOrBefore(tsNs int64) (seq, ts int64, state []byte, ok bool, err error)
	Events(ctx context.Context, afterSeq int64, fn func(seq int64, ev monitor.Event) error) error
}

// Position is where a rebuilt fold stands in the recording: every event up
// to and including Seq has been folded (or skipped, for derived events).
type Position struct {
	Seq  int64
	Time int64 // the fold's event clock
	// Skipped says which checkpoints a restore passed over, and why (a
	// damaged delta, a delta whose base is missing): nil when none.
	Skipped error
}

// errStop ends an Events iteration once the target is reached.
var errStop = errors.New("replay: target reached")

// Fold applies one recorded event the way the live pipeline did: SIP is
// decoded again (Info is never stored) and derived events (alerts, action
// verification steps) are not applied, since the fold derives them itself.
// It reports whether ev was folded.
func Fold(st *monitor.State, ev monitor.Event) bool {
	if monitor.Derived(ev) {
		return false
	}
	if ev.Kind == monitor.KindSIP && ev.SIP != nil && ev.SIP.Info == nil {
		_ = ev.SIP.Decode(sipparse.Parse) // malformed messages fold as malformed, as live
	}
	st.Apply(ev)
	st.Drain(nil)
	return true
}

// Seek returns the fold as it was after the last event at or before event
// time t, and where that is. cfg builds the empty fold when the recording
// has no checkpoint early enough.
//
// The events to fold forward are read and their SIP decoded on two
// goroutines of their own while the checkpoint is restored, so that a
// seek costs about the longer of the two, plus the fold.
func Seek(ctx context.Context, src Source, cfg monitor.Config, t int64) (*monitor.State, Position, error) {
	// A quarantined event's time is not trusted: it is folded (counted)
	// where it stands in the recording, never a reason to stop.
	keep := func(_ int64, ev monitor.Event) bool { return ev.Time <= t || ev.Quarantined }
	ck := latest(src, t)
	next := readAhead(ctx, src, ck.seq, keep, seekDepth)
	st, pos, err := restoreFrom(src, cfg, ck)
	if err != nil || pos.Seq != ck.seq { // a damaged delta was passed over: read from where the fold is
		next.stop()
		if err != nil {
			return nil, pos, err
		}
		next = readAhead(ctx, src, pos.Seq, keep, seekDepth)
	}
	pos, err = next.fold(st, pos)
	return st, pos, err
}

// checkpoint is one read of Source.CheckpointAtOrBefore.
type checkpoint struct {
	seq, ts int64
	blob    []byte
	ok      bool
	err     error
}

func latest(src Source, t int64) (c checkpoint) {
	c.seq, c.ts, c.blob, c.ok, c.err = src.CheckpointAtOrBefore(t)
	return c
}

// Restore returns the fold of the recording's latest usable checkpoint at
// or before event time t (an empty fold made with cfg when there is none),
// and where it stands. A full checkpoint restores alone; a delta with the
// chain of checkpoints back to a full one. A delta that does not restore
// (damaged, or a checkpoint in its chain missing or damaged) is passed
// over for an earlier checkpoint, so a seek folds forward further but
// never shows another fold; Position.Skipped says why. A damaged full
// checkpoint is an error, as it always was.
func Restore(src Source, cfg monitor.Config, t int64) (*monitor.State, Position, error) {
	return restoreFrom(src, cfg, latest(src, t))
}

// restoreFrom is Restore from ck, the latest checkpoint at or before t.
func restoreFrom(src Source, cfg monitor.Config, ck checkpoint) (*monitor.State, Position, error) {
	var skipped error
	for {
		if ck.err != nil || !ck.ok {
			return monitor.NewState(cfg), Position{Skipped: skipped}, ck.err
		}
		enc, before, err := rebuild(src, ck.seq, ck.ts, ck.blob)
		if err != nil {
			if !errors.Is(err, monitor.ErrCorruptDelta) {
				return nil, Position{}, err
			}
			skipped = errors.Join(skipped, err)
			ck = latest(src, before)
			continue
		}
		st, err := monitor.RestoreState(cfg, enc)
		if err != nil {
			return nil, Position{}, fmt.Errorf("checkpoint at seq %d: %w", ck.seq, err)
		}
		return st, Position{Seq: ck.seq, Time: ck.ts, Skipped: skipped}, nil
	}
}

// link is a checkpoint delta of a chain.
type link struct {
	seq, ts int64
	blob    []byte
}

// rebuild returns the full encoding a checkpoint rebuilds: itself when it
// is full, else its chain of deltas applied to the full checkpoint the
// chain starts at. When a delta of the chain does not apply, the error
// names it and before is an event time to look for a checkpoint at or
// before instead: one before that delta, or before its missing base.
func rebuild(src Source, seq, ts int64, blob []byte) (enc []byte, before int64, err error) {
	var chain []link
	for {
		baseTs, isDelta := monitor.CheckpointDeltaBase(blob)
		if !isDelta {
			break
		}
		chain = append(chain, link{seq, ts, blob})
		bseq, bts, base, ok, err := src.CheckpointAtOrBefore(baseTs)
		if err != nil {
			return nil, 0, err
		}
		if !ok || bts != baseTs || len(chain) > maxChain {
			return nil, baseTs - 1, fmt.Errorf("checkpoint delta at seq %d: %w: its base at %d is missing", seq, monitor.ErrCorruptDelta, baseTs)
		}
		seq, ts, blob = bseq, bts, base
	}
	enc, fullTs := blob, ts
	var spare []byte // two buffers: each delta rebuilds into the one its base is not in
	for i := len(chain) - 1; i >= 0; i-- {
		next, err := monitor.AppendCheckpointDelta(spare, enc, chain[i].blob)
		if i < len(chain)-1 {
			spare = enc
		}
		enc = next
		if err != nil {
			before = chain[i].ts - 1
			if errors.Is(err, monitor.ErrBaseMismatch) { // its base is damaged: before that
				before = fullTs - 1
				if i+1 < len(chain) {
					before = chain[i+1].ts - 1
				}
			}
			return nil, before, fmt.Errorf("checkpoint delta at seq %d: %w", chain[i].seq, err)
		}
	}
	return enc, 0, nil
}

// maxChain bounds the deltas a restore follows (the recorder writes a full
// checkpoint every pipeline.Options.CheckpointFull).
const maxChain = 1024

// Forward folds the events after pos into st while keep says so, and
// returns the new position. The first event keep refuses is not folded.
// keep must depend on its arguments only: the reading goroutine calls it
// too, to stop reading there.
func Forward(ctx context.Context, src Source, st *monitor.State, pos Position, keep func(seq int64, ev monitor.Event) bool) (Position, error) {
	return readAhead(ctx, src, pos.Seq, keep, streamDepth).fold(st, pos)
}

// Stream calls fn for every event after afterSeq in order, like
// Source.Events, with SIP already decoded. Reading, decoding and fn run in
// three goroutines, a few batches apart: decoding SIP costs the most, and
// reading the recording next most, so a seek's fold forward uses two
// cores. It stops at fn's first error and returns it.
func Stream(ctx context.Context, src Source, afterSeq int64, fn func(seq int64, ev monitor.Event) error) error {
	return readAhead(ctx, src, afterSeq, nil, streamDepth).each(fn)
}

// ahead is a read-ahead of a recording's events: one goroutine reads
// them, another decodes their SIP, up to depth batches before they are
// taken.
type ahead struct {
	ctx     context.Context
	cancel  context.CancelFunc
	decoded chan []seqEvent
	keep    func(seq int64, ev monitor.Event) bool
	readErr chan error
}

// readAhead starts reading the events after afterSeq. With keep, the
// reading stops after the first event keep refuses.
func readAhead(ctx context.Context, src Source, afterSeq int64, keep func(int64, monitor.Event) bool, depth int) *ahead {
	rctx, cancel := context.WithCancel(ctx)
	a := &ahead{ctx: ctx, cancel: cancel, decoded: make(chan []seqEvent, depth), keep: keep, readErr: make(chan error, 1)}
	read := make(chan []seqEvent, streamDepth)
	go func() { a.readErr <- readBatches(rctx, src, afterSeq, keep, read) }()
	go decodeBatches(rctx, read, a.decoded)
	return a
}

// fold folds the events into st while keep says so, and returns the new
// position; the first event keep refuses is not folded.
func (a *ahead) fold(st *monitor.State, pos Position) (Position, error) {
	err := a.each(func(seq int64, ev monitor.Event) error {
		if a.keep != nil && !a.keep(seq, ev) {
			return errStop
		}
		Fold(st, ev)
		pos.Seq, pos.Time = seq, st.Now()
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return pos, err
}

// each calls fn for every event in order, and stops at fn's first error.
func (a *ahead) each(fn func(seq int64, ev monitor.Event) error) error {
	defer a.cancel()
	for batch := range a.decoded {
		for _, e := range batch {
			if err := fn(e.seq, e.ev); err != nil {
				a.stop()
				return err
			}
		}
	}
	if err := <-a.readErr; err != nil && !errors.Is(err, errStop) {
		return err
	}
	return a.ctx.Err()
}

// stop ends the reading and waits for the reader and the decoder to finish.
func (a *ahead) stop() {
	a.cancel()
	for range a.decoded {
	}
}

// readBatches sends the events after afterSeq in batches, and closes out.
// With keep, it stops after the first event keep refuses.
func readBatches(ctx context.Context, src Source, afterSeq int64, keep func(int64, monitor.Event) bool, out chan<- []seqEvent) error {
	defer close(out)
	batch := make([]seqEvent, 0, forwardBatch)
	send := func() error {
		select {
		case out <- batch:
			batch = make([]seqEvent, 0, forwardBatch)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	err := src.Events(ctx, afterSeq, func(seq int64, ev monitor.Event) error {
		batch = append(batch, seqEvent{seq, ev})
		if keep != nil && !keep(seq, ev) {
			return errStop
		}
		if len(batch) < forwardBatch {
			return nil
		}
		return send()
	})
	if (err == nil || errors.Is(err, errStop)) && len(batch) > 0 {
		if serr := send(); serr != nil {
			err = serr
		}
	}
	return err
}

// decodeBatches decodes the SIP of every batch from in and passes it on,
// in order; it closes out once in is closed.
func decodeBatches(ctx context.Context, in <-chan []seqEvent, out chan<- []seqEvent) {
	defer close(out)
	for batch := range in {
		for i := range batch {
			if ev := &batch[i].ev; ev.Kind == monitor.KindSIP && ev.SIP != nil && ev.SIP.Info == nil {
				_ = ev.SIP.Decode(sipparse.Parse) // malformed messages fold as malformed, as live
			}
		}
		select {
		case out <- batch:
		case <-ctx.Done():
			for range in { // let the reader finish
			}
			return
		}
	}
}

// forwardBatch is how many read-ahead events the reader hands over at once.
const forwardBatch = 512

// streamDepth is how many decoded batches a stream reads ahead; seekDepth
// how many a seek does while the checkpoint is restored: a checkpoint
// interval (10,000 events) and more.
const (
	streamDepth = 4
	seekDepth   = 24
)

type seqEvent struct {
	seq int64
	ev  monitor.Event
}
