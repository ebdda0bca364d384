package natsbus

import (
	"cmp"
	"container/heap"
)

// DefaultWindow is how far in event time the reorder window waits for
// events from slower sites before releasing what it holds.
const DefaultWindow = 2_000_000_000 // 2 s, in ns

// Reorder orders events by event time within a bounded window. It holds
// what it is given and releases, in event-time order (arrival order among
// equal times), what is older than the watermark: the newest event time
// of the slowest site still sending, less the window. A site is still
// sending while its collectors' receipt clock (Envelope.Recv) is within
// MaxHold of the newest receipt seen from any site, so a site that went
// quiet or died holds the others back by MaxHold at most, and a server
// that was away (every site held back the same) reorders nothing. No
// wall clock moves it: a watch that falls behind releases no event early
// (the consumer flushes a stream that has gone quiet). An event older
// than the last one released is late: it
// is released at once, quarantined (recorded and counted, folded into no
// figure, as the time guard does), and counted in Late. Reorder does no
// I/O and reads no clock.
type Reorder struct {
	Window  int64 // ns of event time (0: DefaultWindow)
	MaxHold int64 // ns of the collectors' receipt clock a quiet site holds the others back (0: 5 × Window)

	held    items
	seq     uint64
	maxSeen int64
	maxRecv int64
	sites   map[string]*siteMark
	lastOut int64 // the time of the last event released
	out     bool  // lastOut is set
	Late    uint64
}

// siteMark is how far a site has got: its newest event time, its newest
// receipt, and its newest receipt of an event not seen before.
type siteMark struct{ time, recv, fresh int64 }

// Item is an event held in the window.
type Item struct {
	Env Envelope
	seq uint64
}

// Push takes an event in; a late one comes straight back (quarantined).
func (r *Reorder) Push(env Envelope) (late *Item) {
	if r.sites == nil {
		r.sites = map[string]*siteMark{}
	}
	sm := r.sites[env.Site]
	if sm == nil {
		sm = &siteMark{}
		r.sites[env.Site] = sm
	}
	sm.time, sm.fresh = max(sm.time, env.Event.Time), max(sm.fresh, env.Recv)
	r.received(sm, env.Recv)
	if r.out && env.Event.Time < r.lastOut {
		r.Late++
		env.Event.Quarantined = true
		return &Item{Env: env}
	}
	r.seq++
	heap.Push(&r.held, &Item{Env: env, seq: r.seq})
	r.maxSeen = max(r.maxSeen, env.Event.Time)
	return nil
}

// Resent notes an event of site received at recv that was not pushed,
// as it was already folded (a duplicate of a resend): the site is still
// sending, if only what it had sent before, so it keeps holding the
// others back. A collector restarted after a crash replays its SBC's
// buffer; while it works through what the stream already has, its new
// events are still to come, and are not late when they come. A site
// never pushed is not made one, and one that has sent nothing new for
// resendHolds × MaxHold of receipts holds no one back however much it
// resends (a collector replaying in a loop would hold the window, and
// the watch's memory, for ever).
func (r *Reorder) Resent(site string, recv int64) {
	if sm := r.sites[site]; sm != nil {
		r.received(sm, recv)
	}
}

// resendHolds bounds how long a site that only resends holds the others
// back, in MaxHolds.
const resendHolds = 3

func (r *Reorder) received(sm *siteMark, recv int64) {
	sm.recv = max(sm.recv, recv)
	r.maxRecv = max(r.maxRecv, recv)
}

func (r *Reorder) limits() (window, hold int64) {
	window = r.Window
	if window == 0 {
		window = DefaultWindow
	}
	return window, cmp.Or(r.MaxHold, 5*window)
}

// Release hands out, oldest first, the events at or before the
// watermark.
func (r *Reorder) Release(out []Item) []Item {
	w, hold := r.limits()
	mark, any := int64(0), false
	for _, sm := range r.sites {
		if sm.recv >= r.maxRecv-hold && sm.fresh >= r.maxRecv-resendHolds*hold && (!any || sm.time < mark) {
			mark, any = sm.time, true
		}
	}
	if !any {
		mark = r.maxSeen
	}
	return r.releaseTo(mark-w, out)
}

// Flush hands out everything held (the end of a stream's history).
func (r *Reorder) Flush(out []Item) []Item { return r.releaseTo(r.maxSeen, out) }

func (r *Reorder) releaseTo(mark int64, out []Item) []Item {
	for len(r.held) > 0 && r.held[0].Env.Event.Time <= mark {
		it := heap.Pop(&r.held).(*Item)
		r.lastOut, r.out = it.Env.Event.Time, true
		out = append(out, *it)
	}
	return out
}

// Held is how many events wait in the window.
func (r *Reorder) Held() int { return len(r.held) }

// items is a min-heap by (event time, arrival). It holds pointers: an
// Item is 168 bytes, and a heap of values moved them whole at every swap
// and boxed each one into an interface on the way in and out.
type items []*Item

func (h items) Len() int { return len(h) }
func (h items) Less(i, j int) bool {
	a, b := h[i].Env.Event.Time, h[j].Env.Event.Time
	return a < b || a == b && h[i].seq < h[j].seq
}
func (h items) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *items) Push(x any)   { *h = append(*h, x.(*Item)) }
func (h *items) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return it
}
