package natsbus

import (
	"testing"

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
	if out := r.Release(0, nil); len(out) != 0 {
		t.Fatalf("released %v before the window passed", times(out))
	}
	r.Push(env(12)) // 12 - 2 = 10: 9, 10 and 10 go
	if out := times(r.Release(0, nil)); len(out) != 3 || out[0] != 9 || out[1] != 10 || out[2] != 10 {
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

// A live watch (a wall clock given) releases what waited MaxHold even
// when no newer event pushes the window on.
func TestReorderMaxHold(t *testing.T) {
	r := Reorder{MaxHold: 10e9}
	r.Push(env(100))
	if out := r.Release(105e9, nil); len(out) != 0 {
		t.Fatalf("released after 5 s: %v", times(out))
	}
	if out := times(r.Release(110e9, nil)); len(out) != 1 {
		t.Fatalf("not released after 10 s: %v", out)
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
