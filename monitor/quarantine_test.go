package monitor

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

// A quarantined event is counted and nothing else: the clock, the KPIs,
// the feed and the call table are as if it had never come.
func TestQuarantinedEventOnlyCounted(t *testing.T) {
	evs := randomNight(t, 3, 60)
	far := newDialog(t, "from-2100", newTr, pbx, "+12125550199", testNum).
		invite(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano(), "")
	far.Quarantined = true
	with := append(append(append([]Event(nil), evs[:len(evs)/2]...), far), evs[len(evs)/2:]...)

	a, b := NewState(testConfig()), NewState(testConfig())
	applyAll(a, evs...)
	applyAll(b, with...)
	got, want := b.Snapshot(), a.Snapshot()
	if got.Quarantined != 1 || got.Now != want.Now || got.Applied != want.Applied+1 {
		t.Fatalf("quarantined %d, clock %s (want %s), applied %d (want %d)",
			got.Quarantined, time.Unix(0, got.Now).UTC(), time.Unix(0, want.Now).UTC(), got.Applied, want.Applied+1)
	}
	got.Quarantined, got.Applied = 0, want.Applied
	if !reflect.DeepEqual(got, want) {
		t.Fatal("the quarantined event changed the snapshot")
	}
	blob, _ := b.MarshalBinary()
	back := NewState(testConfig())
	if err := back.UnmarshalBinary(blob); err != nil || back.Snapshot().Quarantined != 1 {
		t.Fatalf("after a checkpoint: %v, quarantined %d", err, back.Snapshot().Quarantined)
	}
}

// A version 2 checkpoint (before Evicted, Quarantined, the events' flag
// and the STIR verdicts awaited) still restores, with both counters zero.
func TestCheckpointVersion2Restores(t *testing.T) {
	s := NewState(testConfig())
	applyAll(s, randomNight(t, 5, 40)...)
	s.Drain(nil)
	v3, err := s.appendVersion(nil, 4) // numbers as version 4 wrote them (no landing, no sweep)
	if err != nil {
		t.Fatal(err)
	}
	// The counters follow Now, NextSweep, Applied, SIP and Malformed; both
	// are zero here, one byte each.
	w := wire{now: s.c.Now}
	w.int(s.c.Now)
	w.time(s.c.NextSweep)
	w.uint(s.c.Applied)
	w.uint(s.c.SIP)
	w.uint(s.c.Malformed)
	head := len(ckptMagic) + 1 + 8 + len(w.b)
	if !bytes.Equal(v3[head:head+2], []byte{0, 0}) {
		t.Fatalf("counters at %d: % x", head, v3[head:head+2])
	}
	// Version 3 also holds the STIR verdicts the fold waits for, just
	// before the (here empty: one byte) undrained events.
	ws := wire{now: s.c.Now}
	ws.stir(&s.c)
	tail := len(v3) - 1
	if v3[tail] != 0 {
		t.Fatalf("undrained events: % x", v3[tail:])
	}
	v2 := append(append(append([]byte(nil), v3[:head]...), v3[head+2:tail-len(ws.b)]...), v3[tail:]...)
	v2[len(ckptMagic)] = 2
	back := NewState(testConfig())
	if err := back.UnmarshalBinary(v2); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Snapshot(), withoutV5(s.Snapshot())) {
		t.Fatal("a version 2 checkpoint restores another fold")
	}
}
