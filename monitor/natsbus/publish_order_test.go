package natsbus

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutover/cutover/fixtures/lab"
)

// flakyJS is a JetStream server that goes away and comes back, as nats.go
// shows it to a publisher: a disconnect fails every publish awaiting its
// acknowledgement at once (ErrDisconnected; those messages never reached
// the stream), publishes made while it is away wait in the client's
// reconnect buffer and reach the stream first when it is back, and a
// synchronous publish waits for it to be back. Acknowledgements come
// only when the test says (ackAll), so messages are in flight when it
// goes.
type flakyJS struct {
	jetstream.JetStream
	mu       sync.Mutex
	refuse   bool // while away, refuse publishes (no reconnect buffer, as a collector's connection) rather than buffer them
	down     bool
	back     chan struct{} // closed when it comes back
	inflight []*fakeFuture // published, not yet acknowledged
	buffered []*fakeFuture // published while away
	stored   []*nats.Msg   // the stream, in order
}

type fakeFuture struct {
	msg *nats.Msg
	ok  chan *jetstream.PubAck
	err chan error
}

func (f *fakeFuture) Ok() <-chan *jetstream.PubAck { return f.ok }
func (f *fakeFuture) Err() <-chan error            { return f.err }
func (f *fakeFuture) Msg() *nats.Msg               { return f.msg }

func (j *flakyJS) PublishMsgAsync(m *nats.Msg, _ ...jetstream.PublishOpt) (jetstream.PubAckFuture, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	f := &fakeFuture{m, make(chan *jetstream.PubAck, 1), make(chan error, 1)}
	if j.down && j.refuse {
		return nil, nats.ErrReconnectBufExceeded
	}
	if j.down {
		j.buffered = append(j.buffered, f)
	} else {
		j.inflight = append(j.inflight, f)
	}
	return f, nil
}

func (j *flakyJS) PublishMsg(ctx context.Context, m *nats.Msg, _ ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	j.mu.Lock()
	if j.down && j.refuse {
		j.mu.Unlock()
		return nil, nats.ErrReconnectBufExceeded
	}
	for j.down {
		back := j.back
		j.mu.Unlock()
		select {
		case <-back:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		j.mu.Lock()
	}
	defer j.mu.Unlock()
	j.stored = append(j.stored, m)
	return &jetstream.PubAck{}, nil
}

// ackAll stores and acknowledges what is in flight.
func (j *flakyJS) ackAll() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.inflight = j.store(j.inflight)
}

// store stores and acknowledges fs, in order (j.mu held); it returns fs
// emptied.
func (j *flakyJS) store(fs []*fakeFuture) []*fakeFuture {
	for _, f := range fs {
		j.stored = append(j.stored, f.msg)
		f.ok <- &jetstream.PubAck{}
	}
	return fs[:0]
}

func (j *flakyJS) disconnect() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.down, j.back = true, make(chan struct{})
	for _, f := range j.inflight {
		f.err <- nats.ErrDisconnected
	}
	j.inflight = nil
}

// reconnect flushes the reconnect buffer to the stream first, as nats.go
// does, then lets synchronous publishes through.
func (j *flakyJS) reconnect() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buffered, j.down = j.store(j.buffered), false
	close(j.back)
}

func (j *flakyJS) bufferedEvents(t *testing.T) (n int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, f := range j.buffered {
		envs, err := Decode(f.msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		n += len(envs)
	}
	return n
}

func (j *flakyJS) count() (inflight, stored int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.inflight) + len(j.buffered), len(j.stored)
}

// A site's events reach the stream in the order it took them in, across
// a server restart: the publishes a disconnect failed are published
// again before anything newer. The publisher used to go on publishing
// new events while it published the failed ones again one at a time, so
// the stream had a site's newer events before its older ones, and a
// watch set the older ones aside as late (2,144 of them in a 90,000/s
// run with the server restarted).
func TestServerRestartKeepsASitesOrder(t *testing.T) {
	js := &flakyJS{}
	p := &Publisher{o: PublishOptions{Site: "a", Logger: slog.New(slog.DiscardHandler), now: func() int64 { return 0 }}, js: js, stream: "CUTOVER_TEST",
		queue: make(chan record, 64), flight: make(chan pending, 64), done: make(chan struct{})}
	p.stop, p.cancel = context.WithCancel(context.Background())
	go p.send()
	go p.ack()
	publish := func(i int) {
		p.Publish(sipEvent(int64(i+1)*1e9, i))
		lab.WaitFor(t, "the event handed to NATS", func() bool { n, s := js.count(); return n+s == i+1 })
	}
	for i := range 10 { // ten messages in flight, one event each
		publish(i)
	}
	js.disconnect()
	lab.WaitFor(t, "the publisher to see the failure", func() bool { return p.retries.Load() > 0 })
	for i := 10; i < 20; i++ { // the night goes on while the server is away
		p.Publish(sipEvent(int64(i+1)*1e9, i))
	}
	lab.WaitFor(t, "the new events in the reconnect buffer, or held back", func() bool {
		return p.gated.Load() || len(p.queue) == 0 && js.bufferedEvents(t) == 10
	})
	js.reconnect()
	go func() { // the server acknowledges what comes in from now on
		for {
			select {
			case <-p.done:
				return
			case <-time.After(time.Millisecond):
				js.ackAll()
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var last int64
	n := 0
	for _, m := range js.stored {
		envs, err := Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range envs {
			if e.Event.Time < last {
				t.Fatalf("the stream has the event at %d s after the one at %d s", e.Event.Time/1e9, last/1e9)
			}
			last = e.Event.Time
			n++
		}
	}
	if n != 20 {
		t.Fatalf("the stream has %d events, want 20", n)
	}
}

// A publish made while the server is away waits in the publisher, behind
// the ones the disconnect failed, not in nats.go's reconnect buffer, from
// which it would reach the stream before them when the server is back.
func TestNothingWaitsInTheReconnectBuffer(t *testing.T) {
	s := natsd(t, t.TempDir(), 0)
	p := publisher(t, s.ClientURL(), "a")
	s.Shutdown()
	s.WaitForShutdown()
	lab.WaitFor(t, "the publisher to see the server gone", func() bool { return !p.Stats().Connected })
	p.Publish(sipEvent(1e9, 1))
	lab.WaitFor(t, "the publish refused and retried", func() bool { return p.Stats().Retries > 0 })
	if n, err := p.nc.Buffered(); err != nil || n != 0 {
		t.Fatalf("%d bytes in the reconnect buffer (%v)", n, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := p.Close(ctx); err == nil || !strings.Contains(err.Error(), "1 events not acknowledged") {
		t.Fatalf("Close with the server away: %v", err)
	}
}

// The publishes a disconnect failed go again together, in order, and
// their acknowledgements are awaited together: one round trip, not one
// each. Published again one at a time, a thousand in flight over a WAN
// link of 50 ms would hold every new event for 50 s, and the queue would
// overflow.
func TestFailedPublishesGoAgainTogether(t *testing.T) {
	js := &flakyJS{refuse: true}
	p := &Publisher{o: PublishOptions{Site: "a", Logger: slog.New(slog.DiscardHandler), now: func() int64 { return 0 }}, js: js, stream: "CUTOVER_TEST",
		queue: make(chan record, 64), flight: make(chan pending, 64), done: make(chan struct{})}
	p.stop, p.cancel = context.WithCancel(context.Background())
	go p.send()
	go p.ack()
	for i := range 10 { // ten messages in flight, one event each
		p.Publish(sipEvent(int64(i+1)*1e9, i))
		lab.WaitFor(t, "the event handed to NATS", func() bool { n, _ := js.count(); return n == i+1 })
	}
	js.disconnect()
	lab.WaitFor(t, "the publisher to see the failure", func() bool { return p.retries.Load() > 0 })
	js.reconnect()
	lab.WaitFor(t, "the ten published again before any is acknowledged", func() bool { n, _ := js.count(); return n == 10 })
	js.ackAll()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, stored := js.count(); stored != 10 || p.acked.Load() != 10 {
		t.Fatalf("stored %d, acknowledged %d, want 10", stored, p.acked.Load())
	}
}
