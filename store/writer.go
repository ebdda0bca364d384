package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cutover/cutover/monitor"
)

// WriterOptions tune the Writer. Zero values take the defaults.
type WriterOptions struct {
	FlushInterval time.Duration // commit what is buffered this often (default 200ms)
	MaxBatch      int           // commit at once when this many events are buffered (default 2000)
	// MaxBacklog is how many events the Writer keeps while it cannot
	// write (a full disk): beyond it, Append refuses events and counts
	// them lost (default 65,536).
	MaxBacklog int
	// RetryEvery is how often a commit that failed is tried again
	// (default 1 s).
	RetryEvery time.Duration
}

// highWater is how many MaxBatches Append lets pile up before it waits for
// the flusher: back-pressure instead of unbounded memory when the disk
// cannot keep up. While the Writer is failing, Append never waits.
const highWater = 4

// maxSpare bounds the array of events the Writer keeps for its next
// buffer: the most a healthy flusher lets pile up.
const maxSpare = 2 * highWater * 2000

// ErrLost: the Writer could not write for a while and its backlog is full,
// so it refused these events: they are counted lost, never recorded.
var ErrLost = errors.New("events lost: recording failing and its backlog full")

// Writer is the recording's one batched writer. Append buffers events and
// gives them their seq; a background flusher commits them in one
// transaction every FlushInterval, or at once when MaxBatch are buffered.
// An event is committed once the transaction that holds it is in the
// write-ahead log: a kill -9 of the process loses nothing committed
// (a power cut may lose the last commits: synchronous=NORMAL).
//
// A commit that fails (a full disk) is kept and tried again every
// RetryEvery, without ever blocking Append: meanwhile events wait in a
// backlog of at most MaxBacklog, and those beyond it are lost and counted
// (Status). Checkpoints taken meanwhile are not kept. Only a collision
// with another process's writer, or a recording with no cutover, stops the
// Writer for good.
type Writer struct {
	s    *Store
	opts WriterOptions
	c    *committer

	flushMu   sync.Mutex // serialises commits, so batches land in seq order
	committed int64      // the last committed seq; flushMu guards it

	mu           sync.Mutex
	cond         *sync.Cond // signalled when the buffer is taken or the Writer fails
	buf          batch
	spare        []monitor.Event // a committed batch's events, emptied: the next buffer
	nextSeq      int64           // the seq the next appended event gets
	err          error           // the Writer is stopped for good
	failing      error           // the last commit failed: not recording until one succeeds
	firstFail    error           // the first commit that failed, for Close
	lastTry      time.Time
	lost         uint64        // events refused (ErrLost, or after a stop) or never committed
	committedSeq int64         // the last committed seq, for WaitCommitted
	changed      chan struct{} // closed (and replaced) when committedSeq, failing or err change
	closed       bool
	ended        bool // Close has made its last commit

	recorded atomic.Uint64
	kick     chan struct{}
	stop     chan struct{}
	done     chan struct{}
}

// batch is what one commit writes: events numbered from firstSeq, then the
// checkpoints taken after them.
type batch struct {
	firstSeq int64
	evs      []monitor.Event
	ckpts    []checkpoint
}

type checkpoint struct {
	seq, ts int64
	state   []byte
	encode  func() []byte // or this gives state when the batch commits
}

// NewWriter starts the Store's writer. A Store has one Writer at a time;
// making another while one is open gives a Writer whose every call fails
// with ErrWriterActive.
func NewWriter(s *Store, o WriterOptions) *Writer {
	if o.FlushInterval <= 0 {
		o.FlushInterval = 200 * time.Millisecond
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 2000
	}
	if o.MaxBacklog <= 0 {
		o.MaxBacklog = 65536
	}
	if o.RetryEvery <= 0 {
		o.RetryEvery = time.Second
	}
	w := &Writer{
		s: s, opts: o, c: &committer{s: s}, changed: make(chan struct{}),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	w.cond = sync.NewCond(&w.mu)
	s.mu.Lock()
	switch {
	case s.closed:
		w.err = fmt.Errorf("recording %s: %w", s.path, ErrClosed)
	case s.writer != nil:
		w.err = fmt.Errorf("recording %s: %w", s.path, ErrWriterActive)
	default:
		s.writer = w
		w.nextSeq, w.committed, w.committedSeq = s.lastSeq+1, s.lastSeq, s.lastSeq
	}
	s.mu.Unlock()
	if w.err != nil {
		w.closed = true
		close(w.done)
		return w
	}
	go w.run()
	return w
}

// Append copies evs into its buffer (the caller may reuse the slice) and numbers
// them. An error says they were not taken, and are counted lost: the
// Writer is stopped, or it is failing and its backlog is full (ErrLost).
// While the Writer is failing but has room, Append takes them and returns
// nil (Status says it is not recording). It blocks only when a healthy
// flusher has fallen several batches behind.
func (w *Writer) Append(evs []monitor.Event) error {
	if len(evs) == 0 {
		return w.Err()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.err == nil && w.failing == nil && !w.closed && len(w.buf.evs) >= highWater*w.opts.MaxBatch {
		w.cond.Wait()
	}
	if err := w.usable(); err != nil {
		w.lost += uint64(len(evs))
		return err
	}
	if w.s.cutover() == 0 {
		w.lost += uint64(len(evs))
		return fmt.Errorf("recording %s: append: %w", w.s.path, ErrNoCutover)
	}
	if w.failing != nil && len(w.buf.evs)+len(evs) > w.opts.MaxBacklog {
		w.lost += uint64(len(evs))
		return fmt.Errorf("%w (%d events lost so far): %w", ErrLost, w.lost, w.failing)
	}
	if len(w.buf.evs) == 0 && len(w.buf.ckpts) == 0 {
		w.buf.firstSeq = w.nextSeq
	}
	if w.buf.evs == nil { // into the last batch's array: growing a new one each commit cost more
		w.buf.evs, w.spare = w.spare, nil
	}
	w.buf.evs = append(w.buf.evs, evs...) // the buffer is the Writer's own: it empties it once committed
	w.nextSeq += int64(len(evs))
	if len(w.buf.evs) >= w.opts.MaxBatch {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// Checkpoint records a checkpoint of the fold taken after every event
// appended so far (its seq is the last appended event's, 0 if none). It is
// committed with those events; state is copied.
func (w *Writer) Checkpoint(tsNs int64, state []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	if w.failing != nil {
		return nil // not kept while failing: a checkpoint only speeds up seeking
	}
	w.addCheckpoint(checkpoint{ts: tsNs, state: append([]byte{}, state...)})
	return nil
}

// CheckpointFunc is Checkpoint with the state given by encode, which the
// flusher calls when it commits the checkpoint: the caller hands over a
// copy of its state and does not wait for it to be encoded. encode runs
// at most once, on another goroutine; a nil result records no
// checkpoint.
func (w *Writer) CheckpointFunc(tsNs int64, encode func() []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	if w.failing != nil {
		return nil // not kept while failing: a checkpoint only speeds up seeking
	}
	w.addCheckpoint(checkpoint{ts: tsNs, encode: encode})
	return nil
}

// addCheckpoint puts cp after the events appended so far. w.mu is held.
func (w *Writer) addCheckpoint(cp checkpoint) {
	if len(w.buf.evs) == 0 && len(w.buf.ckpts) == 0 {
		w.buf.firstSeq = w.nextSeq
	}
	cp.seq = w.nextSeq - 1
	w.buf.ckpts = append(w.buf.ckpts, cp)
}

// Flush commits everything buffered now (trying again a commit that
// failed), and returns the Writer's error: nil once everything is
// committed.
func (w *Writer) Flush() error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	b := w.take()
	w.mu.Unlock()
	if len(b.evs) > 0 || len(b.ckpts) > 0 {
		w.commit(b)
	}
	return w.Err()
}

// Close commits what is buffered, stops the flusher and returns the
// Writer's error: also when events were lost (or are now, because the
// last commit failed too) though it recovered meanwhile. The Store may
// then have a new Writer.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return w.closeErr()
	}
	w.closed = true
	w.cond.Broadcast()
	w.mu.Unlock()
	close(w.stop)
	<-w.done
	w.flushMu.Lock()
	w.mu.Lock()
	b := w.take()
	w.mu.Unlock()
	if len(b.evs) > 0 || len(b.ckpts) > 0 {
		w.commit(b)
	}
	w.c.close()
	committed := w.committed
	w.mu.Lock()
	w.lost += uint64(len(w.buf.evs)) // a backlog the last commit could not write
	w.buf = batch{firstSeq: w.nextSeq}
	w.ended = true
	w.signal()
	w.mu.Unlock()
	w.flushMu.Unlock()
	w.s.mu.Lock()
	if w.s.writer == w {
		w.s.writer = nil
		w.s.lastSeq = committed // what was never committed leaves no gap for the next writer
	}
	w.s.mu.Unlock()
	return w.closeErr()
}

// closeErr is Close's error: the Writer's, or what was lost.
func (w *Writer) closeErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.err != nil:
		return w.err
	case w.failing != nil:
		return w.failing
	case w.lost > 0:
		return fmt.Errorf("recording %s: %d events lost while it could not write: %w", w.s.path, w.lost, w.firstFail)
	}
	return nil
}

// Err returns why the Writer is not recording now (stopped for good, or
// its last commit failed), or nil.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return cmpErr(w.err, w.failing)
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// Recorded returns how many events have been committed.
func (w *Writer) Recorded() uint64 { return w.recorded.Load() }

// Status says how many events are committed and how many lost (refused,
// or never committed), and why the Writer is not recording now (nil: it
// is). Once Close has returned, committed + lost is every event given to
// Append.
func (w *Writer) Status() (committed, lost uint64, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.recorded.Load(), w.lost, cmpErr(w.err, w.failing)
}

// LastSeq returns the seq of the last event appended (committed or not).
func (w *Writer) LastSeq() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.nextSeq - 1
}

// WaitCommitted waits until the event numbered seq is committed: it asks
// the flusher to commit now rather than at its next tick (someone is
// waiting). It returns an error when ctx ends first, when seq will never
// be committed, or when the Writer is failing and one more try (up to two
// RetryEvery) has not cured it: whoever waits (an operator) hears it is
// not recording in seconds. The event stays in the backlog meanwhile.
func (w *Writer) WaitCommitted(ctx context.Context, seq int64) error {
	select {
	case w.kick <- struct{}{}:
	default:
	}
	var giveUp <-chan time.Time
	for {
		w.mu.Lock()
		done, err, ended, ch := w.committedSeq >= seq, w.err, w.ended, w.changed
		failing := w.failing
		w.mu.Unlock()
		switch {
		case done:
			return nil
		case err != nil:
			return err
		case ended:
			return fmt.Errorf("recording %s: event %d: %w", w.s.path, seq, ErrLost)
		case failing != nil && giveUp == nil:
			t := time.NewTimer(2 * w.opts.RetryEvery)
			defer t.Stop()
			giveUp = t.C
		}
		select {
		case <-ch:
		case <-giveUp:
			return fmt.Errorf("not committed: %w", failing)
		case <-ctx.Done():
			if failing != nil {
				return fmt.Errorf("not committed yet: %w", failing)
			}
			return fmt.Errorf("not committed yet: %w", ctx.Err())
		}
	}
}

// signal wakes WaitCommitted. w.mu is held.
func (w *Writer) signal() {
	close(w.changed)
	w.changed = make(chan struct{})
}

// usable returns the sticky error, or ErrClosed. w.mu is held.
func (w *Writer) usable() error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("recording %s: writer: %w", w.s.path, ErrClosed)
	}
	return nil
}

// take hands over the buffer and wakes a waiting Append. w.mu is held.
func (w *Writer) take() batch {
	b := w.buf
	w.buf = batch{firstSeq: w.nextSeq}
	w.cond.Broadcast()
	return b
}

// commit writes b in one transaction; w.flushMu is held. A failure that
// may pass (a full disk) puts b's events back in front of the buffer, to
// be tried again; one that cannot (another process writes the file)
// stops the Writer, and what it held is lost.
func (w *Writer) commit(b batch) {
	if w.Err() != nil && !w.retrying() {
		w.mu.Lock()
		w.lost += uint64(len(b.evs))
		w.mu.Unlock()
		return
	}
	err := w.c.commit(b)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lastTry = time.Now()
	if err != nil {
		werr := wrapErr(w.s.path, "write events", err)
		if errors.Is(err, ErrWriterActive) || errors.Is(err, ErrNoCutover) {
			if w.err == nil {
				w.err = werr
			}
			w.lost += uint64(len(b.evs) + len(w.buf.evs))
			w.buf = batch{firstSeq: w.nextSeq}
		} else {
			if w.firstFail == nil {
				w.firstFail = werr
			}
			w.failing = werr
			// Tried again later, from the same seq; checkpoints are dropped.
			w.buf = batch{firstSeq: b.firstSeq, evs: append(b.evs, w.buf.evs...)}
		}
		w.cond.Broadcast()
		w.signal()
		return
	}
	w.recorded.Add(uint64(len(b.evs)))
	if len(b.evs) > 0 {
		w.committed = b.firstSeq + int64(len(b.evs)) - 1
		w.committedSeq = w.committed
		if cap(b.evs) <= maxSpare && cap(b.evs) > cap(w.spare) {
			clear(b.evs) // what was beyond len was cleared when it was last committed
			w.spare = b.evs[:0]
		}
	}
	w.failing = nil
	w.signal()
}

// retrying says whether the Writer's error is one a commit may cure.
func (w *Writer) retrying() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err == nil && w.failing != nil
}

// run is the background flusher. While failing, it tries again every
// RetryEvery, not at every tick or kick.
func (w *Writer) run() {
	defer close(w.done)
	t := time.NewTicker(w.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		case <-w.kick:
		}
		w.mu.Lock()
		wait := w.failing != nil && time.Since(w.lastTry) < w.opts.RetryEvery
		w.mu.Unlock()
		if !wait {
			_ = w.Flush()
		}
	}
}

// cutover returns the id of the recording's cutover, 0 if none yet.
func (s *Store) cutover() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cutoverID
}
