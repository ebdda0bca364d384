package natsbus

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutover/cutover/monitor"
)

// PublishOptions configure a Publisher.
type PublishOptions struct {
	URL      string // nats://HOST:PORT[,...][/STREAM]
	Stream   string // used when URL names none
	Site     string // this collector's site, carried by each event
	Replicas int    // for a stream this publisher creates (0: 1)
	// Queue bounds the events taken but not yet handed to NATS (0:
	// 262144): room for a few seconds of a busy site while the server
	// restarts. Beyond it Publish refuses (counted as Dropped).
	Queue int
	// InFlight bounds the asynchronous publishes awaiting their
	// acknowledgement (0: 4096).
	InFlight int
	Logger   *slog.Logger
	now      func() int64 // the wall clock (tests)
}

// PublishStats count what a publisher did.
type PublishStats struct {
	Taken      uint64 // events given to Publish and queued
	Acked      uint64 // events acknowledged by the stream (stored, or known duplicates)
	Duplicates uint64 // of Acked, already in the stream (a resend of the same message)
	Retries    uint64 // publishes tried again (no answer, a server away)
	Dropped    uint64 // refused: the queue was full
	Failed     uint64 // still unacknowledged when Close gave up
	Queued     int    // events waiting, and messages in flight, now
	Connected  bool
}

// Publisher publishes a collector's events to its cutover's stream,
// asynchronously with a bounded number in flight, each with its stable id
// as Nats-Msg-Id; what the stream does not acknowledge is published
// again until it is, or until Close gives up.
type Publisher struct {
	o      PublishOptions
	nc     *nats.Conn
	js     jetstream.JetStream
	stream string
	queue  chan record
	flight chan pending
	stop   context.Context // ended when Close gives up: retries stop
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	// order holds new publishes (send, read-locked around each) while the
	// ones a disconnect failed are published again (ack, locked), so a
	// site's events reach the stream in the order it took them in;
	// gated is set while send waits for it.
	order sync.RWMutex
	gated atomic.Bool

	taken, acked, dups, retries, dropped, failed atomic.Uint64
}

type pending struct {
	msg *nats.Msg
	n   uint64 // events in it
	fut jetstream.PubAckFuture
}

// record is an event encoded (appendRecord), with its id.
type record struct {
	id string
	b  []byte
}

// A message carries the events queued when it is sent, up to batchMax
// of them and batchBytes (a single larger event goes alone): a busy
// site's events travel many to a message, a quiet one's one by one, with
// no wait for a batch to fill.
const (
	batchMax   = 256
	batchBytes = 256 << 10
)

// NewPublisher connects, makes the stream if it is not there, and starts
// publishing. A server that cannot be reached is an error now.
func NewPublisher(ctx context.Context, o PublishOptions) (*Publisher, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Queue, o.InFlight = cmp.Or(o.Queue, 262144), cmp.Or(o.InFlight, 4096)
	if o.now == nil {
		o.now = func() int64 { return time.Now().UnixNano() }
	}
	servers, stream, err := ParseURL(o.URL)
	if err != nil {
		return nil, err
	}
	if stream = cmp.Or(stream, o.Stream); stream == "" {
		return nil, fmt.Errorf("natsbus: %s names no stream", o.URL)
	}
	// No reconnect buffer: nats.go would send what is published while the
	// server is away before the publishes the disconnect failed, which ack
	// publishes again first; refused, send retries, behind ack's lock.
	nc, js, err := dial(ctx, servers, "cutover collect "+o.Site, o.Logger, []nats.Option{nats.ReconnectBufSize(-1)},
		jetstream.WithPublishAsyncMaxPending(o.InFlight), jetstream.WithPublishAsyncTimeout(5*time.Second))
	if err != nil {
		return nil, err
	}
	if _, err := ensureStream(ctx, js, stream, o.Replicas); err != nil {
		nc.Close()
		return nil, err
	}
	p := &Publisher{o: o, nc: nc, js: js, stream: stream, queue: make(chan record, o.Queue),
		flight: make(chan pending, o.InFlight), done: make(chan struct{})}
	p.stop, p.cancel = context.WithCancel(context.Background())
	go p.send()
	go p.ack()
	return p, nil
}

// Stream is the stream published to.
func (p *Publisher) Stream() string { return p.stream }

// Publish queues ev with its stable id; it never blocks. false: the
// queue is full (counted as Dropped), or ev could not be encoded.
func (p *Publisher) Publish(ev monitor.Event) bool {
	env := Envelope{ID: ID(ev), Site: p.o.Site, Recv: p.o.now(), Event: ev}
	b, err := appendRecord(nil, env)
	if err != nil {
		p.o.Logger.Warn("event not published", "err", err)
		p.dropped.Add(1)
		return false
	}
	select {
	case p.queue <- record{env.ID, b}:
		p.taken.Add(1)
		return true
	default:
		p.dropped.Add(1)
		return false
	}
}

// send hands queued events to NATS, as many to a message as are
// queued (batchMax), at most InFlight messages unacknowledged.
func (p *Publisher) send() {
	defer close(p.flight)
	var batch []record
	for r := range p.queue {
		batch = append(batch[:0], r)
		size := len(r.b)
	more:
		for len(batch) < batchMax && size < batchBytes {
			select {
			case r, ok := <-p.queue:
				if !ok {
					break more
				}
				batch, size = append(batch, r), size+len(r.b)
			default:
				break more
			}
		}
		msg, n := p.message(batch), uint64(len(batch))
		for {
			fut, err := p.publishAsync(msg)
			if err == nil {
				p.flight <- pending{msg, n, fut}
				break
			}
			if !p.retry("publish", err) {
				p.failed.Add(n)
				break
			}
		}
	}
}

// publishAsync publishes msg unless the publishes a disconnect failed
// are being published again: then it waits for them first.
func (p *Publisher) publishAsync(msg *nats.Msg) (jetstream.PubAckFuture, error) {
	if !p.order.TryRLock() {
		p.gated.Store(true)
		p.order.RLock()
		p.gated.Store(false)
	}
	defer p.order.RUnlock()
	return p.js.PublishMsgAsync(msg)
}

// message is the batch as one message. Its Nats-Msg-Id is the event's
// id when it carries one (a resend of it is stored once), else a hash
// of its events' ids (a retry of the same message is stored once; a
// resend batched otherwise is stored again, and each watch drops the
// events it has by their ids).
func (p *Publisher) message(batch []record) *nats.Msg {
	size := 0
	for _, r := range batch {
		size += len(r.b)
	}
	b := batchHead(make([]byte, 0, size+len(p.o.Site)+12), p.o.Site, len(batch))
	id := batch[0].id
	h := sha256.New()
	for _, r := range batch {
		b = append(b, r.b...)
		h.Write([]byte(r.id))
	}
	if len(batch) > 1 {
		id = hex.EncodeToString(h.Sum(nil)[:16])
	}
	msg := nats.NewMsg(Subject(p.stream))
	msg.Header.Set(jetstream.MsgIDHeader, id)
	msg.Data = b
	return msg
}

// ack waits for each publish's acknowledgement. One that failed (no
// answer in time; a disconnect fails every publish in flight at once) is
// published again, with every failed one in flight behind it, before any
// new publish (order, write-locked): nats.go sends what is published
// while the server is away first when it is back, so a new publish would
// reach the stream before the older events published again, and a watch
// would find those late.
func (p *Publisher) ack() {
	defer close(p.done)
	for pd := range p.flight {
		err := p.settle(pd)
		if err == nil {
			continue
		}
		p.order.Lock()
		failed := []pending{pd}
		for more := true; more; {
			select {
			case next, ok := <-p.flight:
				if !ok {
					more = false
				} else if err := p.settle(next); err != nil {
					failed = append(failed, next)
				}
			default:
				more = false
			}
		}
		p.republish(failed, err)
		p.order.Unlock()
	}
}

// settle waits for pd's acknowledgement and counts it; the error is why
// it failed, when it is to be published again.
func (p *Publisher) settle(pd pending) error {
	select {
	case a := <-pd.fut.Ok():
		p.acked.Add(pd.n)
		if a.Duplicate {
			p.dups.Add(pd.n)
		}
		return nil
	case err := <-pd.fut.Err():
		if p.stop.Err() != nil {
			p.retries.Add(1)
			p.failed.Add(pd.n)
			return nil
		}
		return err
	}
}

// republish publishes the failed messages again, in order, all before it
// waits for their acknowledgements (one round trip, not one a message:
// over a WAN link a thousand in flight would otherwise hold new events
// for a thousand round trips), and again what fails again, after a
// retry's wait, until every one is acknowledged or Close gives up.
func (p *Publisher) republish(failed []pending, err error) {
	p.retries.Add(uint64(len(failed)))
	p.o.Logger.Debug("nats: no acknowledgement, publishing again", "messages", len(failed), "err", err)
	for len(failed) > 0 {
		sent := failed[:0:0]
		for _, pd := range failed {
			fut, err := p.js.PublishMsgAsync(pd.msg)
			if err != nil {
				break
			}
			sent = append(sent, pending{pd.msg, pd.n, fut})
		}
		var again []pending
		for _, pd := range sent {
			if err := p.settle(pd); err != nil {
				again = append(again, pd)
			}
		}
		again = append(again, failed[len(sent):]...) // refused: the server still away
		if len(again) > 0 && !p.retry("republish", err) {
			for _, pd := range again {
				p.failed.Add(pd.n)
			}
			return
		}
		failed = again
	}
}

// retry counts a retry and waits a little before it; false once Close
// has given up.
func (p *Publisher) retry(what string, err error) bool {
	if p.stop.Err() != nil {
		return false
	}
	if p.retries.Add(1)%1000 == 1 {
		p.o.Logger.Warn("nats: retrying", "what", what, "err", err)
	}
	select {
	case <-p.stop.Done():
		return false
	case <-time.After(100 * time.Millisecond):
		return true
	}
}

// Close publishes what is queued and waits for every acknowledgement,
// until ctx ends (then what is left is counted as Failed and the error
// says how many). It closes the connection.
func (p *Publisher) Close(ctx context.Context) error {
	p.once.Do(func() { close(p.queue) })
	var err error
	select {
	case <-p.done:
	case <-ctx.Done():
		p.cancel()
		<-p.done
	}
	p.cancel()
	if f := p.failed.Load(); f > 0 {
		err = fmt.Errorf("natsbus: %d events not acknowledged by stream %s", f, p.stream)
	}
	p.nc.Close()
	return err
}

// Stats are the publisher's counts so far.
func (p *Publisher) Stats() PublishStats {
	return PublishStats{
		Taken: p.taken.Load(), Acked: p.acked.Load(), Duplicates: p.dups.Load(), Retries: p.retries.Load(),
		Dropped: p.dropped.Load(), Failed: p.failed.Load(), Queued: len(p.queue) + len(p.flight),
		Connected: p.nc.IsConnected(),
	}
}
