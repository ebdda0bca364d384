package monitor

import (
	"maps"
	"slices"
)

// CloneInto makes dst a copy of s that shares nothing the fold changes,
// reusing dst's memory (buckets, call records) when it is an earlier
// clone. A checkpoint clones on the fold's goroutine, which is a few
// copies, and encodes the clone on another one. It returns dst (a new
// State if nil).
func (s *State) CloneInto(dst *State) *State {
	if dst == nil {
		dst = &State{}
	}
	d, c := &dst.c, &s.c
	dst.cfgSum = s.configSum() // once for the fold, not once a clone
	d.Cfg = c.Cfg              // never changed after NewState
	d.Now, d.NextSweep, d.Applied, d.SIP, d.Malformed = c.Now, c.NextSweep, c.Applied, c.SIP, c.Malformed
	d.Evicted, d.Quarantined = c.Evicted, c.Quarantined
	dst.strays = strayCount{} // counted again when needed
	d.Trunks = resize(d.Trunks, len(c.Trunks))
	for i := range c.Trunks {
		w := d.Trunks[i].W
		d.Trunks[i] = c.Trunks[i]
		d.Trunks[i].W = cloneSeries(w, c.Trunks[i].W)
	}
	d.Numbers = resize(d.Numbers, len(c.Numbers))
	for i := range c.Numbers {
		w, curve := d.Numbers[i].W, d.Numbers[i].Curve
		d.Numbers[i] = c.Numbers[i]
		d.Numbers[i].W = cloneSeries(w, c.Numbers[i].W)
		d.Numbers[i].Curve = cloneCurve(curve, c.Numbers[i].Curve)
	}
	d.NumIdx = cloneMap(d.NumIdx, c.NumIdx)
	dst.cloneCalls(c.Calls)
	d.Options = cloneMap(d.Options, c.Options)
	if d.Alerts == nil {
		d.Alerts = make(map[string]*AlertView, len(c.Alerts))
	}
	clear(d.Alerts)
	for k, a := range c.Alerts { // the fold updates an open alert's message in place
		v := *a
		d.Alerts[k] = &v
	}
	d.Closed = append(d.Closed[:0], c.Closed...)
	d.Silences = maps.Clone(c.Silences)
	d.Feed = append(d.Feed[:0], c.Feed...)
	d.FeedPos = c.FeedPos
	d.Actions = append(d.Actions[:0], c.Actions...)
	for i := range d.Actions {
		if x := d.Actions[i].Expect; x != nil {
			v := *x
			v.Trunks, v.Numbers = slices.Clone(x.Trunks), slices.Clone(x.Numbers)
			d.Actions[i].Expect = &v
		}
	}
	d.Verify = append(d.Verify[:0], c.Verify...)
	for i := range d.Verify {
		x := &d.Verify[i].Expect
		x.Trunks, x.Numbers = slices.Clone(x.Trunks), slices.Clone(x.Numbers)
	}
	d.Notes = append(d.Notes[:0], c.Notes...)
	if d.StirWait == nil {
		d.StirWait = maps.Clone(c.StirWait)
	} else {
		clear(d.StirWait)
		maps.Copy(d.StirWait, c.StirWait)
	}
	d.Stir = c.Stir
	d.Curves = cloneCurves(d.Curves, c.Curves)
	d.Sweep.Runs = append(d.Sweep.Runs[:0], c.Sweep.Runs...)
	d.Sweep.Calls = cloneMap(d.Sweep.Calls, c.Sweep.Calls)
	d.Sweep.Due = c.Sweep.Due
	d.MediaCalls = cloneMap(d.MediaCalls, c.MediaCalls)
	d.Media = c.Media
	d.Out = cloneDerived(append(d.Out[:0], c.Out...))
	return dst
}

// cloneDerived gives each derived event not yet drained (copied from the
// fold's) payloads of its own, so the clone shares none with the fold.
func cloneDerived(out []Event) []Event {
	for i := range out {
		if a := out[i].Alert; a != nil {
			v := *a
			out[i].Alert = &v
		}
		if p := out[i].Probe; p != nil { // a sweep verdict not yet drained
			v := *p
			v.Numbers = slices.Clone(p.Numbers)
			out[i].Probe = &v
		}
		if a := out[i].Action; a != nil { // a verification step not yet drained
			v := *a
			if x := a.Expect; x != nil {
				e := *x
				e.Trunks, e.Numbers = slices.Clone(x.Trunks), slices.Clone(x.Numbers)
				v.Expect = &e
			}
			out[i].Action = &v
		}
	}
	return out
}

// cloneSeries copies src into dst's buckets, reusing their code lists.
func cloneSeries(dst, src series) series {
	dst.Width, dst.N = src.Width, src.N
	dst.B = resize(dst.B, len(src.B))
	for i := range src.B {
		codes, bins := dst.B[i].Codes, dst.B[i].Media.MOSBins
		dst.B[i] = src.B[i]
		dst.B[i].Codes = append(codes[:0], src.B[i].Codes...)
		dst.B[i].Media.MOSBins = cloneBins(bins, src.B[i].Media.MOSBins)
	}
	if src.Gone == nil {
		dst.Gone = nil
		return dst
	}
	if dst.Gone == nil {
		dst.Gone = &bucket{}
	}
	codes, bins := dst.Gone.Codes, dst.Gone.Media.MOSBins
	*dst.Gone = *src.Gone
	dst.Gone.Codes = append(codes[:0], src.Gone.Codes...)
	dst.Gone.Media.MOSBins = cloneBins(bins, src.Gone.Media.MOSBins)
	return dst
}

// cloneCalls copies the calls into records the clone s keeps between clones.
func (s *State) cloneCalls(src map[string]*call) {
	d := &s.c
	if d.Calls == nil {
		d.Calls = make(map[string]*call, len(src))
	}
	clear(d.Calls)
	s.callSlab = resize(s.callSlab, len(src))
	i := 0
	for id, c := range src {
		s.callSlab[i] = *c
		d.Calls[id] = &s.callSlab[i]
		i++
	}
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return append(s[:cap(s)], make([]T, n-cap(s))...)
	}
	return s[:n]
}

func cloneMap[V any](dst, src map[string]V) map[string]V {
	if dst == nil {
		return maps.Clone(src)
	}
	clear(dst)
	maps.Copy(dst, src)
	return dst
}
