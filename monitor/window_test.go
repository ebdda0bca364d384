package monitor

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// callsAt folds one answered inbound call to testNum at each offset.
func callsAt(t *testing.T, s *State, offsets ...time.Duration) {
	t.Helper()
	for i, d := range offsets {
		dl := newDialog(t, fmt.Sprintf("w-%d", i), legacy, pbx, "+15557770000", testNum)
		applyAll(s, dl.invite(at(d), ""), dl.reply(at(d+time.Second), 200, "OK"), dl.bye(at(d+5*time.Second)))
	}
}

// A number holds the minutes it counted calls in, within its 15, not a
// ring of 15 (216 bytes each, 10,000 numbers); a trunk's total still
// counts every call.
func TestSeriesHoldsOnlyCountedBuckets(t *testing.T) {
	s := NewState(testConfig())
	var offs []time.Duration
	for i := range 10 {
		offs = append(offs, time.Duration(i)*20*time.Minute)
	}
	callsAt(t, s, offs...)
	n := &s.c.Numbers[s.c.NumIdx[testNum]]
	if len(n.W.B) != 1 || n.W.B[0].Attempts != 1 {
		t.Fatalf("a number with a call every 20 minutes holds %d buckets, want the last call's 1: %+v", len(n.W.B), n.W.B)
	}
	if quiet := &s.c.Numbers[1-s.c.NumIdx[testNum]]; len(quiet.W.B) != 0 {
		t.Fatalf("a number with no calls holds %d buckets", len(quiet.W.B))
	}
	snap := s.Snapshot()
	if got := snap.Trunks[0].Total.Attempts; got != 10 {
		t.Fatalf("legacy trunk's total %d attempts, want 10", got)
	}
	if got := snap.Numbers[s.c.NumIdx[testNum]].Win[2].Attempts; got != 1 {
		t.Fatalf("number's widest window %d attempts, want 1", got)
	}
}

// A checkpoint of version 8 (whole rings) restores to the same windows,
// and encodes again as the fold that never left memory does.
func TestVersion8CheckpointRestoresTheSameSeries(t *testing.T) {
	s := NewState(testConfig())
	callsAt(t, s, 0, time.Minute, 90*time.Second, 4*time.Minute, 14*time.Minute, 16*time.Minute, 17*time.Minute)
	v8, err := s.appendVersion(nil, 8)
	if err != nil {
		t.Fatal(err)
	}
	back := NewState(testConfig())
	if err := back.UnmarshalBinary(v8); err != nil {
		t.Fatal(err)
	}
	if got, want := back.Snapshot(), s.Snapshot(); !reflect.DeepEqual(got.Numbers, want.Numbers) || !reflect.DeepEqual(got.Trunks, want.Trunks) {
		t.Fatalf("restored from version 8:\n%+v\nwant\n%+v", got.Numbers, want.Numbers)
	}
	a, _ := s.MarshalBinary()
	b, _ := back.MarshalBinary()
	if !bytes.Equal(a, b) {
		t.Fatal("a fold restored from version 8 encodes unlike the fold it was taken of")
	}
	// Both fold on alike.
	callsAt(t, s, 31*time.Minute)
	callsAt(t, back, 31*time.Minute)
	if got, want := back.Snapshot(), s.Snapshot(); !reflect.DeepEqual(got.Numbers, want.Numbers) || !reflect.DeepEqual(got.Trunks, want.Trunks) {
		t.Fatal("after one more call, the fold restored from version 8 differs")
	}
}

// A version 9 checkpoint that says the ring has no slots is refused.
func TestCheckpointRefusesARingOfNoBuckets(t *testing.T) {
	var w wire
	w.version = 9
	s := series{Width: int64(time.Minute), N: 0}
	w.series(&s)
	r := reader{b: w.b, version: 9}
	var back series
	r.series(&back)
	if r.err == nil {
		t.Fatal("a ring of 0 buckets restored")
	}
}

// A number busy for a while and then quiet gives its room back when it
// next counts: the ring's memory follows what the number holds now.
func TestSeriesGivesRoomBack(t *testing.T) {
	s := NewState(testConfig())
	var offs []time.Duration
	for i := range 15 {
		offs = append(offs, time.Duration(i)*time.Minute)
	}
	callsAt(t, s, offs...)
	n := &s.c.Numbers[s.c.NumIdx[testNum]]
	if len(n.W.B) != 15 || cap(n.W.B) > 17 {
		t.Fatalf("a call a minute for 15 minutes: %d buckets, room for %d; want 15, room for at most 17", len(n.W.B), cap(n.W.B))
	}
	callsAt(t, s, 60*time.Minute)
	if len(n.W.B) != 1 || cap(n.W.B) > 3 {
		t.Fatalf("quiet for 45 minutes, then a call: %d buckets, room for %d; want 1, room for at most 3", len(n.W.B), cap(n.W.B))
	}
}
