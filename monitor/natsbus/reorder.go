package natsbus

import "container/heap"

// DefaultWindow is how far in event time the reorder window waits for
// events from slower sites before releasing what it holds.
const DefaultWindow = 2_000_000_000 // 2 s, in ns

// Reorder orders events by event time within a bounded window. It holds
// what it is given and releases, in event-time order (arrival order among
// equal times), what is older than the watermark: the newest event time
// seen less the window, or the wall clock less MaxHold when the caller
// gives one (a live watch that has caught up with the stream: a quiet
// night's last events still reach the fold). An event older than the last
// one released is late:
// it is released at once, quarantined (recorded and counted, folded into
// no figure, as the time guard does), and counted in Late. Reorder does
// no I/O and reads no clock: the caller passes the wall clock.
type Reorder struct {
	Window  int64 // ns of event time (0: DefaultWindow)
	MaxHold int64 // ns of wall time an event may wait at most (0: no wall bound)

	held    items
	seq     uint64
	maxSeen int64
	lastOut int64 // the time of the last event released
	out     bool  // lastOut is set
	Late    uint64
}

// Item is an event held in the window.
type Item struct {
	Env Envelope
	seq uint64
}

// Push takes an event in; a late one comes straight back (quarantined).
func (r *Reorder) Push(env Envelope) (late *Item) {
	if r.out && env.Event.Time < r.lastOut {
		r.Late++
		env.Event.Quarantined = true
		return &Item{Env: env}
	}
	r.seq++
	heap.Push(&r.held, Item{Env: env, seq: r.seq})
	r.maxSeen = max(r.maxSeen, env.Event.Time)
	return nil
}

// Release hands out, oldest first, the events at or before the
// watermark at wall time wall (0: no wall clock, a replay).
func (r *Reorder) Release(wall int64, out []Item) []Item {
	w := r.Window
	if w == 0 {
		w = DefaultWindow
	}
	mark := r.maxSeen - w
	if r.MaxHold > 0 && wall > 0 {
		mark = max(mark, wall-r.MaxHold)
	}
	return r.releaseTo(mark, out)
}

// Flush hands out everything held (the end of a stream's history).
func (r *Reorder) Flush(out []Item) []Item { return r.releaseTo(r.maxSeen, out) }

func (r *Reorder) releaseTo(mark int64, out []Item) []Item {
	for len(r.held) > 0 && r.held[0].Env.Event.Time <= mark {
		it := heap.Pop(&r.held).(Item)
		r.lastOut, r.out = it.Env.Event.Time, true
		out = append(out, it)
	}
	return out
}

// Held is how many events wait in the window.
func (r *Reorder) Held() int { return len(r.held) }

// items is a min-heap by (event time, arrival).
type items []Item

func (h items) Len() int { return len(h) }
func (h items) Less(i, j int) bool {
	a, b := h[i].Env.Event.Time, h[j].Env.Event.Time
	return a < b || a == b && h[i].seq < h[j].seq
}
func (h items) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *items) Push(x any)   { *h = append(*h, x.(Item)) }
func (h *items) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
