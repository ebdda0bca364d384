// Package pipeline runs cutover's one stream of events: sources publish into
// a bounded queue, one goroutine records each event and folds it, and the
// screen reads throttled snapshots. Ingest never waits for the screen; when
// the queue is full an event is counted as dropped, never silently lost.
package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

// Recorder persists events. Append takes ownership of the slice and
// numbers the events it takes (LastSeq is the last one's number); an
// error means it took none (they are counted lost). CheckpointFunc
// records a checkpoint after the events appended so far, whose bytes
// encode gives later, on a goroutine of the Recorder's (at most once;
// nil: none). WaitCommitted returns once the event numbered seq is
// committed; Status counts the events committed and lost, and says why
// nothing is being recorded now (nil: recording). store.Writer
// implements it.
type Recorder interface {
	Append(evs []monitor.Event) error
	CheckpointFunc(tsNs int64, encode func() []byte) error
	Flush() error
	LastSeq() int64
	WaitCommitted(ctx context.Context, seq int64) error
	Status() (committed, lost uint64, err error)
}

// Options configure a Pipeline. Zero values take the defaults.
type Options struct {
	QueueSize int // bounded queue between sources and the fold (default 65536)
	// WaitQueue is how many events PublishWait lets the queue hold
	// (default 4096): a source that waits loses nothing whatever the
	// queue's size, so only Publish's bursts (live sources) get the whole
	// QueueSize; queued events cost about 1 KB each (raw and parsed SIP).
	WaitQueue int
	// SnapshotIdle is how stale the snapshot may grow while nobody asks
	// for one (Latest) (default 1 s): a headless run does not copy the
	// fold ten times a second for no one.
	SnapshotIdle    time.Duration
	BatchSize       int           // events handed to the recorder at once (default 1024)
	SnapshotEvery   time.Duration // how often a snapshot is taken for the screen (default 100ms)
	CheckpointEvery int           // events between checkpoints of the fold (default 10,000; <0 = never)
	CheckpointSpan  time.Duration // event time between checkpoints (default 5 min)
	// CheckpointGap is the least wall time between checkpoints taken for
	// CheckpointEvery (default 250 ms; <0 = none), so that however fast
	// events come, checkpoints take a bounded share of a core (README,
	// "Performance").
	CheckpointGap time.Duration
	// CheckpointFull makes every CheckpointFull-th checkpoint a full one
	// and the others deltas against the checkpoint before (default 4; 1 =
	// every one full): a restore applies at most CheckpointFull-1 deltas.
	CheckpointFull int
	Recorder       Recorder // nil: fold only (replay)
	Logger         *slog.Logger
}

// Stats describe the pipeline itself, for the header of the screen.
type Stats struct {
	Published    uint64
	Dropped      uint64 // events refused because the queue was full
	Applied      uint64
	Handed       uint64 // events given to the recorder (folded and derived): Recorded + Lost + in flight
	Recorded     uint64 // events the recorder has committed
	Lost         uint64 // events the recorder lost (refused after a write error, its backlog full)
	Queue        int
	QueueCap     int
	EventsPerSec float64 // folded per second of wall time, over the last snapshot interval
	StoreErr     string  // why nothing is being recorded now ("": recording, or no recorder)
	Checkpoint   int64   // event time (Unix ns) of the last checkpoint taken (0 = none yet)
	Snapshots    uint64  // snapshots taken so far
}

// Pipeline owns the fold. Create it with New, start Run in one goroutine.
type Pipeline struct {
	opts    Options
	state   *monitor.State
	q       chan monitor.Event
	prio    chan prioItem // operators' events: folded ahead of q
	swap    chan swapReq
	done    chan struct{}
	once    sync.Once
	closing sync.RWMutex // PublishWait holds it to queue; Close to close done

	published, dropped, applied, handed atomic.Uint64

	// PublishWait's waiters for room below WaitQueue: room is closed and
	// replaced when the fold has made some.
	roomMu  sync.Mutex
	room    chan struct{}
	waiters int
	// wanted: someone asked for a snapshot (Latest) since the last one.
	wanted atomic.Bool
	ticks  atomic.Uint64 // snapshot ticks the fold has seen (tests wait on it)

	mu       sync.Mutex
	snap     *monitor.Snapshot
	stats    Stats
	storeErr error
}

// New returns a pipeline folding into state.
func New(state *monitor.State, opts Options) *Pipeline {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 65536
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1024
	}
	if opts.SnapshotEvery <= 0 {
		opts.SnapshotEvery = 100 * time.Millisecond
	}
	if opts.WaitQueue <= 0 {
		opts.WaitQueue = 4096
	}
	opts.WaitQueue = min(opts.WaitQueue, opts.QueueSize)
	if opts.SnapshotIdle <= 0 {
		opts.SnapshotIdle = time.Second
	}
	if opts.CheckpointEvery == 0 {
		// A seek folds forward at most this many events (~65 ms at
		// ~6.5 µs each) after restoring a checkpoint (~40-70 ms for 10k
		// numbers). A checkpoint of 10k numbers is ~5 MB in full, but
		// most are deltas against the one before (CheckpointFull), about
		// half of that 10,000 events on (README, "What a seek costs").
		opts.CheckpointEvery = 10_000
	}
	if opts.CheckpointSpan <= 0 {
		opts.CheckpointSpan = 5 * time.Minute
	}
	if opts.CheckpointGap == 0 {
		opts.CheckpointGap = 250 * time.Millisecond
	}
	if opts.CheckpointFull <= 0 {
		// A restore reads and applies at most 3 deltas (each ~10-20 ms
		// for 10k numbers on a loaded 2-vCPU VM); 8 cost seeks up to
		// ~90 ms more.
		opts.CheckpointFull = 4
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Pipeline{opts: opts, state: state, q: make(chan monitor.Event, opts.QueueSize),
		prio: make(chan prioItem, prioSize), swap: make(chan swapReq), done: make(chan struct{}), room: make(chan struct{})}
}

// Publish offers an event without ever blocking. It returns false, and
// counts the event as dropped, when the queue is full or closed.
func (p *Pipeline) Publish(ev monitor.Event) (ok bool) {
	select {
	case <-p.done:
		p.dropped.Add(1)
		return false
	default:
	}
	decodeSIP(&ev)
	select {
	case p.q <- ev:
		p.published.Add(1)
		return true
	default:
		p.dropped.Add(1)
		return false
	}
}

// PublishWait blocks until the event is queued: for file sources (replay,
// capture import) that must lose nothing and may go at the fold's pace,
// and for what operators do (actions, notes). An event it takes is folded
// and recorded: it refuses once Close has been called, never after taking.
func (p *Pipeline) PublishWait(ctx context.Context, ev monitor.Event) error {
	decodeSIP(&ev)
	if err := p.waitRoom(ctx); err != nil {
		return err
	}
	return enqueue(p, ctx, p.q, ev)
}

// waitRoom waits until the queue holds fewer than WaitQueue events.
func (p *Pipeline) waitRoom(ctx context.Context) error {
	for {
		p.roomMu.Lock()
		if len(p.q) < p.opts.WaitQueue {
			p.roomMu.Unlock()
			return nil
		}
		p.waiters++
		room := p.room
		p.roomMu.Unlock()
		var err error
		select {
		case <-room:
		case <-ctx.Done():
			err = ctx.Err()
		case <-p.done:
			err = errClosed
		}
		p.roomMu.Lock()
		p.waiters--
		p.roomMu.Unlock()
		if err != nil {
			return err
		}
	}
}

// signalRoom wakes PublishWait's waiters once the queue is below
// WaitQueue. The fold calls it after each batch: a waiter saw at least
// WaitQueue events queued, so the fold takes them and calls it again.
func (p *Pipeline) signalRoom() {
	if len(p.q) >= p.opts.WaitQueue {
		return
	}
	p.roomMu.Lock()
	if p.waiters > 0 {
		close(p.room)
		p.room = make(chan struct{})
	}
	p.roomMu.Unlock()
}

// decodeSIP parses a SIP message the source left raw, on the source's
// goroutine: the fold's goroutine is the one that cannot be spread over
// cores, so what can be done before it is (a capture import parses on
// one core while the fold runs on the other).
func decodeSIP(ev *monitor.Event) {
	if ev.Kind == monitor.KindSIP && ev.SIP != nil && ev.SIP.Info == nil {
		_ = ev.SIP.Decode(sipparse.Parse) // a message that does not parse is folded as malformed and recorded as is
	}
}

// enqueue waits for room in ch (the queue or the priority lane) and puts
// v there, unless Close has been called or ctx ends first. Close waits for
// an item being queued, so Run drains it.
func enqueue[T any](p *Pipeline, ctx context.Context, ch chan<- T, v T) error {
	p.closing.RLock()
	defer p.closing.RUnlock()
	select {
	case <-p.done:
		return errClosed
	default:
	}
	select {
	case ch <- v:
		p.published.Add(1)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errClosed = errors.New("pipeline closed")

// prioSize bounds the priority lane: operators' events are few, and
// PublishCommitted waits for room.
const prioSize = 256

// prioItem is an event of the priority lane, with where to say which seq
// the recorder gave it.
type prioItem struct {
	ev    monitor.Event
	reply chan ticket // buffered: Run never waits on it
}

// ticket is a priority event's place in the recording: its seq (0: no
// recorder, it is folded), or why the recorder did not take it.
type ticket struct {
	seq int64
	err error
}

// PublishCommitted records what an operator did (an action step, a
// note): it queues ev in the priority lane, which the fold takes ahead of
// every queued source event, and returns once the recording has
// committed the event (with no recorder: once it is folded). An error
// says it is not known to be committed: refused after Close, ctx ended
// first (the recording failing, or far behind), or the recorder lost it.
// The fold stays one goroutine: the lane changes only where the event
// falls among the queued ones, and the recording keeps the fold's order.
func (p *Pipeline) PublishCommitted(ctx context.Context, ev monitor.Event) error {
	it := prioItem{ev: ev, reply: make(chan ticket, 1)}
	if err := p.queuePrio(ctx, it); err != nil {
		return err
	}
	var tk ticket
	select {
	case tk = <-it.reply:
	case <-ctx.Done():
		return fmt.Errorf("not yet recorded: %w", ctx.Err())
	}
	if tk.err != nil {
		return fmt.Errorf("not recorded: %w", tk.err)
	}
	if tk.seq == 0 || p.opts.Recorder == nil {
		return nil
	}
	return p.opts.Recorder.WaitCommitted(ctx, tk.seq)
}

// queuePrio puts it in the priority lane, as PublishWait does in the queue.
func (p *Pipeline) queuePrio(ctx context.Context, it prioItem) error {
	return enqueue(p, ctx, p.prio, it)
}

// Close says no more events will come: Run folds what is queued and returns.
func (p *Pipeline) Close() {
	p.once.Do(func() {
		p.closing.Lock()
		close(p.done)
		p.closing.Unlock()
	})
}

// Latest returns the newest snapshot (nil before the first) and the stats.
// Asking is what keeps snapshots coming every SnapshotEvery: one asked for
// after a pause may be up to SnapshotIdle old.
func (p *Pipeline) Latest() (*monitor.Snapshot, Stats) {
	p.wanted.Store(true)
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.stats
	st.Published, st.Dropped = p.published.Load(), p.dropped.Load()
	st.Applied, st.Handed = p.applied.Load(), p.handed.Load()
	st.Queue, st.QueueCap = len(p.q)+len(p.prio), cap(p.q)
	var err error
	if rec := p.opts.Recorder; rec != nil {
		st.Recorded, st.Lost, err = rec.Status()
	}
	if err = cmp.Or(err, p.storeErr); err != nil {
		st.StoreErr = err.Error()
	}
	return p.snap, st
}

// swapReq asks Run to fold into a new state from now on.
type swapReq struct {
	st    *monitor.State
	taken chan struct{}
}

// Replace makes st the fold (a replay seek hands over the state it rebuilt)
// and publishes its snapshot at once. Events still queued belong to the old
// position and are dropped, not folded: the one feed must not publish while
// Replace runs. It returns once the pipeline has taken st.
func (p *Pipeline) Replace(ctx context.Context, st *monitor.State) error {
	req := swapReq{st: st, taken: make(chan struct{})}
	select {
	case p.swap <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-p.done:
		return errClosed
	}
	<-req.taken
	return nil
}
