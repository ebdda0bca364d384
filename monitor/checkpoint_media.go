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

// bucketMedia writes a bucket's media counters (maskMedia).
func (w *wire) bucketMedia(m *mediaBucket) {
	for _, v := range [...]int32{m.Judged, m.OneWay, m.NoMedia, m.Bad, m.MOSCount} {
		w.int(int64(v))
	}
	w.f64(m.MOSSum)
	w.bool(m.MOSBins != nil)
	if m.MOSBins != nil {
		w.uint(uint64(len(m.MOSBins)))
		for _, n := range m.MOSBins {
			w.uint(uint64(n))
		}
	}
}

func (r *reader) bucketMedia(m *mediaBucket) {
	for _, p := range [...]*int32{&m.Judged, &m.OneWay, &m.NoMedia, &m.Bad, &m.MOSCount} {
		*p = r.i32()
	}
	m.MOSSum = r.f64()
	if r.bool() {
		m.MOSBins = make([]uint32, r.count())
		for i := range m.MOSBins {
			m.MOSBins[i] = r.u32()
		}
	}
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
