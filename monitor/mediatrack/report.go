package mediatrack

import (
	"container/heap"
	"math"
	"slices"

	"github.com/cutover/cutover/monitor"
)

// Due emits the reports due at or before event time at, in time order
// (ties by the calls' first sighting). Call it before handing the tracker
// anything seen at at: a report then holds what came before its time.
// emit is called after the tracker's lock is released.
func (t *Tracker) Due(at int64, emit func(monitor.Event)) {
	if at < t.head.Load() {
		return // nothing is due before the top of the schedule
	}
	t.mu.Lock()
	out := t.due(at, nil)
	t.mu.Unlock()
	for _, ev := range out {
		emit(ev)
	}
}

// Flush ends the input at event time at: the reports due by then, then a
// final report at at for every call still tracked, in order of first
// sighting. The tracker is empty afterwards.
func (t *Tracker) Flush(at int64, emit func(monitor.Event)) {
	t.mu.Lock()
	out := t.due(at, nil)
	rest := slices.Clone(t.sched)
	slices.SortFunc(rest, func(a, b *call) int { return cmpUint(a.seq, b.seq) })
	for _, c := range rest {
		heap.Remove(&t.sched, c.hidx)
		out = t.final(c, at, out)
	}
	t.headMoved()
	t.mu.Unlock()
	for _, ev := range out {
		emit(ev)
	}
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// due appends the reports due by at to out. The schedule keeps each call
// at a time no later than its next report (a packet or SIP message only
// moves the idle time later, which is caught up here), so the call at
// the top whose real next time is its scheduled one is the next report.
func (t *Tracker) due(at int64, out []monitor.Event) []monitor.Event {
	for len(t.sched) > 0 && t.sched[0].due <= at {
		c := t.sched[0]
		if next := t.next(c); next != c.due {
			c.due = next
			heap.Fix(&t.sched, 0)
			continue
		}
		d := c.due
		switch {
		case c.finalAt != 0:
			heap.Pop(&t.sched)
			out = t.final(c, d, out)
			continue
		case c.deadline == d:
			c.deadline = 0
			if t.mediaSeen {
				out = append(out, t.report(c, d, false))
			}
		case c.nextReport == d:
			c.nextReport = 0
			if c.lastPacket > c.lastReport { // still flowing: report, and again later
				out = append(out, t.report(c, d, false))
				c.nextReport = d + int64(t.o.ReportEvery)
			}
		default: // idle
			heap.Pop(&t.sched)
			out = t.final(c, d, out)
			continue
		}
		c.due = t.next(c)
		heap.Fix(&t.sched, 0)
	}
	t.headMoved()
	return out
}

// headMoved keeps t.head the time at the top of the schedule; every
// change to the schedule ends with it.
func (t *Tracker) headMoved() {
	h := int64(math.MaxInt64)
	if len(t.sched) > 0 {
		h = t.sched[0].due
	}
	t.head.Store(h)
}

// next is when c's next report is due: the final one once it has ended
// (not before the no-media deadline: a call hung up on silence within
// NoMediaAfter of its answer is judged at it), else the earliest of the
// deadline, the periodic report and the idle end.
func (t *Tracker) next(c *call) int64 {
	if c.finalAt != 0 {
		return max(c.finalAt, c.deadline)
	}
	d := c.lastActive + int64(t.o.Idle)
	if c.deadline != 0 {
		d = min(d, c.deadline)
	}
	if c.nextReport != 0 {
		d = min(d, c.nextReport)
	}
	return d
}

// final appends c's final report at at (none for a call that was neither
// answered nor sent RTP: a failed call has no media to judge; none while
// the input has shown no media at all) and forgets c; c must be out of
// the schedule.
func (t *Tracker) final(c *call, at int64, out []monitor.Event) []monitor.Event {
	if c.reported || len(c.streams) > 0 || (c.answered != 0 && t.mediaSeen) {
		out = append(out, t.report(c, at, true))
	}
	if !c.gone {
		t.forget(c)
		c.gone = true
	}
	return out
}

// report makes c's report at event time at.
func (t *Tracker) report(c *call, at int64, final bool) monitor.Event {
	r := &monitor.MediaReport{CallID: c.id, Answered: c.expected, Final: final, Origin: monitor.MediaFromRTP}
	if len(c.streams) > 0 {
		r.Streams = make([]monitor.MediaStream, len(c.streams))
	}
	seen, ext := false, ""
	for i, s := range c.streams {
		ms := monitor.MediaStream{Src: s.src, Dst: s.dst, Forward: s.forward, Stats: s.ext}
		if s.origin == "" {
			ms.Stats, seen = s.st.Stats(), true
		} else if ext == "" {
			ext = s.origin
		}
		r.Streams[i] = ms
	}
	if !seen && ext != "" {
		r.Origin = ext
	}
	c.lastReport, c.reported = at, true
	t.stats.Reports++
	return monitor.Event{Time: at, Kind: monitor.KindMedia, Source: t.o.Source, Media: r}
}

// schedule is a min-heap of calls by due time, then first sighting.
type schedule []*call

func (s schedule) Len() int { return len(s) }
func (s schedule) Less(i, j int) bool {
	if s[i].due != s[j].due {
		return s[i].due < s[j].due
	}
	return s[i].seq < s[j].seq
}
func (s schedule) Swap(i, j int) {
	s[i], s[j] = s[j], s[i]
	s[i].hidx, s[j].hidx = i, j
}
func (s *schedule) Push(x any) {
	c := x.(*call)
	c.hidx = len(*s)
	*s = append(*s, c)
}
func (s *schedule) Pop() any {
	old := *s
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*s = old[:len(old)-1]
	c.hidx = -1
	return c
}

// reschedule puts c in the schedule at its next time, or moves it
// earlier: an entry may be earlier than its call's next time (due catches
// up), never later.
func (t *Tracker) reschedule(c *call) {
	if c.gone {
		return
	}
	next := t.next(c)
	switch {
	case c.hidx < 0:
		c.due = next
		heap.Push(&t.sched, c)
	case next < c.due:
		c.due = next
		heap.Fix(&t.sched, c.hidx)
	default:
		return
	}
	t.headMoved()
}

// recent is a bounded set of Call-IDs, oldest forgotten first.
type recent struct {
	set  map[string]struct{}
	ring []string
	next int
}

func newRecent(n int) recent {
	return recent{set: map[string]struct{}{}, ring: make([]string, n)}
}

func (r *recent) has(id string) bool {
	_, ok := r.set[id]
	return ok
}

func (r *recent) add(id string) {
	if r.has(id) {
		return
	}
	if old := r.ring[r.next]; old != "" {
		delete(r.set, old)
	}
	r.ring[r.next] = id
	r.set[id] = struct{}{}
	r.next = (r.next + 1) % len(r.ring)
}
