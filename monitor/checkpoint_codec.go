package monitor

import (
	"fmt"
	"maps"
	"math/bits"
	"slices"
)

// The checkpoint encoding of the fold's parts, each writer next to its
// reader (see checkpoint.go for the format).

func (w *wire) trunk(t *trunkState) {
	w.str(string(t.Reg))
	w.int(int64(t.RegCode))
	w.time(t.RegExpiresAt)
	w.int(int64(t.OptionsUp))
	w.int(int64(t.OptionsRTT))
	w.int(int64(t.OptionsCode))
	w.time(t.LastSeen)
	w.series(&t.W)
	if w.version >= 5 {
		w.int(int64(t.WireFails))
		w.int(int64(t.WireOKs))
	}
}

func (r *reader) trunk(t *trunkState) {
	t.Reg = RegState(r.str())
	t.RegCode = r.i()
	t.RegExpiresAt = r.time()
	t.OptionsUp = r.i()
	t.OptionsRTT = r.dur()
	t.OptionsCode = r.i()
	t.LastSeen = r.time()
	r.series(&t.W)
	if r.version >= 5 {
		t.WireFails, t.WireOKs = r.i(), r.i()
	}
	if t.W.Gone == nil { // older versions: the totals count from the checkpoint on
		t.W.Gone = &bucket{}
	}
}

// number writes a number's strings as references to its configured
// entry ref, which they nearly always equal.
func (w *wire) number(n *numberState, ref *Number) {
	w.strLike(n.E164, ref.E164)
	w.strLike(n.PortRequestID, ref.PortRequestID)
	w.strLike(string(n.PortState), string(ref.PortState))
	w.time(n.Activated)
	w.int(int64(n.Serving))
	w.time(n.LastSeen)
	w.time(n.LastZombie)
	w.time(n.LastSplit)
	w.series(&n.W)
	if w.version < 5 {
		return
	}
	w.int(int64(n.Egress))
	w.time(n.Landing.FirstNew)
	w.time(n.Landing.LastLegacy)
	w.int(int64(n.Landing.New))
	w.int(int64(n.Landing.Legacy))
	w.sweepResult(&n.SweepIn)
	w.sweepResult(&n.SweepOut)
}

func (r *reader) number(n *numberState, ref *Number) {
	n.E164 = r.strLike(ref.E164)
	n.PortRequestID = r.strLike(ref.PortRequestID)
	n.PortState = PortState(r.strLike(string(ref.PortState)))
	n.Activated = r.time()
	n.Serving = r.i()
	n.LastSeen = r.time()
	n.LastZombie = r.time()
	n.LastSplit = r.time()
	r.series(&n.W)
	n.Egress = -1
	if r.version < 5 {
		return
	}
	n.Egress = r.i()
	n.Landing = Landing{FirstNew: r.time(), LastLegacy: r.time(), New: r.i(), Legacy: r.i()}
	n.SweepIn = r.sweepResult()
	n.SweepOut = r.sweepResult()
}

// sweepResult writes a present flag, then the result.
func (w *wire) sweepResult(v *SweepResult) {
	if v.Verdict == "" {
		w.uint(0)
		return
	}
	w.uint(1)
	w.str(v.Sweep)
	w.time(v.Time)
	w.str(string(v.Verdict))
	w.str(v.Trunk)
	w.int(int64(v.Code))
	w.int(int64(v.PDD))
	w.str(v.Attest)
}

func (r *reader) sweepResult() SweepResult {
	if r.uint() == 0 {
		return SweepResult{}
	}
	return SweepResult{Sweep: r.str(), Time: r.time(), Verdict: SweepVerdict(r.str()), Trunk: r.str(),
		Code: r.i(), PDD: r.dur(), Attest: r.str()}
}

// A bucket's int32 counters, in one list for the writer and the reader.
const bucketInts = 9 + 5 + len(StirResults) + 4

func (b *bucket) ints() [bucketInts]*int32 {
	p := [bucketInts]*int32{&b.Attempts, &b.Completed, &b.Answered, &b.Failed, &b.Effective,
		&b.Short, &b.PDDCount, &b.Legacy, &b.New}
	k := 9
	for i := range b.Attest {
		p[k] = &b.Attest[i]
		k++
	}
	for i := range b.Stir {
		p[k] = &b.Stir[i]
		k++
	}
	for i := range b.Verstat {
		p[k] = &b.Verstat[i]
		k++
	}
	return p
}

// Bits of a bucket's mask past its counters'.
const (
	maskPDDSum = 1 << (bucketInts + iota)
	maskCodes
	maskLegacyAfter // version 4
	maskMedia       // version 7
)

// series writes the ring's length (version 9; before, the whole ring),
// each bucket held as its index (relative to the previous one's), a mask
// of its non-zero fields, and those fields (most of a number's are zero).
func (w *wire) series(s *series) {
	w.int(s.Width)
	b := s.heldFor(w.version)
	if w.version >= 9 {
		w.uint(uint64(s.N))
	}
	w.uint(uint64(len(b)))
	prev := int64(0)
	for i := range b {
		w.bucket(&b[i], prev)
		prev = b[i].Index
	}
	if w.version < 6 {
		return
	}
	if s.Gone == nil { // version 6: the recycled buckets' counters (a trunk's), if kept
		w.uint(0)
		return
	}
	w.uint(1)
	w.bucket(s.Gone, 0)
}

// bucket writes b's index relative to prev, a mask of its non-zero
// fields, and those fields.
func (w *wire) bucket(b *bucket, prev int64) {
	w.int(b.Index - prev)
	ints := b.ints()
	var mask uint64
	for k, p := range ints {
		if *p != 0 {
			mask |= 1 << k
		}
	}
	if b.PDDSum != 0 {
		mask |= maskPDDSum
	}
	if len(b.Codes) > 0 {
		mask |= maskCodes
	}
	if b.LegacyAfter != 0 {
		mask |= maskLegacyAfter
	}
	if w.version >= 7 && !b.Media.zero() {
		mask |= maskMedia
	}
	w.uint(mask)
	for k, p := range ints {
		if mask&(1<<k) != 0 {
			w.int(int64(*p))
		}
	}
	if mask&maskPDDSum != 0 {
		w.int(b.PDDSum)
	}
	if mask&maskCodes != 0 {
		w.uint(uint64(len(b.Codes)))
		for _, c := range b.Codes {
			w.int(int64(c.Code))
			w.int(int64(c.Count))
		}
	}
	if mask&maskLegacyAfter != 0 {
		w.int(int64(b.LegacyAfter))
	}
	if mask&maskMedia != 0 {
		w.bucketMedia(&b.Media)
	}
}

func (r *reader) series(s *series) {
	s.Width, s.N = r.int(), 0
	if r.version >= 9 {
		if s.N = int(r.uint()); s.N <= 0 || s.N > 1<<20 {
			r.fail()
		}
	}
	s.B = r.slab.buckets.carve(r.count(), slabBuckets, r.left())
	prev := int64(0)
	for i := range s.B {
		r.bucket(&s.B[i], prev)
		prev = s.B[i].Index
	}
	if r.version < 9 {
		s.fromRing()
	}
	s.Gone = nil
	if r.version >= 6 && r.uint() == 1 {
		s.Gone = &bucket{}
		r.bucket(s.Gone, 0)
	}
}

func (r *reader) bucket(b *bucket, prev int64) {
	b.Index = prev + r.int()
	mask := r.uint()
	ints := b.ints()
	for m := mask & (1<<bucketInts - 1); m != 0; m &= m - 1 { // the counters it holds: a few
		*ints[bits.TrailingZeros64(m)] = r.i32()
	}
	if mask&maskPDDSum != 0 {
		b.PDDSum = r.int()
	}
	if mask&maskCodes != 0 {
		b.Codes = r.slab.codes.carve(r.count(), slabCodes, r.left())
		for j := range b.Codes {
			b.Codes[j] = CodeCount{Code: r.i(), Count: r.i()}
		}
	}
	if mask&maskLegacyAfter != 0 {
		b.LegacyAfter = r.i32()
	}
	if mask&maskMedia != 0 {
		r.bucketMedia(&b.Media)
	}
}

func (w *wire) feedLine(l *FeedLine) {
	w.time(l.Time)
	w.str(l.Trunk)
	w.str(string(l.Dir))
	w.str(l.Summary)
	w.int(int64(l.Code))
	w.str(l.CallID)
	w.str(l.Number)
}

func (r *reader) feedLine(l *FeedLine) {
	*l = FeedLine{Time: r.time(), Trunk: r.str(), Dir: Dir(r.str()), Summary: r.str(),
		Code: r.i(), CallID: r.str(), Number: r.str()}
}

func (w *wire) action(a *ActionView) {
	for _, s := range [...]string{a.ID, a.Type, string(a.State), a.Target, a.Operator,
		a.DryRun, a.Result, a.Error, a.Undo, a.Prompted, a.Progress} {
		w.str(s)
	}
	w.bool(a.Expect != nil)
	if x := a.Expect; x != nil {
		w.expect(x)
	}
	w.time(a.Requested)
	w.time(a.Updated)
}

func (w *wire) expect(x *ActionExpect) {
	w.str(string(x.Dir))
	w.strs(x.Trunks)
	w.strs(x.Numbers)
	w.int(x.Within)
	w.int(int64(x.Calls))
}

func (r *reader) expect() ActionExpect {
	return ActionExpect{Dir: Dir(r.str()), Trunks: r.strs(), Numbers: r.strs(), Within: r.int(), Calls: r.i()}
}

func (w *wire) verify(v *verifyState) {
	w.str(v.ID)
	w.str(v.Type)
	w.str(v.Target)
	w.expect(&v.Expect)
	w.str(v.Prompted)
	w.time(v.Done)
	w.time(v.Deadline)
	w.int(int64(v.On))
	w.int(int64(v.Elsewhere))
	w.bool(v.Expired)
	w.bool(v.CloseHeld)
}

func (r *reader) verify(v *verifyState) {
	v.ID, v.Type, v.Target = r.str(), r.str(), r.str()
	v.Expect = r.expect()
	v.Prompted = r.str()
	v.Done, v.Deadline = r.time(), r.time()
	v.On, v.Elsewhere = r.i(), r.i()
	v.Expired, v.CloseHeld = r.bool(), r.bool()
}

func (r *reader) action(a *ActionView) {
	for _, p := range [...]*string{&a.ID, &a.Type, (*string)(&a.State), &a.Target, &a.Operator,
		&a.DryRun, &a.Result, &a.Error, &a.Undo, &a.Prompted, &a.Progress} {
		*p = r.str()
	}
	if r.bool() {
		x := r.expect()
		a.Expect = &x
	}
	a.Requested = r.time()
	a.Updated = r.time()
}

// stir writes the verdicts the fold waits for, by Ref, and StirCounts.
func (w *wire) stir(c *core) {
	w.uint(uint64(len(c.StirWait)))
	for _, ref := range slices.Sorted(maps.Keys(c.StirWait)) {
		sw := c.StirWait[ref]
		w.uint(ref)
		w.time(sw.At)
		w.int(int64(sw.Trunk))
		w.int(int64(sw.Number))
		w.bool(sw.Mix)
	}
	n := &c.Stir
	for _, v := range [...]uint64{n.Late, n.Orphaned, n.Expired, n.Overloaded, n.TooMany} {
		w.uint(v)
	}
}

func (r *reader) stir(c *core) {
	if n := r.count(); n > 0 {
		c.StirWait = make(map[uint64]stirWait, n)
		for range n {
			ref := r.uint()
			c.StirWait[ref] = stirWait{At: r.time(), Trunk: r.i(), Number: r.i(), Mix: r.bool()}
		}
	}
	n := &c.Stir
	for _, p := range [...]*uint64{&n.Late, &n.Orphaned, &n.Expired, &n.Overloaded, &n.TooMany} {
		*p = r.uint()
	}
}

// out writes the derived events not yet drained: alert changes and
// verification steps (the pipeline drains after every event, so this is
// nearly always empty).
func (w *wire) out(evs []Event) error {
	w.uint(uint64(len(evs)))
	for i := range evs {
		e := &evs[i]
		alert := e.Kind == KindAlert && e.Alert != nil && e.Action == nil
		step := e.Kind == KindAction && e.Action != nil && e.Alert == nil
		verdict := w.version >= 5 && e.Kind == KindProbe && e.Probe != nil && e.Probe.Probe == ProbeSweepVerdict && e.Alert == nil && e.Action == nil
		if !alert && !step && !verdict || e.SIP != nil || e.Probe != nil && !verdict || e.Registration != nil || e.Port != nil || e.Note != nil || e.Verdict != nil || e.Ack != nil || e.Media != nil {
			return fmt.Errorf("derived event %d is not an alert change, a verification step or a sweep verdict (%s)", i, e.Kind)
		}
		w.time(e.Time)
		w.str(string(e.Source))
		w.bool(e.Quarantined)
		w.bool(step)
		if w.version >= 5 && !step {
			w.bool(verdict)
		}
		switch {
		case step:
			w.action(&ActionView{ActionRecord: *e.Action})
		case verdict:
			w.sweepVerdictOut(e.Probe)
		default:
			w.alertChange(e.Alert)
		}
	}
	return nil
}

func (r *reader) out() []Event {
	n := r.count()
	if n == 0 {
		return nil
	}
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = Event{Time: r.time(), Kind: KindAlert, Source: Source(r.str())}
		if r.version >= 3 {
			evs[i].Quarantined = r.bool()
		}
		switch {
		case r.bool(): // a verification step
			var v ActionView
			r.action(&v)
			evs[i].Kind, evs[i].Action = KindAction, &v.ActionRecord
		case r.version >= 5 && r.bool():
			evs[i].Kind, evs[i].Probe = KindProbe, r.sweepVerdictOut()
		default:
			evs[i].Alert = new(AlertChange)
			r.alertChange(evs[i].Alert)
		}
	}
	return evs
}
