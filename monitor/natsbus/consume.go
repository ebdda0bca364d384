package natsbus

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/termsafe"
)

// ConsumeOptions configure Consume.
type ConsumeOptions struct {
	URL    string // nats://HOST:PORT[,...][/STREAM]
	Stream string // used when URL names none
	Window time.Duration
	// Follow: a watch, that stays on the stream for new events (and,
	// once it has caught up, flushes the window when the stream is quiet).
	// Without it the stream's history is read to its last event, then the
	// window is flushed and Consume returns (a replay).
	Follow  bool
	MaxHold time.Duration // how long a quiet site holds the others back, by the collectors' receipt clocks (0: 5 × Window)
	Logger  *slog.Logger
	now     func() int64 // the wall clock (tests)
}

// ConsumeStats count what a consumer saw.
type ConsumeStats struct {
	Messages   uint64 // messages read from the stream (each a batch of one or more events)
	Received   uint64 // events in them
	Duplicates uint64 // of Received, an id already folded (a resend the stream did not deduplicate)
	Malformed  uint64 // of Messages, not a message of events (none of it used)
	Late       uint64 // released quarantined: older than an event already released
	Released   uint64
	Held       int
	Lag        LagStats // from the collector's receipt to the fold (MeasureToFold), else to the release
	Sites      map[string]uint64
	Connected  bool
}

// LagStats are percentiles of the lag from a collector's receipt (its
// wall clock) to the fold applying the event (MeasureToFold), else to
// the consumer's release (this host's clock), in ns.
type LagStats struct {
	N             int
	P50, P99, Max int64
}

// Consumer reads a cutover's stream with an ordered consumer of its own
// (several watches read the same stream independently), deduplicates by
// id, orders by event time (Reorder) and hands events to a publish
// function in that order.
type Consumer struct {
	o      ConsumeOptions
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	name   string

	mu   sync.Mutex
	st   ConsumeStats
	lags []int64 // a bounded sample (lagSample)
	lagN uint64
	// counts (MeasureToFold) and the events handed to the fold and not
	// yet applied, oldest first from marks[markHead]
	counts   func() (given, applied uint64)
	marks    []foldMark
	markHead int
	r        Reorder
	seen     map[[16]byte]struct{}
	ring     [][16]byte // the ids in seen, oldest first (seenCap)
	ringN    int
}

const (
	seenCap   = 1 << 18 // ids remembered for deduplication beyond the stream's window
	lagSample = 1 << 16
	markCap   = 1 << 18 // events awaiting the fold whose lag is measured (beyond: not sampled)
)

// foldMark is an event handed to the fold: how many events the fold had
// been given once it was (it is applied when the fold has applied as
// many), and the collector's receipt.
type foldMark struct {
	given uint64
	recv  int64
}

// MeasureToFold makes the lag run from a collector's receipt to the
// fold applying the event, not to its release here: counts gives how
// many events the fold has been given, and applied, in the order given.
// Call it before Run.
func (c *Consumer) MeasureToFold(counts func() (given, applied uint64)) { c.counts = counts }

// NewConsumer connects to the stream (which must exist: a collector
// makes it).
func NewConsumer(ctx context.Context, o ConsumeOptions) (*Consumer, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.now == nil {
		o.now = func() int64 { return time.Now().UnixNano() }
	}
	o.Window = cmp.Or(o.Window, time.Duration(DefaultWindow))
	o.MaxHold = cmp.Or(o.MaxHold, 5*o.Window)
	servers, name, err := ParseURL(o.URL)
	if err != nil {
		return nil, err
	}
	if name = cmp.Or(name, o.Stream); name == "" {
		return nil, fmt.Errorf("natsbus: %s names no stream", o.URL)
	}
	nc, js, err := dial(ctx, servers, "cutover watch", o.Logger, nil)
	if err != nil {
		return nil, err
	}
	s, err := js.Stream(ctx, name)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats %s: stream %s: %w", servers, name, err)
	}
	c := &Consumer{o: o, nc: nc, js: js, stream: s, name: name, seen: make(map[[16]byte]struct{}),
		ring: make([][16]byte, seenCap), st: ConsumeStats{Sites: map[string]uint64{}}}
	c.r.Window, c.r.MaxHold = int64(o.Window), int64(o.MaxHold)
	return c, nil
}

// Stream is the stream read.
func (c *Consumer) Stream() string { return c.name }

// Close closes the connection.
func (c *Consumer) Close() { c.nc.Close() }

// Run reads the stream from its first event, handing events to publish
// in event-time order, until ctx ends (Follow) or the history read at
// the start has been handed over (not Follow). publish returning an
// error stops Run with it.
func (c *Consumer) Run(ctx context.Context, publish func(context.Context, monitor.Event) error) error {
	info, err := c.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream %s: %w", c.name, err)
	}
	last := info.State.LastSeq
	if !c.o.Follow && info.State.Msgs == 0 {
		return nil
	}
	cons, err := c.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return fmt.Errorf("stream %s: consumer: %w", c.name, err)
	}
	msgs := make(chan jetstream.Msg, 1024)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case msgs <- m:
		case <-ctx.Done():
		}
	}, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		c.o.Logger.Debug("nats: consumer", "err", err)
	}))
	if err != nil {
		return fmt.Errorf("stream %s: consume: %w", c.name, err)
	}
	defer cc.Stop()
	return c.loop(ctx, msgs, last, publish)
}

// loop takes messages in and releases what the window lets go: on each
// message, and every 100 ms of wall time. A stream quiet for a window of
// wall time releases all the window holds (a quiet night's last events
// go to the fold after the window, not after MaxHold). Quiet is counted
// only over looks that found the watch caught up (its last message said
// the stream had no more for it), nothing waiting to be taken, and the
// connection up; and before it releases, the server must say the stream
// ends at the watch's last message. A watch behind the stream, one that
// was busy handing events to the fold, a server away, the sites' time to
// come back after it and the consumer's own after a reconnect are not a
// quiet night, and release nothing early.
func (c *Consumer) loop(ctx context.Context, msgs <-chan jetstream.Msg, last uint64, publish func(context.Context, monitor.Event) error) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	caughtUp, quietSince, taken := false, int64(0), uint64(0)
	var out []Item
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case m := <-msgs:
			meta, _ := m.Metadata()
			out, quietSince = c.take(m, out), 0
			caughtUp = meta != nil && meta.NumPending == 0
			if meta != nil {
				taken = meta.Sequence.Stream
			}
			if !c.o.Follow && meta != nil && meta.Sequence.Stream >= last {
				return c.hand(ctx, c.flush(out), publish)
			}
		case <-tick.C:
			if !c.o.Follow || !caughtUp || len(msgs) > 0 || !c.nc.IsConnected() {
				quietSince = 0
				break
			}
			if now := c.o.now(); quietSince == 0 {
				quietSince = now
			} else if now-quietSince >= int64(c.o.Window) && c.holding() && c.streamEndsAt(ctx, taken) {
				out = c.flush(out)
			}
		}
		out = c.release(out)
		if err := c.hand(ctx, out, publish); err != nil {
			return err
		}
		out = out[:0]
	}
}

// take decodes m, drops it if its id was seen, and pushes it into the
// window (a late one comes straight out into out).
func (c *Consumer) take(m jetstream.Msg, out []Item) []Item {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.Messages++
	envs, err := Decode(m.Data())
	if err != nil {
		c.st.Malformed++
		c.o.Logger.Warn("nats: not an event", "subject", termsafe.Line(m.Subject()), "err", termsafe.Line(err.Error()))
		return out
	}
	for _, env := range envs {
		c.st.Received++
		if c.dup(env.ID) {
			c.st.Duplicates++
			c.r.Resent(env.Site, env.Recv)
			continue
		}
		c.st.Sites[env.Site]++
		if late := c.r.Push(env); late != nil {
			c.st.Late = c.r.Late
			out = append(out, *late)
		}
	}
	return out
}

// dup remembers id and says whether it was already there.
func (c *Consumer) dup(id string) bool {
	var k [16]byte
	if n, err := hex.Decode(k[:], []byte(id)); err != nil || n != len(k) {
		sum := sha256.Sum256([]byte(id)) // not an id of ours: its hash stands for it
		copy(k[:], sum[:])
	}
	if _, ok := c.seen[k]; ok {
		return true
	}
	if c.ringN >= seenCap {
		delete(c.seen, c.ring[c.ringN%seenCap])
	}
	c.ring[c.ringN%seenCap] = k
	c.ringN++
	c.seen[k] = struct{}{}
	return false
}

func (c *Consumer) release(out []Item) []Item {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.r.Release(out)
}

// holding says whether the window holds anything.
func (c *Consumer) holding() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.r.Held() > 0
}

// streamEndsAt asks the server whether the stream's last message is the
// one taken last (seq): the watch's last message said nothing was
// pending, but after a reconnect its consumer is made again (nats.go
// backs off 1–10 s) and says nothing meanwhile, while the stream already
// has what the sites published again.
func (c *Consumer) streamEndsAt(ctx context.Context, seq uint64) bool {
	info, err := c.stream.Info(ctx)
	return err == nil && info.State.LastSeq <= seq
}

func (c *Consumer) flush(out []Item) []Item {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.r.Flush(out)
}

// hand publishes what was released, in order, and measures each one's
// lag: to now, or (MeasureToFold) to when the fold has applied it.
func (c *Consumer) hand(ctx context.Context, out []Item, publish func(context.Context, monitor.Event) error) error {
	for _, it := range out {
		if err := publish(ctx, it.Env.Event); err != nil {
			return err
		}
	}
	var given uint64
	if c.counts != nil && len(out) > 0 {
		given, _ = c.counts()
	}
	now := c.o.now()
	c.mu.Lock()
	for _, it := range out {
		c.st.Released++
		switch {
		case it.Env.Recv <= 0:
		case c.counts == nil:
			c.lag(now - it.Env.Recv)
		case len(c.marks)-c.markHead < markCap:
			c.marks = append(c.marks, foldMark{given, it.Env.Recv})
		}
	}
	c.mu.Unlock()
	c.settle()
	return nil
}

// settle takes the lag of the events the fold has applied since.
func (c *Consumer) settle() {
	if c.counts == nil {
		return
	}
	_, applied := c.counts()
	now := c.o.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for ; c.markHead < len(c.marks) && c.marks[c.markHead].given <= applied; c.markHead++ {
		c.lag(now - c.marks[c.markHead].recv)
	}
	if c.markHead > 0 && c.markHead*2 >= len(c.marks) {
		c.marks = c.marks[:copy(c.marks, c.marks[c.markHead:])]
		c.markHead = 0
	}
}

// lag samples one event's lag (c.mu held).
func (c *Consumer) lag(ns int64) {
	if len(c.lags) < lagSample {
		c.lags = append(c.lags, ns)
	} else {
		c.lags[c.lagN%lagSample] = ns
	}
	c.lagN++
}

// Stats are the consumer's counts so far.
func (c *Consumer) Stats() ConsumeStats {
	c.settle() // what the fold has applied since the last message
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.st
	st.Held, st.Late, st.Connected = c.r.Held(), c.r.Late, c.nc.IsConnected()
	st.Sites = make(map[string]uint64, len(c.st.Sites))
	for k, v := range c.st.Sites {
		st.Sites[k] = v
	}
	l := slices.Clone(c.lags)
	slices.Sort(l)
	if n := len(l); n > 0 {
		st.Lag = LagStats{N: n, P50: l[n/2], P99: l[min(n-1, n*99/100)], Max: l[n-1]}
	}
	return st
}
