package monitor

// The checkpoint encoding of the calls in flight and the OPTIONS pings
// awaiting their answer (see checkpoint.go for the format).

// Flags of a call.
const (
	callInbound = 1 << iota
	callRinging
	callHasFinal
	callEnded
	callAttestDue
	callOnward // a bit checkpoints before transit topology never set: false, as it was
)

func (w *wire) calls(m map[string]*call) {
	w.uint(uint64(len(m)))
	for _, e := range sortedEntries(m) {
		id, c := e.k, e.v
		w.str(id)
		w.int(int64(c.Trunk))
		w.int(int64(c.Number))
		var f uint64
		for bit, on := range [...]bool{c.Inbound, c.Ringing, c.HasFinal, c.Ended, c.AttestDue, c.Onward} {
			if on {
				f |= 1 << bit
			}
		}
		w.uint(f)
		w.time(c.Start)
		w.uint(uint64(c.CSeq))
		w.time(c.Answered)
		w.int(int64(c.Outcome))
		w.uint(uint64(c.FinalCSeq))
		w.time(c.ExpiresAt)
	}
}

func (r *reader) calls() map[string]*call {
	n := r.count()
	m := make(map[string]*call, n)
	slab := make([]call, n) // one allocation, no pointers: the collector skips it
	for i := range n {
		id := r.str()
		c := &slab[i]
		c.Trunk, c.Number = r.i(), r.i()
		f := r.uint()
		c.Inbound, c.Ringing = f&callInbound != 0, f&callRinging != 0
		c.HasFinal, c.Ended = f&callHasFinal != 0, f&callEnded != 0
		c.AttestDue, c.Onward = f&callAttestDue != 0, f&callOnward != 0
		c.Start = r.time()
		c.CSeq = r.u32()
		c.Answered = r.time()
		c.Outcome = r.i()
		c.FinalCSeq = r.u32()
		c.ExpiresAt = r.time()
		m[id] = c
	}
	return m
}

func (w *wire) options(m map[string]optionsTx) {
	w.uint(uint64(len(m)))
	for _, k := range sortedKeys(m) {
		w.str(k)
		w.time(m[k].Sent)
		w.int(int64(m[k].Trunk))
	}
}

func (r *reader) options() map[string]optionsTx {
	n := r.count()
	m := make(map[string]optionsTx, n)
	for range n {
		k := r.str()
		m[k] = optionsTx{Sent: r.time(), Trunk: r.i()}
	}
	return m
}
