package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

var (
	t0     = time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC).UnixNano()
	legacy = netip.MustParseAddrPort("198.51.100.10:5060")
	newTr  = netip.MustParseAddrPort("203.0.113.20:5060")
	pbx    = netip.MustParseAddrPort("192.0.2.10:5060")
)

func testConfig() monitor.Config {
	return monitor.Config{
		Name:           "pipeline test",
		DefaultCountry: "1",
		Trunks: []monitor.Trunk{
			{Name: "legacy", Role: monitor.RoleLegacy, Addrs: []monitor.TrunkAddr{{Prefix: netip.PrefixFrom(legacy.Addr(), 32)}}},
			{Name: "new", Role: monitor.RoleNew, Addrs: []monitor.TrunkAddr{{Prefix: netip.PrefixFrom(newTr.Addr(), 32)}}},
		},
		Numbers: []monitor.Number{{E164: "+14155550100", PortState: monitor.PortCompleted}},
	}
}

func sipEv(when int64, src, dst netip.AddrPort, start, method, callID string, cseq int) monitor.Event {
	raw := fmt.Sprintf("%s\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%d\r\nFrom: <sip:+14085550199@%s>;tag=f%s\r\n"+
		"To: <sip:+14155550100@%s>\r\nCall-ID: %s\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		start, src, callID, cseq, src.Addr(), callID, dst.Addr(), callID, cseq, method)
	return monitor.Event{Time: when, Kind: monitor.KindSIP, Source: "test",
		SIP: &monitor.SIPMessage{Src: src, Dst: dst, Transport: "udp", Raw: []byte(raw)}}
}

// night returns n inbound calls, one every 3 s of event time, alternating
// trunks; every third call on the new trunk is refused with 488, so the
// codec rule opens an alert that the recording must carry.
func night(n int) []monitor.Event {
	var evs []monitor.Event
	for i := range n {
		when := t0 + int64(i)*int64(3*time.Second)
		tr := legacy
		if i%2 == 1 {
			tr = newTr
		}
		id := fmt.Sprintf("call-%d", i)
		evs = append(evs, sipEv(when, tr, pbx, "INVITE sip:+14155550100@192.0.2.10 SIP/2.0", "INVITE", id, 1))
		if tr == newTr && i%3 == 0 {
			evs = append(evs, sipEv(when+int64(20*time.Millisecond), pbx, tr, "SIP/2.0 488 Not Acceptable Here", "INVITE", id, 1))
			continue
		}
		evs = append(evs, sipEv(when+int64(time.Second), pbx, tr, "SIP/2.0 200 OK", "INVITE", id, 1))
	}
	return evs
}

// memRecorder keeps what it is given; it can be made slow or failing.
type memRecorder struct {
	mu     sync.Mutex
	evs    []monitor.Event
	ckpts  []int // len(evs) at each checkpoint
	delay  time.Duration
	gate   chan struct{} // when set, Append waits for it to close
	failAt int           // Append fails once this many events are held (0 = never)
	lost   uint64
	err    error
}

func (r *memRecorder) Append(evs []monitor.Event) error {
	if r.gate != nil {
		<-r.gate
	}
	time.Sleep(r.delay)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failAt > 0 && len(r.evs)+len(evs) >= r.failAt {
		r.lost += uint64(len(evs))
		r.err = errors.New("disk full")
		return r.err
	}
	r.evs = append(r.evs, evs...)
	return nil
}

func (r *memRecorder) CheckpointFunc(ts int64, encode func() []byte) error {
	go encode() // as the store does: on another goroutine
	r.mu.Lock()
	r.ckpts = append(r.ckpts, len(r.evs))
	r.mu.Unlock()
	return nil
}

func (r *memRecorder) Flush() error { _, _, err := r.Status(); return err }

// LastSeq, WaitCommitted, Status: an event it holds is committed.
func (r *memRecorder) LastSeq() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int64(len(r.evs))
}

func (r *memRecorder) WaitCommitted(ctx context.Context, seq int64) error {
	if r.LastSeq() < seq {
		return errors.New("never appended")
	}
	return nil
}

func (r *memRecorder) Status() (committed, lost uint64, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return uint64(len(r.evs)), r.lost, r.err
}

func run(t *testing.T, p *Pipeline) <-chan error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- p.Run(context.Background()) }()
	return errc
}

func TestPublishNeverBlocksAndCountsDrops(t *testing.T) {
	rec := &memRecorder{gate: make(chan struct{})} // the recording is stuck
	p := New(monitor.NewState(testConfig()), Options{QueueSize: 16, BatchSize: 4, Recorder: rec})
	errc := run(t, p)
	evs := night(200)
	done := make(chan int)
	go func() {
		ok := 0
		for _, ev := range evs {
			if p.Publish(ev) {
				ok++
			}
		}
		done <- ok
	}()
	var accepted int
	select {
	case accepted = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked behind a stuck recorder")
	}
	_, st := p.Latest()
	if st.Dropped == 0 || st.Dropped+st.Published != uint64(len(evs)) {
		t.Fatalf("dropped %d + published %d != offered %d", st.Dropped, st.Published, len(evs))
	}
	if uint64(accepted) != st.Published {
		t.Fatalf("accepted %d, stats say published %d", accepted, st.Published)
	}
	close(rec.gate)
	p.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	snap, st := p.Latest()
	if st.Applied != st.Published || snap.Applied != st.Applied {
		t.Fatalf("applied %d (snapshot %d), published %d: accepted events were lost", st.Applied, snap.Applied, st.Published)
	}
}

func TestRecordsEveryEventAndDerivedAlertsInOrder(t *testing.T) {
	rec := &memRecorder{}
	p := New(monitor.NewState(testConfig()), Options{BatchSize: 7, CheckpointEvery: 50, CheckpointGap: -1, Recorder: rec})
	errc := run(t, p)
	evs := night(400)
	for _, ev := range evs {
		if err := p.PublishWait(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	var sip, alerts int
	last := int64(0)
	for _, ev := range rec.evs {
		if ev.Time < last {
			t.Fatalf("recording goes back in time: %d after %d", ev.Time, last)
		}
		last = ev.Time
		switch ev.Kind {
		case monitor.KindSIP:
			sip++
		case monitor.KindAlert:
			alerts++
		}
	}
	if sip != len(evs) {
		t.Fatalf("recorded %d SIP events, published %d", sip, len(evs))
	}
	if alerts == 0 {
		t.Fatal("the 488 rule's alert was not recorded")
	}
	if len(rec.ckpts) < len(evs)/50-1 {
		t.Fatalf("%d checkpoints for %d events every 50", len(rec.ckpts), len(evs))
	}
	for i := 1; i < len(rec.ckpts); i++ {
		if rec.ckpts[i] < rec.ckpts[i-1] {
			t.Fatal("checkpoint recorded before events folded into it")
		}
	}
}

// TestReplayFoldsToTheSameScreen is the design's promise: a recording
// replayed through the same pipeline gives the same snapshot as live.
func TestReplayFoldsToTheSameScreen(t *testing.T) {
	rec := &memRecorder{}
	live := New(monitor.NewState(testConfig()), Options{Recorder: rec})
	errc := run(t, live)
	for _, ev := range night(300) {
		live.Publish(ev)
	}
	live.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	replay := New(monitor.NewState(testConfig()), Options{})
	errc = run(t, replay)
	pacer := NewPacer(0)
	i := 0
	next := func() (monitor.Event, bool, error) {
		if i == len(rec.evs) {
			return monitor.Event{}, false, nil
		}
		ev := rec.evs[i]
		i++
		if ev.SIP != nil { // as read back from the store: raw bytes only
			ev.SIP = &monitor.SIPMessage{Src: ev.SIP.Src, Dst: ev.SIP.Dst, Transport: ev.SIP.Transport, Raw: ev.SIP.Raw}
		}
		return ev, true, nil
	}
	if err := pacer.Play(context.Background(), next, replay.PublishWait); err != nil {
		t.Fatal(err)
	}
	replay.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	a, _ := live.Latest()
	b, _ := replay.Latest()
	if len(a.Alerts) == 0 {
		t.Fatal("live fold opened no alert; the test proves nothing")
	}
	if !reflect.DeepEqual(a.Trunks, b.Trunks) || !reflect.DeepEqual(a.Numbers, b.Numbers) || !reflect.DeepEqual(a.Alerts, b.Alerts) {
		t.Fatalf("replay differs from live:\nlive   %+v\nreplay %+v", a.Trunks, b.Trunks)
	}
}

func TestRecorderFailureIsReportedAndFoldGoesOn(t *testing.T) {
	rec := &memRecorder{failAt: 30}
	p := New(monitor.NewState(testConfig()), Options{BatchSize: 8, Recorder: rec})
	errc := run(t, p)
	evs := night(100)
	for _, ev := range evs {
		if err := p.PublishWait(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	err := <-errc
	if err == nil || err.Error() != "disk full" {
		t.Fatalf("Run returned %v, want the recorder's error", err)
	}
	_, st := p.Latest()
	if st.StoreErr != "disk full" {
		t.Fatalf("stats StoreErr %q", st.StoreErr)
	}
	if st.Applied != uint64(len(evs)) {
		t.Fatalf("applied %d of %d: the screen stopped with the recording", st.Applied, len(evs))
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	p := New(monitor.NewState(testConfig()), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- p.Run(ctx) }()
	p.Publish(night(1)[0])
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop on cancel")
	}
}

// An event PublishWait takes is folded, even when Close races it; once
// Close has been called PublishWait refuses, every time (an operator's
// action must never be acknowledged and then lost at shutdown).
func TestPublishWaitNeverTakesAfterClose(t *testing.T) {
	for round := 0; round < 20; round++ {
		p := New(monitor.NewState(testConfig()), Options{QueueSize: 8, BatchSize: 4, Recorder: &memRecorder{}})
		errc := run(t, p)
		evs := night(400)
		var taken atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(evs); i += 4 {
					if p.PublishWait(context.Background(), evs[i]) == nil {
						taken.Add(1)
					}
				}
			}()
		}
		time.Sleep(time.Duration(round) * 100 * time.Microsecond)
		p.Close()
		wg.Wait()
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if _, st := p.Latest(); st.Applied != uint64(taken.Load()) {
			t.Fatalf("round %d: PublishWait took %d events, the fold applied %d", round, taken.Load(), st.Applied)
		}
		for i := 0; i < 50; i++ {
			if err := p.PublishWait(context.Background(), evs[0]); !errors.Is(err, errClosed) {
				t.Fatalf("after Close: %v", err)
			}
		}
	}
}

// A fast night checkpoints at most once per CheckpointGap of wall time,
// however many events pass: the checkpoint's cost stays off ingest.
func TestCheckpointGapBoundsCheckpoints(t *testing.T) {
	rec := &memRecorder{}
	p := New(monitor.NewState(testConfig()), Options{CheckpointEvery: 10, CheckpointGap: time.Hour, CheckpointSpan: 24 * time.Hour, Recorder: rec})
	errc := run(t, p)
	for _, ev := range night(400) {
		if err := p.PublishWait(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// Stats.Checkpoint is the last one's event time, the end's (checkpoint age in /metrics).
	if snap, st := p.Latest(); st.Checkpoint != snap.Now || st.Checkpoint == 0 {
		t.Fatalf("Stats.Checkpoint %d, want the last checkpoint's time %d", st.Checkpoint, snap.Now)
	}
	// one when the gap first allows (the start), one at the end
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if n := len(rec.ckpts); n != 2 {
		t.Fatalf("%d checkpoints for 400 events every 10 with an hour's gap, want 2", n)
	}
}

// A quarantined event's time is not the fold's: one stamped 2100 must not
// set the time the next checkpoint is measured from, or the night after it
// gets no span checkpoints (and seeks in it fold forward from the start).
func TestQuarantinedEventDoesNotStopSpanCheckpoints(t *testing.T) {
	rec := &memRecorder{}
	p := New(monitor.NewState(testConfig()), Options{CheckpointEvery: 1 << 30, CheckpointSpan: 5 * time.Minute, Recorder: rec})
	errc := run(t, p)
	evs := night(600) // 30 minutes, a call every 3 s
	far := sipEv(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano(), legacy, pbx, "INVITE sip:+14155550100@192.0.2.10 SIP/2.0", "INVITE", "far", 1)
	far.Quarantined = true
	evs = append(evs[:10:10], append([]monitor.Event{far}, evs[10:]...)...)
	for _, ev := range evs {
		if err := p.PublishWait(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if n := len(rec.ckpts); n < 6 { // one each 5 minutes of the night, and the last
		t.Fatalf("%d checkpoints over 30 minutes with a 5-minute span, want at least 6", n)
	}
}
