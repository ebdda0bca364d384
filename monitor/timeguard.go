package monitor

import "time"

// TimeCheck is how a TimeGuard judges the times of the events entering a
// session. The fold takes event time as given and its clock only moves
// forward, so one event stamped 2100 would move the clock past every
// window of every KPI for good. The fold never reads the wall clock, so
// the judgement is made before it, and travels in the event
// (Event.Quarantined) into the recording.
type TimeCheck uint8

const (
	// TimeTrusted judges nothing: a replay, whose recorded verdicts stand.
	TimeTrusted TimeCheck = iota
	// TimeByWall judges against the receiver's wall clock at receipt: a
	// live watch (HEP, probes, ticks).
	TimeByWall
	// TimeByNeighbours judges against the events around each one: an
	// import, whose times are not now. (The demo's simulator is trusted.)
	TimeByNeighbours
)

// The bounds. Live, an event may be at most WallAhead in the future of the
// receiver's clock and WallBehind in its past:
//
//   - Ahead: a capture agent's clock synchronised by NTP is off by
//     milliseconds, and transit only makes events older; a minute is well
//     past any honest clock and no more than the shortest KPI window, so
//     the most a tolerated event can do is shift that window by its own
//     length for a minute.
//   - Behind: a mirror delivers in milliseconds to seconds; twenty
//     minutes is beyond the longest KPI window (15 min: an older event
//     would count in none) and short of the smallest time-zone error (30
//     minutes; a DST error is an hour), so an agent stamping local time is
//     quarantined (and the count says so) instead of silently missing
//     from every window.
//
// In an import or the demo there is no "now": an event more than
// NeighbourGap from the previous accepted one is a jump, accepted only
// when most of the neighbourLook events after it agree with it (are
// nearer to it than to the time before the jump): a quiet hour in a
// capture, or two captures one after the other, is a real jump; one odd
// packet is not.
const (
	WallAhead     = time.Minute
	WallBehind    = 20 * time.Minute
	NeighbourGap  = time.Minute
	neighbourLook = 8
	// guardRoom is the events a TimeGuard's array holds: those out before
	// the held ones are dropped when it is full, every guardRoom-neighbourLook
	// events in a steady stream.
	guardRoom = 64
)

// JudgeByWall quarantines ev (TimeByWall) when its time is more than
// WallAhead after, or WallBehind before, wall: the receiver's clock when
// it arrived (Unix ns). An event that came quarantined stays so.
func JudgeByWall(ev *Event, wall int64) {
	if ev.Time > wall+int64(WallAhead) || ev.Time < wall-int64(WallBehind) {
		ev.Quarantined = true
	}
}

// TimeGuard judges the times of events by their neighbours
// (TimeByNeighbours), where they enter, before the fold: it quarantines
// those too far from the events around them. It is pure and not safe for
// concurrent use.
//
// It holds an event back until enough events after it have arrived to
// judge it: Push returns the events whose verdict is known, in the order
// they were pushed, and Flush the rest at the end. In a steady stream only
// the first few events wait.
type TimeGuard struct {
	ref  int64   // the time of the latest accepted event (0: none yet)
	step int64   // how far the latest accepted event was from the one before
	held []Event // held[off:] are held; what is before off has come out
	off  int
	out  []Event // what Push or Flush returned last
}

// NewTimeGuard returns a guard with no events seen yet.
func NewTimeGuard() *TimeGuard { return &TimeGuard{} }

// Push takes ev and returns the events now judged. An event that came
// quarantined stays so. What it returns is the guard's own, valid until
// the next Push or Flush (one event in, about one out: nothing is
// allocated or moved an event).
func (g *TimeGuard) Push(ev Event) []Event {
	switch {
	case g.held == nil:
		g.held = make([]Event, 0, guardRoom)
	case g.off > 0 && len(g.held) == cap(g.held): // make room at the front, not a new array
		n := copy(g.held, g.held[g.off:])
		clear(g.held[n:])
		g.held, g.off = g.held[:n], 0
	}
	g.held = append(g.held, ev)
	return g.judge(false)
}

// Flush judges the events still held, with the neighbours there are, and
// returns them (valid until the next Push or Flush).
func (g *TimeGuard) Flush() []Event { return g.judge(true) }

// judge releases the held events whose verdict is known (all of them at
// the end).
func (g *TimeGuard) judge(end bool) []Event {
	held := g.held[g.off:]
	n := 0
loop:
	for ; n < len(held); n++ {
		e := &held[n]
		after := held[n+1:]
		if len(after) > neighbourLook {
			after = after[:neighbourLook]
		}
		full := end || len(after) == neighbourLook
		switch {
		case e.Quarantined: // so it came
		case g.ref == 0 && !full: // the first events are judged by those after them
			break loop
		case g.near(e.Time, after, end):
			g.accept(max(g.ref, e.Time))
		case !full: // a jump: wait for the events after it
			break loop
		case g.confirmed(e.Time, after):
			g.accept(e.Time) // a real jump: the night goes on from here
		default:
			e.Quarantined = true
		}
	}
	g.out = append(g.out[:0], held[:n]...)
	if g.off += n; g.off == len(g.held) {
		g.held, g.off = g.held[:0], 0
	}
	return g.out
}

func (g *TimeGuard) accept(t int64) {
	if g.ref != 0 {
		g.step = int64(dist(t, g.ref))
	}
	g.ref = t
}

// near reports whether t is in line with the events before it: within
// NeighbourGap of the latest accepted one. The last event of all has no
// events after it to confirm a jump: it is in line within twice the
// step before it too (a sparse capture's rhythm). The first events have none
// before them: t is in line with the events after it when it is no later
// than their median (give or take NeighbourGap) and no earlier than their
// earliest by more than they spread before their median (or NeighbourGap):
// a sparse capture's first message may precede the next by minutes.
func (g *TimeGuard) near(t int64, after []Event, end bool) bool {
	gap := int64(NeighbourGap)
	if g.ref != 0 {
		if end && len(after) == 0 {
			gap = max(gap, 2*g.step)
		}
		return t >= g.ref-gap && t <= g.ref+gap
	}
	if len(after) == 0 {
		return true
	}
	times := make([]int64, len(after))
	for i := range after {
		times[i] = after[i].Time
	}
	med := median(times) // sorts times
	lo := times[0]
	return t <= med+gap && t >= lo-max(gap, med-lo)
}

// confirmed reports whether a jump to t is real: a strict majority of the
// events after it are nearer to t than to the time before the jump.
func (g *TimeGuard) confirmed(t int64, after []Event) bool {
	if g.ref == 0 {
		return false // the first events: near already asked them
	}
	votes := 0
	for i := range after {
		if dist(after[i].Time, t) < dist(after[i].Time, g.ref) {
			votes++
		}
	}
	return votes > len(after)/2
}

func dist(a, b int64) uint64 {
	if a > b {
		return uint64(a - b)
	}
	return uint64(b - a)
}

// median sorts times (a few) in place and returns the middle one.
func median(times []int64) int64 {
	for i := 1; i < len(times); i++ {
		for j := i; j > 0 && times[j] < times[j-1]; j-- {
			times[j], times[j-1] = times[j-1], times[j]
		}
	}
	return times[len(times)/2]
}
