package session

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/tui"
)

// stuckScreen is a screen that takes nothing until released (a session
// over a link that stalled), then keeps what it gets.
type stuckScreen struct {
	release chan struct{}
	got     chan tea.Msg
}

func (s *stuckScreen) Send(m tea.Msg) {
	<-s.release
	s.got <- m
}

// lastSnap is the newest snapshot a fake screen has, and whether it has
// the end.
func (f *fakeScreen) lastSnap() (last *monitor.Snapshot, done bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.msgs {
		switch m := m.(type) {
		case tui.SnapshotMsg:
			last = m.Snap
		case tui.DoneMsg:
			done = true
		}
	}
	return last, done
}

// A screen that takes nothing slows neither the fold nor the other
// screens: they get every snapshot up to the last and the end while it
// is stuck, and once it moves it gets the newest snapshot (the ones in
// between dropped and counted), then the end.
func TestFanoutStuckScreenDoesNotSlowOthers(t *testing.T) {
	in := NewIntake(IntakeOptions{Config: monitor.Config{Name: "fanout"}, Delivery: Lossless})
	r := &run{folded: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fan := newFanout()
	stuck := &stuckScreen{release: make(chan struct{}), got: make(chan tea.Msg, 16)}
	stuckSub, detachStuck := fan.attach(stuck)
	defer detachStuck()
	fast := &fakeScreen{}
	_, detachFast := fan.attach(fast)
	defer detachFast()
	relayed := make(chan struct{})
	go func() { defer close(relayed); relay(ctx, in.p, fan, r, func() []tui.SourceStat { return nil }, false) }()
	const n = 5000
	go func() {
		for i := range n {
			_ = in.Publish(ctx, monitor.Event{Time: int64(i+1) * 1e9, Kind: monitor.KindTick, Source: monitor.SourceClock})
		}
		in.p.Close()
	}()
	r.runErr = in.p.Run(context.Background()) // the fold runs to its end with a screen stuck
	close(r.folded)
	lab.WaitFor(t, "the end on the other screen", func() bool { _, done := fast.lastSnap(); return done })
	if last, _ := fast.lastSnap(); last == nil || last.Now != n*1e9 {
		t.Fatalf("the other screen's last snapshot = %+v, want the fold's last at %d", last, int64(n*1e9))
	}
	// a screen that joins now gets the night as it stands, and its end
	late := &fakeScreen{}
	_, detachLate := fan.attach(late)
	defer detachLate()
	lab.WaitFor(t, "the late screen's end", func() bool { _, done := late.lastSnap(); return done })
	if last, _ := late.lastSnap(); last == nil || last.Now != n*1e9 {
		t.Fatalf("the late screen's snapshot = %+v", last)
	}
	lab.WaitFor(t, "a snapshot dropped for the stuck screen", func() bool { return stuckSub.dropped.Load() > 0 })
	close(stuck.release)
	var msgs []tea.Msg
	lab.WaitFor(t, "the end on the stuck screen", func() bool {
		m := <-stuck.got
		msgs = append(msgs, m)
		_, done := m.(tui.DoneMsg)
		return done
	})
	// after the one it was stuck on: no backlog, only the newest and the end
	for i, m := range msgs[1 : len(msgs)-1] {
		if s, ok := m.(tui.SnapshotMsg); !ok || s.Snap.Now != n*1e9 {
			t.Fatalf("the stuck screen's message %d is %#v, want only the fold's last snapshot", i+1, m)
		}
	}
	if len(msgs) < 3 {
		t.Fatalf("the stuck screen got %d messages, want the one it was stuck on, the newest and the end", len(msgs))
	}
	cancel()
	<-relayed
}
