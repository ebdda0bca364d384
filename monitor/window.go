package monitor

import "time"

// bucket holds one slice of event time's counters. Fields are exported so
// checkpoints (gob) carry them.
type bucket struct {
	Index     int64 // which slice of time: event time / width
	Attempts  int32
	Completed int32
	Answered  int32
	Failed    int32
	Effective int32
	Short     int32
	PDDCount  int32
	PDDSum    int64
	Legacy    int32
	New       int32
	// LegacyAfter counts, of a number's Legacy, those that arrived at or
	// after its port completed (numbers' buckets only).
	LegacyAfter int32
	Attest      [5]int32                // A, B, C, none, invalid
	Stir        [len(StirResults)]int32 // outbound verdicts by result
	Verstat     [4]int32                // inbound verstat: passed, failed, none, absent
	Codes       []CodeCount
	Media       mediaBucket // media verdicts judged in this slice (mediafold.go)
}

// series is a ring of buckets of a fixed width: memory stays the same
// however long the night runs.
type series struct {
	Width int64 // ns per bucket
	B     []bucket
	// Gone keeps the counters of the buckets the ring recycled (nil: not
	// kept, a number's), so Gone plus every bucket is all the series ever
	// counted: a total that only grows (Prometheus counters read it).
	Gone *bucket
}

func newSeries(width time.Duration, n int) series {
	return series{Width: int64(width), B: make([]bucket, n)}
}

// at returns the bucket for event time t, recycling a stale one; nil when t
// is older than the ring reaches back from now.
func (s *series) at(t, now int64) *bucket {
	idx := t / s.Width
	if now/s.Width-idx >= int64(len(s.B)) {
		return nil
	}
	b := &s.B[int(idx%int64(len(s.B)))]
	if b.Index != idx {
		if s.Gone != nil {
			s.Gone.merge(b)
		}
		codes := b.Codes[:0]
		*b = bucket{Index: idx, Codes: codes}
	}
	return b
}

// sum adds up the buckets covering the window w that ends at now: the
// w/Width newest slices of event time, the current one included.
func (s *series) sum(now int64, w time.Duration) Stats {
	var st Stats
	cur := now / s.Width
	n := int64(w) / s.Width
	if n < 1 {
		n = 1
	}
	if n > int64(len(s.B)) {
		n = int64(len(s.B))
	}
	for i := cur - n + 1; i <= cur; i++ {
		if i < 0 {
			continue
		}
		b := &s.B[int(i%int64(len(s.B)))]
		if b.Index != i {
			continue
		}
		st.add(b)
	}
	sortCodes(st.Codes)
	return st
}

// total is everything the series ever counted: its recycled buckets
// (Gone) and every bucket of the ring, current or stale.
func (s *series) total() Stats {
	var st Stats
	if s.Gone != nil {
		st.add(s.Gone)
	}
	for i := range s.B {
		st.add(&s.B[i])
	}
	sortCodes(st.Codes)
	return st
}

// merge adds o's counters to b's.
func (b *bucket) merge(o *bucket) {
	dst, src := b.ints(), o.ints()
	for k, p := range src {
		*dst[k] += *p
	}
	b.PDDSum += o.PDDSum
	b.LegacyAfter += o.LegacyAfter
	b.Media.merge(&o.Media)
	for _, c := range o.Codes {
		b.Codes = addCode(b.Codes, c.Code, c.Count)
	}
}

// count returns how many times code was seen in the window ending at now.
func (s *series) count(now int64, w time.Duration, code int) int {
	cur := now / s.Width
	n := max(int64(w)/s.Width, 1)
	total := 0
	for i := max(cur-n+1, 0); i <= cur; i++ {
		b := &s.B[int(i%int64(len(s.B)))]
		if b.Index != i {
			continue
		}
		for _, c := range b.Codes {
			if c.Code == code {
				total += c.Count
			}
		}
	}
	return total
}

// perBucket returns the attempts of each of the last n buckets, oldest first.
func (s *series) perBucket(now int64, n int) []int {
	out := make([]int, n)
	cur := now / s.Width
	for k := 0; k < n; k++ {
		i := cur - int64(n-1-k)
		if i < 0 {
			continue
		}
		if b := &s.B[int(i%int64(len(s.B)))]; b.Index == i {
			out[k] = int(b.Attempts)
		}
	}
	return out
}

func (s *Stats) add(b *bucket) {
	s.Attempts += int(b.Attempts)
	s.Completed += int(b.Completed)
	s.Answered += int(b.Answered)
	s.Failed += int(b.Failed)
	s.Effective += int(b.Effective)
	s.Short += int(b.Short)
	s.PDDCount += int(b.PDDCount)
	s.PDDSum += time.Duration(b.PDDSum)
	s.Legacy += int(b.Legacy)
	s.New += int(b.New)
	s.LegacyAfter += int(b.LegacyAfter)
	s.Attest.A += int(b.Attest[0])
	s.Attest.B += int(b.Attest[1])
	s.Attest.C += int(b.Attest[2])
	s.Attest.None += int(b.Attest[3])
	s.Attest.Invalid += int(b.Attest[4])
	for i, n := range b.Stir {
		s.Stir[i] += int(n)
	}
	s.Verstat.Passed += int(b.Verstat[0])
	s.Verstat.Failed += int(b.Verstat[1])
	s.Verstat.None += int(b.Verstat[2])
	s.Verstat.Absent += int(b.Verstat[3])
	for _, c := range b.Codes {
		s.Codes = addCode(s.Codes, c.Code, c.Count)
	}
	b.Media.addTo(&s.Media)
}

func addCode(codes []CodeCount, code, n int) []CodeCount {
	for i := range codes {
		if codes[i].Code == code {
			codes[i].Count += n
			return codes
		}
	}
	return append(codes, CodeCount{Code: code, Count: n})
}

// sortCodes orders by count, most frequent first, then by code.
func sortCodes(c []CodeCount) {
	for i := 1; i < len(c); i++ { // insertion sort: a handful of codes
		for j := i; j > 0 && (c[j].Count > c[j-1].Count || (c[j].Count == c[j-1].Count && c[j].Code < c[j-1].Code)); j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
}
