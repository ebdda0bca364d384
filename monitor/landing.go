package monitor

import (
	"slices"
	"sort"
	"time"
)

// Landing is a number's landing transition since its port completed: where
// its calls have arrived from its activation on. The fold fills it from
// the calls that count as landing for the number (see landing in the
// README); the board, the detail view and the report read it.
type Landing struct {
	FirstNew   int64 // first call landed on a new trunk at or after activation (Unix ns, 0 = none yet)
	LastLegacy int64 // last call landed on a legacy trunk at or after activation (Unix ns, 0 = none)
	New        int   // calls landed on a new trunk since activation
	Legacy     int   // calls landed on a legacy trunk since activation
}

// The landing curve's bins, by time since activation: one minute wide
// for the first half hour (where the first calls move), ten minutes to
// three hours, an hour to 24 hours (the runbook's longest propagation),
// and one last bin for everything later. 67 bins in all.
const (
	landingMinuteBins = 30
	landingTenBins    = 15
	landingHourBins   = 21
	// LandingBins is the number of bins of a landing curve.
	LandingBins = landingMinuteBins + landingTenBins + landingHourBins + 1
)

// LandingBin is one bin of a landing curve: the calls that landed on a new
// and on a legacy trunk in that span of time since activation. A curve
// lists only the bins with calls, in order of Bin.
type LandingBin struct {
	Bin         int32 // 0 … LandingBins-1 (LandingSpan gives its span)
	New, Legacy int32
}

// Share is the share of the bin's calls that landed on new, in [0,1].
func (b LandingBin) Share() float64 { return float64(b.New) / float64(max(b.New+b.Legacy, 1)) }

// landingBinOf is the bin of a call d after activation.
func landingBinOf(d time.Duration) int32 {
	switch {
	case d < landingMinuteBins*time.Minute:
		return int32(d / time.Minute)
	case d < 3*time.Hour:
		return landingMinuteBins + int32((d-30*time.Minute)/(10*time.Minute))
	case d < 24*time.Hour:
		return landingMinuteBins + landingTenBins + int32((d-3*time.Hour)/time.Hour)
	}
	return LandingBins - 1
}

// LandingSpan is the span of time since activation bin i covers; the last
// bin has no end (to = 0).
func LandingSpan(i int) (from, to time.Duration) {
	switch {
	case i < landingMinuteBins:
		from = time.Duration(i) * time.Minute
		return from, from + time.Minute
	case i < landingMinuteBins+landingTenBins:
		from = 30*time.Minute + time.Duration(i-landingMinuteBins)*10*time.Minute
		return from, from + 10*time.Minute
	case i < LandingBins-1:
		from = 3*time.Hour + time.Duration(i-landingMinuteBins-landingTenBins)*time.Hour
		return from, from + time.Hour
	}
	return 24 * time.Hour, 0
}

// addLanding returns curve c (kept sorted by Bin) with a call counted in
// bin. It never writes to c: a curve is copied on write, so that the
// snapshots share the fold's curves instead of copying every number's
// ten times a second (a landing call costs a copy of one curve instead).
func addLanding(c []LandingBin, bin int32, legacy bool) []LandingBin {
	i, ok := slices.BinarySearchFunc(c, bin, func(b LandingBin, k int32) int { return int(b.Bin - k) })
	out := make([]LandingBin, len(c), len(c)+1)
	copy(out, c)
	if !ok {
		out = slices.Insert(out, i, LandingBin{Bin: bin})
	}
	if legacy {
		out[i].Legacy++
	} else {
		out[i].New++
	}
	return out
}

// landingTransition counts a call that landed for number num on trunk tr
// at t in its landing transition and in its port request's curve: only
// while the port stands completed, and only calls at or after its
// activation. A call seen before the activation was known is not counted
// later, even when the activation is back-dated before it. When the port
// leaves completed, what was counted stays (it is history: the calls did
// land so) and nothing more is counted until it completes again.
func (s *State) landingTransition(t int64, num, tr int) {
	n := &s.c.Numbers[num]
	if tr < 0 || n.PortState != PortCompleted || n.Activated == 0 || t < n.Activated {
		return
	}
	legacy := s.c.Cfg.Trunks[tr].Role == RoleLegacy
	l := &n.Landing
	if legacy {
		l.Legacy++
		l.LastLegacy = max(l.LastLegacy, t)
	} else {
		l.New++
		if l.FirstNew == 0 || t < l.FirstNew {
			l.FirstNew = t
		}
	}
	bin := landingBinOf(time.Duration(t - n.Activated))
	n.Curve = addLanding(n.Curve, bin, legacy)
	if n.PortRequestID == "" {
		return
	}
	if s.c.Curves == nil {
		s.c.Curves = map[string][]LandingBin{}
	}
	s.c.Curves[n.PortRequestID] = addLanding(s.c.Curves[n.PortRequestID], bin, legacy)
}

// RequestView is a port request as the detail view and the report show
// it: its numbers by port state, their activations, the sum of their
// landing transitions and the propagation curve (every number's calls by
// time since its own activation).
type RequestView struct {
	ID             string
	Numbers        int
	ByState        map[PortState]int
	FirstActivated int64 // the earliest activation of its numbers (Unix ns, 0 = none yet)
	LastActivated  int64 // the latest
	Landing        Landing
	Curve          []LandingBin
}

// requestViews gathers the port requests of the numbers, by ID.
func (s *State) requestViews(nums []NumberView) []RequestView {
	idx := map[string]int{}
	var out []RequestView
	for i := range nums {
		n := &nums[i]
		if n.PortRequestID == "" {
			continue
		}
		k, ok := idx[n.PortRequestID]
		if !ok {
			k = len(out)
			idx[n.PortRequestID] = k
			out = append(out, RequestView{ID: n.PortRequestID, ByState: map[PortState]int{},
				Curve: s.c.Curves[n.PortRequestID]}) // copied on write (addLanding)
		}
		r := &out[k]
		r.Numbers++
		r.ByState[n.PortState]++
		if a := n.Activated; a != 0 {
			r.FirstActivated = minNonZero(r.FirstActivated, a)
			r.LastActivated = max(r.LastActivated, a)
		}
		l := &n.Landing
		r.Landing.New += l.New
		r.Landing.Legacy += l.Legacy
		r.Landing.FirstNew = minNonZero(r.Landing.FirstNew, l.FirstNew)
		r.Landing.LastLegacy = max(r.Landing.LastLegacy, l.LastLegacy)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func minNonZero(a, b int64) int64 {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// landingCurves writes the port requests' curves by ID, then every
// number's curve (checkpoint version 5).
func (w *wire) landingCurves(c *core) {
	w.uint(uint64(len(c.Curves)))
	for _, k := range sortedKeys(c.Curves) {
		w.str(k)
		w.landingCurve(c.Curves[k])
	}
	for i := range c.Numbers {
		w.landingCurve(c.Numbers[i].Curve)
	}
}

func (r *reader) landingCurves(c *core) {
	if n := r.count(); n > 0 {
		c.Curves = make(map[string][]LandingBin, n)
		for range n {
			k := r.str()
			c.Curves[k] = r.landingCurve()
		}
	}
	for i := range c.Numbers {
		c.Numbers[i].Curve = r.landingCurve()
	}
}

func (w *wire) landingCurve(c []LandingBin) {
	w.uint(uint64(len(c)))
	for _, b := range c { // never negative: one byte each up to 127
		w.uint(uint64(uint32(b.Bin)))
		w.uint(uint64(uint32(b.New)))
		w.uint(uint64(uint32(b.Legacy)))
	}
}

func (r *reader) landingCurve() []LandingBin {
	n := r.count()
	if n == 0 {
		return nil
	}
	c := make([]LandingBin, n)
	for i := range c {
		c[i] = LandingBin{Bin: int32(r.u32()), New: int32(r.u32()), Legacy: int32(r.u32())}
	}
	return c
}

// cloneCurves copies the requests' curves into dst's, reusing its lists.
func cloneCurves(dst, src map[string][]LandingBin) map[string][]LandingBin {
	if src == nil {
		return nil
	}
	if dst == nil {
		dst = make(map[string][]LandingBin, len(src))
	}
	for k := range dst {
		if _, ok := src[k]; !ok {
			delete(dst, k)
		}
	}
	for k, v := range src {
		dst[k] = cloneCurve(dst[k], v)
	}
	return dst
}

// cloneCurve copies src into dst's memory: a clone's curves are its own
// (a snapshot of a clone shares them until the next CloneInto into it).
func cloneCurve(dst, src []LandingBin) []LandingBin {
	if src == nil {
		return nil
	}
	return append(dst[:0], src...)
}
