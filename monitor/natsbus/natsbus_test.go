package natsbus

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
)

// natsd runs an embedded nats-server with JetStream (lab.NATSD).
func natsd(t testing.TB, dir string, port int) *server.Server { return lab.NATSD(t, dir, port) }

func sipEvent(t int64, n int) monitor.Event {
	raw := fmt.Sprintf("INVITE sip:+1415555%04d@203.0.113.20 SIP/2.0\r\nCall-ID: c%d\r\nCSeq: 1 INVITE\r\n\r\n", n, n)
	return monitor.Event{Time: t, Kind: monitor.KindSIP, Source: monitor.SourceHEP, SIP: &monitor.SIPMessage{
		Src: netip.MustParseAddrPort("198.51.100.10:5060"), Dst: netip.MustParseAddrPort("203.0.113.20:5060"),
		Transport: "udp", Raw: []byte(raw)}}
}

func publisher(t *testing.T, url, site string) *Publisher {
	t.Helper()
	p, err := NewPublisher(context.Background(), PublishOptions{URL: url, Stream: "CUTOVER_TEST", Site: site})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func closeWithin(t testing.TB, p *Publisher, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// history reads the stream's history as a replay does.
func history(t *testing.T, url string) ([]monitor.Event, ConsumeStats) {
	t.Helper()
	c, err := NewConsumer(context.Background(), ConsumeOptions{URL: url, Stream: "CUTOVER_TEST"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got []monitor.Event
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Run(ctx, func(_ context.Context, ev monitor.Event) error { got = append(got, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	return got, c.Stats()
}

// Two sites publish interleaved and slightly out of order (within the
// window): the consumer hands every event over once, in event-time order,
// byte for byte.
func TestPublishConsumeInEventTimeOrder(t *testing.T) {
	s := natsd(t, t.TempDir(), 0)
	a, b := publisher(t, s.ClientURL(), "a"), publisher(t, s.ClientURL(), "b")
	const n = 400
	base := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC).UnixNano()
	want := make([]monitor.Event, n)
	for i := range n {
		want[i] = sipEvent(base+int64(i)*int64(time.Millisecond), i)
	}
	for i := 0; i < n; i += 10 { // each block of 10 goes out backwards, odd blocks by b
		p := a
		if i/10%2 == 1 {
			p = b
		}
		for j := 9; j >= 0; j-- {
			if !p.Publish(want[i+j]) {
				t.Fatal("refused")
			}
		}
	}
	closeWithin(t, a, 10*time.Second)
	closeWithin(t, b, 10*time.Second)
	got, st := history(t, s.ClientURL())
	if len(got) != n || st.Late != 0 || st.Duplicates != 0 || st.Sites["a"] != n/2 || st.Sites["b"] != n/2 {
		t.Fatalf("got %d events, stats %+v", len(got), st)
	}
	for i := range got {
		if got[i].Time != want[i].Time || !bytes.Equal(got[i].SIP.Raw, want[i].SIP.Raw) || got[i].SIP.Src != want[i].SIP.Src || got[i].Quarantined {
			t.Fatalf("event %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

// A collector restarted resends what it had sent. Sent one by one, each
// event goes alone in a message under its own id: the stream stores it
// once (the acknowledgement says duplicate). Sent in a burst, the events
// travel in batches the stream may not have seen: what it stores again,
// the consumer drops by the events' ids. Either way each event is handed
// over once.
func TestResendIsDeduplicated(t *testing.T) {
	s := natsd(t, t.TempDir(), 0)
	evs := []monitor.Event{sipEvent(1e18, 1), sipEvent(1e18+1, 2), {Time: 1e18 + 2, Kind: monitor.KindNote, Source: monitor.SourceOperator, Note: &monitor.Note{Text: "x"}}}
	first := publisher(t, s.ClientURL(), "a")
	for i, ev := range evs[:2] {
		first.Publish(ev)
		lab.WaitFor(t, "the acknowledgement", func() bool { return first.Stats().Acked == uint64(i+1) })
	}
	closeWithin(t, first, 10*time.Second)
	again := publisher(t, s.ClientURL(), "a")
	for i, ev := range evs {
		q := ev
		q.Quarantined = true // judged again after the restart: still the same event
		again.Publish(q)
		lab.WaitFor(t, "the acknowledgement", func() bool { return again.Stats().Acked == uint64(i+1) })
	}
	closeWithin(t, again, 10*time.Second)
	if st := again.Stats(); st.Acked != 3 || st.Duplicates != 2 {
		t.Errorf("resend one by one: %+v, want 3 acknowledged of which 2 duplicates", st)
	}
	burst := publisher(t, s.ClientURL(), "a")
	for _, ev := range evs {
		burst.Publish(ev)
	}
	closeWithin(t, burst, 10*time.Second)
	bst := burst.Stats()
	got, cs := history(t, s.ClientURL())
	if len(got) != 3 || cs.Received != 3+3-bst.Duplicates || cs.Duplicates != 3-bst.Duplicates {
		t.Errorf("the stream gives %d events (%+v; the burst's publisher %+v), want 3, the burst's dropped by the stream or by id", len(got), cs, bst)
	}
}

func TestDeadServerIsAClearError(t *testing.T) {
	s := natsd(t, t.TempDir(), 0)
	url := s.ClientURL()
	s.Shutdown()
	s.WaitForShutdown()
	_, err := NewPublisher(context.Background(), PublishOptions{URL: url, Stream: "CUTOVER_TEST"})
	if err == nil || !strings.Contains(err.Error(), url) {
		t.Errorf("publisher to a dead server: %v", err)
	}
	_, err = NewConsumer(context.Background(), ConsumeOptions{URL: url + "/CUTOVER_TEST"})
	if err == nil || !strings.Contains(err.Error(), url) {
		t.Errorf("consumer of a dead server: %v", err)
	}
	if _, _, err := ParseURL("http://x:4222"); err == nil {
		t.Error("http:// accepted")
	}
}

// The server goes away mid-stream and comes back on the same store: what
// was acknowledged before is still there, and what was published while
// it was away is published once it is back; nothing is lost or doubled.
func TestServerRestartLosesNothing(t *testing.T) {
	dir := t.TempDir()
	s := natsd(t, dir, 0)
	url := s.ClientURL()
	p := publisher(t, url, "a")
	const n = 300
	for i := range n / 2 {
		p.Publish(sipEvent(1e18+int64(i), i))
	}
	lab.WaitFor(t, "the first half acknowledged", func() bool { return p.Stats().Acked == n/2 })
	s.Shutdown()
	s.WaitForShutdown()
	for i := n / 2; i < n; i++ {
		p.Publish(sipEvent(1e18+int64(i), i))
	}
	natsd(t, dir, portOf(t, url))
	closeWithin(t, p, 60*time.Second)
	if st := p.Stats(); st.Acked < n || st.Failed != 0 || st.Dropped != 0 {
		t.Errorf("publisher: %+v", st)
	}
	got, cs := history(t, url)
	if len(got) != n || cs.Duplicates+cs.Late != 0 {
		t.Fatalf("after the restart the stream gives %d events (%+v), want %d", len(got), cs, n)
	}
	for i, ev := range got {
		if ev.Time != 1e18+int64(i) {
			t.Fatalf("event %d at %d", i, ev.Time)
		}
	}
}

func portOf(t *testing.T, url string) int {
	t.Helper()
	ap, err := netip.ParseAddrPort(strings.TrimPrefix(url, "nats://"))
	if err != nil {
		t.Fatal(err)
	}
	return int(ap.Port())
}

// With MeasureToFold the lag of an event runs to when the fold has
// applied it, not to its release: nothing is sampled while the fold
// has applied none, and what it applies an hour later lags an hour.
func TestLagRunsToTheFold(t *testing.T) {
	s := natsd(t, t.TempDir(), 0)
	p := publisher(t, s.ClientURL(), "a")
	const n = 50
	for i := range n {
		p.Publish(sipEvent(1e18+int64(i), i))
	}
	closeWithin(t, p, 10*time.Second)
	var clock, applied atomic.Int64
	clock.Store(time.Now().Add(time.Minute).UnixNano())
	c, err := NewConsumer(context.Background(), ConsumeOptions{URL: s.ClientURL(), Stream: "CUTOVER_TEST", now: clock.Load})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	given := 0
	c.MeasureToFold(func() (uint64, uint64) { return uint64(given), uint64(applied.Load()) })
	if err := c.Run(context.Background(), func(context.Context, monitor.Event) error { given++; return nil }); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Released != n || st.Lag.N != 0 {
		t.Fatalf("released %d, lag sampled for %d before the fold applied any", st.Released, st.Lag.N)
	}
	clock.Add(int64(time.Hour))
	applied.Store(n)
	c.settle()
	if st := c.Stats(); st.Lag.N != n || st.Lag.P50 < int64(time.Hour) || st.Lag.Max > int64(time.Hour+2*time.Minute) {
		t.Fatalf("lag after the fold applied all an hour later: %+v", st.Lag)
	}
}

// A watch whose server goes away for longer than the window holds what
// it has when the server is back, as it did while the server was away:
// the sites are still to reconnect, and one that was behind is still
// behind. It used to take the silence of the outage for a quiet night
// and release everything at its first look after reconnecting, so the
// lagging site's next events were late (the 90,000/s NATS run lost
// 15,000–43,000 events to quarantine that way).
func TestServerOutageIsNotAQuietNight(t *testing.T) {
	dir := t.TempDir()
	s := natsd(t, dir, 0)
	url := s.ClientURL()
	a, b := publisher(t, url, "a"), publisher(t, url, "b")
	b.Publish(sipEvent(10e9, 100)) // b, behind, at 10 s; first in the stream, so the window knows it from the start
	lab.WaitFor(t, "b's event acknowledged", func() bool { return b.Stats().Acked == 1 })
	for i := range 20 { // a at 10–29 s
		a.Publish(sipEvent(int64(10+i)*1e9, i))
	}
	lab.WaitFor(t, "a's events acknowledged", func() bool { return a.Stats().Acked == 20 })

	var wall, looks atomic.Int64 // the consumer's wall clock, and how often it has read it
	wall.Store(time.Now().UnixNano())
	c, err := NewConsumer(context.Background(), ConsumeOptions{URL: url, Stream: "CUTOVER_TEST", Follow: true,
		Window: time.Second, now: func() int64 { looks.Add(1); return wall.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var mu sync.Mutex
	var got []int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, func(_ context.Context, ev monitor.Event) error {
			mu.Lock()
			got = append(got, ev.Time/1e9)
			mu.Unlock()
			return nil
		})
	}()
	lab.WaitFor(t, "the history read", func() bool { return c.Stats().Received == 21 })

	s.Shutdown()
	s.WaitForShutdown()
	lab.WaitFor(t, "the watch to see the server gone", func() bool { return !c.Stats().Connected })
	seen := looks.Load()
	lab.WaitFor(t, "the watch to look at its window twice in the outage", func() bool { return looks.Load() >= seen+2 })
	wall.Add(int64(10 * time.Second)) // the outage lasts ten windows
	seen = looks.Load()
	lab.WaitFor(t, "the watch to look at its window twice more in the outage", func() bool { return looks.Load() >= seen+2 })
	natsd(t, dir, portOf(t, url))
	lab.WaitFor(t, "the watch reconnected", func() bool { return c.Stats().Connected })
	seen = looks.Load()
	lab.WaitFor(t, "the watch to look at its window twice since", func() bool { return looks.Load() >= seen+2 })

	b.Publish(sipEvent(11e9, 101)) // b goes on where it was
	lab.WaitFor(t, "b's event", func() bool { return c.Stats().Received == 22 })
	cancel()
	<-done
	if st := c.Stats(); st.Late != 0 {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("b's event at 11 s was late after the outage (released %v): %+v", got, st)
	}
	closeWithin(t, a, 10*time.Second)
	closeWithin(t, b, 10*time.Second)
}

// stubMsg is a stream message for Consumer.take and loop: only its data
// and its metadata (how many more the stream has for the consumer) are
// read.
type stubMsg struct {
	jetstream.Msg
	data         []byte
	pending, seq uint64
}

func (m stubMsg) Data() []byte    { return m.data }
func (m stubMsg) Subject() string { return "cutover.test.events" }
func (m stubMsg) Metadata() (*jetstream.MsgMetadata, error) {
	return &jetstream.MsgMetadata{NumPending: m.pending, Sequence: jetstream.SequencePair{Stream: m.seq}}, nil
}

// The stream going silent while the watch is behind it (the stream said
// more was pending: a burst it has not read yet, a consumer being made
// again after a reconnect) is not a quiet night: what the window holds
// stays held, and the slow site's next event is in order. The watch used
// to count itself caught up for good once it had been, and released
// everything after a window of silence. Caught up, a window of silence
// is a quiet night: everything goes to the fold.
func TestSilenceIsAQuietNightOnlyWhenCaughtUp(t *testing.T) {
	s := natsd(t, t.TempDir(), 0)
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.CreateStream(context.Background(), StreamConfig("CUTOVER_TEST", 1))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the stream the watch reads: two messages (their content is the stubs')
		if _, err := js.Publish(context.Background(), Subject("CUTOVER_TEST"), []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	var wall, looks atomic.Int64
	wall.Store(time.Now().UnixNano())
	c := &Consumer{o: ConsumeOptions{Follow: true, Window: time.Second, Logger: slog.New(slog.DiscardHandler),
		now: func() int64 { looks.Add(1); return wall.Load() }}, nc: nc, stream: stream,
		seen: map[[16]byte]struct{}{}, ring: make([][16]byte, seenCap), st: ConsumeStats{Sites: map[string]uint64{}}}
	c.r.Window, c.r.MaxHold = int64(time.Second), int64(5*time.Second)
	msg := func(site string, ts int64, pending, seq uint64) jetstream.Msg {
		ev := sipEvent(ts*1e9, int(ts)+100*int(site[0]))
		b, err := Encode(Envelope{ID: ID(ev), Site: site, Recv: wall.Load(), Event: ev})
		if err != nil {
			t.Fatal(err)
		}
		return stubMsg{data: b, pending: pending, seq: seq}
	}
	looked := func(what string) {
		seen := looks.Load()
		lab.WaitFor(t, "the watch to look at its window twice "+what, func() bool { return looks.Load() >= seen+2 })
	}
	msgs := make(chan jetstream.Msg, 64)
	msgs <- msg("b", 10, 0, 1) // caught up: b at 10 s
	for i := range int64(20) {
		msgs <- msg("a", 10+i, uint64(100-i), 1) // a burst from a, more of it still in the stream
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.loop(ctx, msgs, 0, func(context.Context, monitor.Event) error { return nil }) }()
	lab.WaitFor(t, "the burst taken", func() bool { return c.Stats().Received == 21 })
	wall.Add(int64(10 * time.Second)) // ten windows of silence
	looked("in the silence")
	msgs <- msg("b", 11, 0, 1)
	lab.WaitFor(t, "b's next event", func() bool { return c.Stats().Received == 22 })
	if st := c.Stats(); st.Late != 0 || st.Held == 0 {
		t.Fatalf("b's event at 11 s was late after a silence while the watch was behind: %+v", st)
	}
	// Its last message said nothing was pending, but the stream has one
	// more (after a reconnect the consumer is made again, and says
	// nothing meanwhile): not a quiet night either.
	looked("with nothing pending")
	wall.Add(int64(10 * time.Second))
	looked("in the silence, the stream ahead of it")
	if st := c.Stats(); st.Held == 0 {
		t.Fatalf("released everything while the stream had a message it had not taken: %+v", st)
	}
	// Caught up now: a window of quiet is a quiet night, and the window
	// lets everything go to the fold.
	msgs <- msg("b", 12, 0, 2)
	lab.WaitFor(t, "the stream's last message", func() bool { return c.Stats().Received == 23 })
	looked("caught up")
	wall.Add(int64(time.Second))
	lab.WaitFor(t, "everything released after a window of quiet", func() bool { return c.Stats().Held == 0 })
	cancel()
	<-done
	if st := c.Stats(); st.Released != 23 || st.Late != 0 {
		t.Fatalf("after the quiet: %+v", st)
	}
}
