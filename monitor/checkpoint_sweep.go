package monitor

// The checkpoint encoding of the sweeps (core.Sweep, version 5).

func (w *wire) sweeps(c *core) {
	b := &c.Sweep
	w.uint(uint64(len(b.Runs)))
	for i := range b.Runs {
		v := &b.Runs[i]
		w.str(v.ID)
		w.bool(v.Out)
		w.time(v.Start)
		w.str(v.From)
		for _, n := range [...]int{v.Total, v.New, v.Legacy, v.Never, v.Failed, v.Unplaced} {
			w.int(int64(n))
		}
		w.time(v.Ended)
	}
	w.uint(uint64(len(b.Calls)))
	for _, e := range sortedEntries(b.Calls) {
		w.str(e.k)
		w.str(e.v.Sweep)
		w.bool(e.v.Out)
		w.time(e.v.Arrived)
		w.int(int64(e.v.Trunk))
		w.str(e.v.Attest)
		w.time(e.v.Result)
		w.int(int64(e.v.Code))
		w.int(int64(e.v.PDD))
	}
	w.time(b.Due)
}

func (r *reader) sweeps(c *core) {
	b := &c.Sweep
	if n := r.count(); n > 0 {
		b.Runs = make([]SweepView, n)
		for i := range b.Runs {
			v := &b.Runs[i]
			v.ID, v.Out, v.Start, v.From = r.str(), r.bool(), r.time(), r.str()
			v.Total, v.New, v.Legacy, v.Never, v.Failed, v.Unplaced = r.i(), r.i(), r.i(), r.i(), r.i(), r.i()
			v.Ended = r.time()
		}
	}
	if n := r.count(); n > 0 {
		b.Calls = make(map[string]sweepCall, n)
		for range n {
			k := r.str()
			b.Calls[k] = sweepCall{Sweep: r.str(), Out: r.bool(), Arrived: r.time(), Trunk: r.i(), Attest: r.str(),
				Result: r.time(), Code: r.i(), PDD: r.dur()}
		}
	}
	b.Due = r.time()
}

// sweepVerdictOut writes a sweep verdict the fold derived and has not
// yet drained (version 5; Event.Probe with ProbeSweepVerdict).
func (w *wire) sweepVerdictOut(p *ProbeResult) {
	w.str(p.Sweep)
	w.bool(p.Out)
	w.str(p.Number)
	w.str(string(p.Verdict))
	w.str(p.Landed)
	w.int(int64(p.Code))
	w.int(int64(p.PDD))
	w.str(p.Attest)
}

func (r *reader) sweepVerdictOut() *ProbeResult {
	return &ProbeResult{Probe: ProbeSweepVerdict, Sweep: r.str(), Out: r.bool(), Number: r.str(), Verdict: SweepVerdict(r.str()),
		Landed: r.str(), Code: r.i(), PDD: r.dur(), Attest: r.str()}
}
