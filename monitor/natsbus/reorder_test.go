package natsbus

import (
	"log/slog"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutover/cutover/monitor"
)

func env(t int64) Envelope {
	return Envelope{ID: "x", Event: monitor.Event{Time: t * 1e9, Kind: monitor.KindTick}}
}

func times(its []Item) []int64 {
	var out []int64
	for _, it := range its {
		out = append(out, it.Env.Event.Time/1e9)
	}
	return out
}

// Within the window events come out in event-time order; one that comes
// after a later event was released is late: out at once, quarantined,
// counted.
func TestReorderWindow(t *testing.T) {
	var r Reorder // 2 s
	for _, s := range []int64{10, 9, 10} {
		if late := r.Push(env(s)); late != nil {
			t.Fatalf("%d s late", s)
		}
	}
	if out := r.Release(nil); len(out) != 0 {
		t.Fatalf("released %v before the window passed", times(out))
	}
	r.Push(env(12)) // 12 - 2 = 10: 9, 10 and 10 go
	if out := times(r.Release(nil)); len(out) != 3 || out[0] != 9 || out[1] != 10 || out[2] != 10 {
		t.Fatalf("released %v, want [9 10 10]", out)
	}
	if late := r.Push(env(10)); late != nil { // the same time as the last released: still in order
		t.Fatalf("10 s late")
	}
	late := r.Push(env(8))
	if late == nil || !late.Env.Event.Quarantined || r.Late != 1 {
		t.Fatalf("8 s after 10 s was released: %+v, late %d", late, r.Late)
	}
	if out := times(r.Flush(nil)); len(out) != 2 || out[0] != 10 || out[1] != 12 || r.Held() != 0 {
		t.Fatalf("flush %v", out)
	}
}

func TestIDStable(t *testing.T) {
	a, b := sipEvent(5, 1), sipEvent(5, 1)
	b.Quarantined = true
	if ID(a) != ID(b) || len(ID(a)) != 32 {
		t.Errorf("the same message judged twice: %s, %s", ID(a), ID(b))
	}
	if c := sipEvent(6, 1); ID(c) == ID(a) {
		t.Error("another time, the same id")
	}
	if c := sipEvent(5, 2); ID(c) == ID(a) {
		t.Error("another message, the same id")
	}
	if StreamName("ACME night-1") != "CUTOVER_ACME_NIGHT_1" || Subject("CUTOVER_X") != "cutover.cutover_x.events" {
		t.Error(StreamName("ACME night-1"), Subject("CUTOVER_X"))
	}
	if s, st, err := ParseURL("nats://127.0.0.1:4222/CUTOVER_X"); err != nil || s != "nats://127.0.0.1:4222" || st != "CUTOVER_X" {
		t.Error(s, st, err)
	}
}

func siteEnv(site string, t, recv int64) Envelope {
	e := env(t)
	e.Site, e.Recv = site, recv*1e9
	return e
}

// A site whose events come in behind the others' (its link slower, or
// the server gave the others' backlog first) holds them back: nothing is
// released past its newest event less the window, so its events fall in
// place. A site quiet for MaxHold of receipts no longer holds anyone.
func TestReorderWaitsForTheSlowestSite(t *testing.T) {
	var r Reorder // 2 s window, 10 s hold
	for s := int64(10); s <= 20; s++ {
		r.Push(siteEnv("a", s, s))
	}
	r.Push(siteEnv("b", 10, 10))
	if out := times(r.Release(nil)); len(out) != 0 {
		t.Fatalf("released %v while b is at 10 s", out)
	}
	for s := int64(11); s <= 15; s++ { // b's backlog arrives
		if r.Push(siteEnv("b", s, s)) != nil {
			t.Fatalf("b's %d s late", s)
		}
	}
	if out := times(r.Release(nil)); len(out) != 8 || out[len(out)-1] != 13 || r.Late != 0 {
		t.Fatalf("released %v (late %d), want up to 13 s", out, r.Late)
	}
	r.Push(siteEnv("a", 30, 30)) // b has said nothing for 15 s of receipts: it holds nothing back
	if out := times(r.Release(nil)); len(out) == 0 || out[len(out)-1] != 20 {
		t.Fatalf("released %v after b went quiet, want up to 20 s", out)
	}
}

// A collector restarted after a crash replays its SBC's buffer, much of
// which the watch has already folded. While it works through those
// duplicates it is still sending: the window waits for it even when the
// replay takes longer than MaxHold, and its new events, coming after,
// are in order, not late (the watch used to drop a duplicate before the
// window saw it, so a long replay looked like a dead site).
func TestAResendingSiteHoldsTheWindow(t *testing.T) {
	c := &Consumer{o: ConsumeOptions{Logger: slog.New(slog.DiscardHandler)}, seen: map[[16]byte]struct{}{},
		ring: make([][16]byte, seenCap), st: ConsumeStats{Sites: map[string]uint64{}}}
	msg := func(site string, ts, recv int64) jetstream.Msg {
		ev := sipEvent(ts*1e9, int(ts)+100*int(site[0])) // the two sites' messages differ
		e := Envelope{ID: ID(ev), Site: site, Recv: recv * 1e9, Event: ev}
		b, err := Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		return stubMsg{data: b}
	}
	var out []Item
	for s := int64(10); s <= 15; s++ { // both sites up to 15 s; then b's collector dies
		out = c.take(msg("a", s, s), out)
		out = c.take(msg("b", s, s), out)
	}
	for s := int64(16); s <= 30; s++ { // a goes on; b, restarted, replays 10–15 s for 14 s
		out = c.take(msg("a", s, s), out)
		out = c.take(msg("b", 10+(s-16)%6, s), out)
		out = c.release(out)
	}
	out = c.take(msg("b", 16, 30), out) // b's first new event
	if c.st.Late != 0 || c.st.Duplicates != 15 {
		t.Fatalf("late %d, duplicates %d (want 0, 15): b's new event was late after its replay", c.st.Late, c.st.Duplicates)
	}
	if got := times(out); len(got) == 0 || got[len(got)-1] > 13 {
		t.Fatalf("released up to %v while b, replaying, stood at 15 s", got)
	}
}

// A site that only resends, for longer than resendHolds × MaxHold of
// receipts, holds no one back any more: a collector replaying in a loop
// would otherwise hold the window, and the watch's memory, for ever.
func TestAResendingSiteHoldsForABoundedTime(t *testing.T) {
	var r Reorder // 2 s window, 10 s hold: a resending site holds for 30 s
	r.Push(siteEnv("a", 10, 10))
	r.Push(siteEnv("b", 10, 10))
	for s := int64(11); s <= 45; s++ {
		r.Push(siteEnv("a", s, s))
		r.Resent("b", s*1e9) // b resends, and sends nothing new
		out := times(r.Release(nil))
		switch held := len(out) == 0; {
		case s <= 40 && !held:
			t.Fatalf("at %d s of receipts (b's last new event at 10 s) released %v", s, out)
		case s > 40 && held && r.Held() > 2:
			t.Fatalf("at %d s of receipts b still holds %d events", s, r.Held())
		}
	}
}
