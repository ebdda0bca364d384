package store

import (
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
}

// highWater is how many MaxBatches Append lets pile up before it waits for
// the flusher: back-pressure instead of unbounded memory when the disk
// cannot keep up.
const highWater = 4

// Writer is the recording's one batched writer. Append buffers events and
// gives them their seq; a background flusher commits them in one
// transaction every FlushInterval, or at once when MaxBatch are buffered.
// After a kill -9 the recording lacks at most the last FlushInterval.
//
// The first write error is sticky: the Writer stops writing and every
// later call returns it, so the caller can show it.
type Writer struct {
	s    *Store
	opts WriterOptions
	c    *committer

	flushMu   sync.Mutex // serialises commits, so batches land in seq order
	committed int64      // the last committed seq; flushMu guards it

	mu      sync.Mutex
	cond    *sync.Cond // signalled when the buffer is taken or the Writer fails
	buf     batch
	nextSeq int64 // the seq the next appended event gets
	err     error
	closed  bool

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
	w := &Writer{
		s: s, opts: o, c: &committer{s: s},
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
		w.nextSeq, w.committed = s.lastSeq+1, s.lastSeq
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

// Append buffers evs (the Writer takes ownership of the slice) and numbers
// them. It returns the Writer's first error, if any. It blocks only when
// the flusher has fallen several batches behind.
func (w *Writer) Append(evs []monitor.Event) error {
	if len(evs) == 0 {
		return w.Err()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.err == nil && !w.closed && len(w.buf.evs) >= highWater*w.opts.MaxBatch {
		w.cond.Wait()
	}
	if err := w.usable(); err != nil {
		return err
	}
	if w.s.cutover() == 0 {
		return fmt.Errorf("recording %s: append: %w", w.s.path, ErrNoCutover)
	}
	if len(w.buf.evs) == 0 && len(w.buf.ckpts) == 0 {
		w.buf = batch{firstSeq: w.nextSeq, evs: evs}
	} else {
		w.buf.evs = append(w.buf.evs, evs...)
	}
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

// Flush commits everything buffered now, and returns the Writer's error.
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
// Writer's error. The Store may then have a new Writer.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return w.Err()
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
	w.flushMu.Unlock()
	w.s.mu.Lock()
	if w.s.writer == w {
		w.s.writer = nil
		w.s.lastSeq = committed // a failed batch leaves no gap for the next writer
	}
	w.s.mu.Unlock()
	return w.Err()
}

// Err returns the Writer's first error, or nil.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Recorded returns how many events have been committed.
func (w *Writer) Recorded() uint64 { return w.recorded.Load() }

// LastSeq returns the seq of the last event appended (committed or not).
func (w *Writer) LastSeq() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.nextSeq - 1
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

// commit writes b in one transaction; w.flushMu is held. A failure
// becomes the sticky error, and b is lost.
func (w *Writer) commit(b batch) {
	if w.Err() != nil {
		return
	}
	err := w.c.commit(b)
	if err != nil {
		w.mu.Lock()
		if w.err == nil {
			w.err = wrapErr(w.s.path, "write events", err)
		}
		w.buf = batch{firstSeq: w.nextSeq}
		w.cond.Broadcast()
		w.mu.Unlock()
		return
	}
	w.recorded.Add(uint64(len(b.evs)))
	if len(b.evs) > 0 {
		w.committed = b.firstSeq + int64(len(b.evs)) - 1
	}
}

// run is the background flusher.
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
		_ = w.Flush()
	}
}

// cutover returns the id of the recording's cutover, 0 if none yet.
func (s *Store) cutover() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cutoverID
}
