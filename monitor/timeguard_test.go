package monitor

import (
	"testing"
	"time"
)

func TestTimeGuardByWall(t *testing.T) {
	wall := at(time.Hour)
	for _, c := range []struct {
		off  time.Duration
		keep bool
	}{
		{0, true}, {-time.Second, true}, {30 * time.Second, true}, {-15 * time.Minute, true},
		{WallAhead + time.Nanosecond, false}, {-WallBehind - time.Nanosecond, false},
		{time.Duration(1<<62) - time.Hour, false}, {-time.Hour, false},
	} {
		ev := Event{Time: wall + int64(c.off), Kind: KindTick}
		if JudgeByWall(&ev, wall); ev.Quarantined == c.keep {
			t.Errorf("%v from the wall clock: quarantined %v", c.off, ev.Quarantined)
		}
	}
	ev := Event{Time: wall, Quarantined: true}
	if JudgeByWall(&ev, wall); !ev.Quarantined {
		t.Error("a quarantined event was let in")
	}
}

// neighbours pushes events at the given offsets from t0 (in seconds) and
// returns the offsets quarantined, checking that every event comes out
// once and in order.
func neighbours(t *testing.T, secs ...int64) []int64 {
	t.Helper()
	g := NewTimeGuard()
	var out []Event
	for _, s := range secs {
		out = append(out, g.Push(Event{Time: t0 + s*1e9, Kind: KindTick})...)
	}
	out = append(out, g.Flush()...)
	if len(out) != len(secs) {
		t.Fatalf("%d events in, %d out", len(secs), len(out))
	}
	var q []int64
	for i, e := range out {
		if e.Time != t0+secs[i]*1e9 {
			t.Fatalf("event %d out of order", i)
		}
		if e.Quarantined {
			q = append(q, secs[i])
		}
	}
	return q
}

// steady is n events every step seconds from first.
func steady(first, step int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = first + int64(i)*step
	}
	return out
}

func TestTimeGuardByNeighbours(t *testing.T) {
	y2100 := (time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano() - t0) / 1e9
	y1990 := (time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano() - t0) / 1e9
	join := func(parts ...[]int64) []int64 {
		var out []int64
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, c := range []struct {
		name string
		secs []int64
		want []int64
	}{
		{"steady", steady(0, 2, 50), nil},
		{"one in 2100 among neighbours", join(steady(0, 2, 20), []int64{y2100}, steady(40, 2, 20)), []int64{y2100}},
		{"one in 1990 among neighbours", join(steady(0, 2, 20), []int64{y1990}, steady(40, 2, 20)), []int64{y1990}},
		{"two in 2100 together", join(steady(0, 2, 20), []int64{y2100, y2100 + 1}, steady(40, 2, 20)), []int64{y2100, y2100 + 1}},
		{"the first in 2100", join([]int64{y2100}, steady(0, 2, 20)), []int64{y2100}},
		{"the first two in 2100", join([]int64{y2100, y2100}, steady(0, 2, 20)), []int64{y2100, y2100}},
		{"the first in 1990", join([]int64{y1990}, steady(0, 2, 20)), []int64{y1990}},
		{"a quiet ten hours", join(steady(0, 2, 20), steady(36000, 2, 20)), nil},
		{"a quiet ten hours, then one odd", join(steady(0, 2, 20), steady(36000, 2, 5), []int64{y2100}, steady(36010, 2, 10)), []int64{y2100}},
		{"two captures the wrong way round", join(steady(36000, 2, 20), steady(0, 2, 20)), nil},
		{"sparse: one message a minute and a half", steady(0, 90, 30), nil},
		{"a short capture", []int64{0, 5, 9}, nil},
		{"one event", []int64{7}, nil},
		{"a lone last event after a quiet hour", join(steady(0, 2, 20), []int64{3600}), []int64{3600}},
		{"a jump at the end that the rest confirms", join(steady(0, 2, 20), steady(3600, 2, 3)), nil},
		{"odd ones far apart in a long stream (the guard's array refilled many times)",
			join(steady(0, 2, 100), []int64{y2100}, steady(202, 2, 150), []int64{y1990}, steady(504, 2, 70),
				steady(36000, 2, 130), []int64{y2100 + 5}, steady(36262, 2, 200)), []int64{y2100, y1990, y2100 + 5}},
	} {
		got := neighbours(t, c.secs...)
		if len(got) != len(c.want) || len(got) > 0 && !equalInts(got, c.want) {
			t.Errorf("%s: quarantined %v, want %v", c.name, got, c.want)
		}
	}
}

func equalInts(a, b []int64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// In a steady stream the guard allocates nothing an event: what Push
// returns is its own (it allocated a slice an event).
func TestTimeGuardPushAllocatesNothing(t *testing.T) {
	g := NewTimeGuard()
	s := int64(0)
	push := func() {
		s++
		if out := g.Push(Event{Time: t0 + s*1e9}); s > 2*guardRoom && len(out) != 1 {
			t.Fatalf("%d events out of one in", len(out))
		}
	}
	for range 2 * guardRoom {
		push()
	}
	if n := testing.AllocsPerRun(1000, push); n != 0 {
		t.Errorf("%.2f allocations a Push", n)
	}
}

// The guard holds an event back only while its verdict needs the events
// after it: in a steady stream each event comes out once the first few
// have been judged.
func TestTimeGuardHoldsBackLittle(t *testing.T) {
	g := NewTimeGuard()
	var out int
	for i, s := range steady(0, 1, 100) {
		out += len(g.Push(Event{Time: t0 + s*1e9}))
		if i >= neighbourLook && out != i+1 {
			t.Fatalf("after %d events %d came out", i+1, out)
		}
	}
}
