package monitor

// The checkpoint encoding of the media fold (version 7): the calls whose
// media is reported, the counters, and a bucket's media counters.

func (w *wire) media(c *core) {
	w.uint(uint64(len(c.MediaCalls)))
	for _, e := range sortedEntries(c.MediaCalls) {
		w.str(e.k)
		w.int(int64(e.v.Trunk))
		w.int(int64(e.v.Number))
		w.time(e.v.Answered)
		w.time(e.v.Since)
		w.bool(e.v.Judged)
	}
	w.uint(c.Media.Reports)
	w.uint(c.Media.Unknown)
	w.uint(c.Media.Evicted)
}

func (r *reader) media(c *core) {
	if n := r.count(); n > 0 {
		c.MediaCalls = make(map[string]mediaCall, n)
		for range n {
			id := r.str()
			c.MediaCalls[id] = mediaCall{Trunk: r.i(), Number: r.i(), Answered: r.time(), Since: r.time(), Judged: r.bool()}
		}
	}
	c.Media = MediaCounts{Reports: r.uint(), Unknown: r.uint(), Evicted: r.uint()}
}

// bucketMedia writes a bucket's media counters (maskMedia): a mask of
// its non-zero ones, those, and its MOS bins, sparse (a bucket's few
// calls fill a few bins).
func (w *wire) bucketMedia(m *mediaBucket) {
	vals := [...]int64{int64(m.Judged), int64(m.OneWay), int64(m.NoMedia), int64(m.Bad), int64(m.MOSCount), m.MOSMilli}
	var mask uint64
	for k, v := range vals {
		if v != 0 {
			mask |= 1 << k
		}
	}
	if m.MOSBins != nil {
		mask |= 1 << len(vals)
	}
	w.uint(mask)
	for k, v := range vals {
		if mask&(1<<k) != 0 {
			w.int(v)
		}
	}
	if m.MOSBins == nil {
		return
	}
	used := 0
	for _, n := range m.MOSBins {
		if n != 0 {
			used++
		}
	}
	w.uint(uint64(len(m.MOSBins)))
	w.uint(uint64(used))
	for i, n := range m.MOSBins {
		if n != 0 {
			w.uint(uint64(i))
			w.uint(uint64(n))
		}
	}
}

func (r *reader) bucketMedia(m *mediaBucket) {
	mask := r.uint()
	ints := [...]*int32{&m.Judged, &m.OneWay, &m.NoMedia, &m.Bad, &m.MOSCount}
	for k, p := range ints {
		if mask&(1<<k) != 0 {
			*p = r.i32()
		}
	}
	if mask&(1<<len(ints)) != 0 {
		m.MOSMilli = r.int()
	}
	if mask&(1<<(len(ints)+1)) == 0 {
		return
	}
	m.MOSBins = r.slab.bins.carve(r.bins(), slabBins, r.left())
	for range r.count() {
		i := r.uint()
		if i >= uint64(len(m.MOSBins)) {
			r.fail()
			return
		}
		m.MOSBins[i] = r.u32()
	}
}

// bins reads a count of MOS bins: no more than a MOS has.
func (r *reader) bins() int {
	n := r.uint()
	if n > mosBins {
		r.fail()
		return 0
	}
	return int(n)
}

// mediaThresholds adds the media thresholds to the config checksum when
// any differs from its default, so that checkpoints of recordings made
// before them still restore.
func (w *wire) mediaThresholds(t *Thresholds) {
	d := DefaultThresholds()
	if t.NoMediaAfter == d.NoMediaAfter && t.MediaMaxLoss == d.MediaMaxLoss && t.MediaMaxJitter == d.MediaMaxJitter &&
		t.MOSMin == d.MOSMin && t.OneWayRateMax == d.OneWayRateMax && t.NoMediaRateMax == d.NoMediaRateMax &&
		t.MediaMinCalls == d.MediaMinCalls {
		return
	}
	w.str("media")
	w.int(int64(t.NoMediaAfter))
	w.f64(t.MediaMaxLoss)
	w.int(int64(t.MediaMaxJitter))
	w.f64(t.MOSMin)
	w.f64(t.OneWayRateMax)
	w.f64(t.NoMediaRateMax)
	w.int(int64(t.MediaMinCalls))
}
