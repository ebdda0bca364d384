package monitor

import (
	"cmp"
	"slices"
	"time"
)

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

// series is a ring of N buckets of a fixed width, of which it holds only
// those counted in (B, by Index): memory stays the same however long the
// night runs, and a number quiet for a while holds none. A bucket N or more
// widths older than the newest event leaves B when the series is next
// counted in.
type series struct {
	Width int64 // ns per bucket
	N     int   // the ring's length, in buckets
	B     []bucket
	// Gone keeps the counters of the buckets the ring recycled (nil: not
	// kept, a number's), so Gone plus every bucket is all the series ever
	// counted: a total that only grows (Prometheus counters read it).
	Gone *bucket
}

func newSeries(width time.Duration, n int) series {
	return series{Width: int64(width), N: n}
}

// at returns the bucket for event time t, making it if need be; nil when t
// is older than the ring reaches back from now. The pointer is good until
// the next call.
func (s *series) at(t, now int64) *bucket {
	idx := t / s.Width
	oldest := now/s.Width - int64(s.N) + 1
	if idx < oldest {
		return nil
	}
	i := len(s.B)
	for i > 0 && s.B[i-1].Index >= idx { // most often the newest: the last
		i--
	}
	if i < len(s.B) && s.B[i].Index == idx {
		return &s.B[i]
	}
	i -= s.prune(oldest) // the buckets it drops are older than idx: before i
	if len(s.B) == cap(s.B) {
		// A new slice of event time comes at most once a width: grow by
		// little, not by doubling, so a number holds about what it counts.
		s.B = append(make([]bucket, 0, len(s.B)+2), s.B...)
	}
	s.B = append(s.B, bucket{})
	copy(s.B[i+1:], s.B[i:])
	s.B[i] = bucket{Index: idx}
	return &s.B[i]
}

// heldFor is the buckets a checkpoint of version v holds: B (9 on), or
// the whole ring.
func (s *series) heldFor(v byte) []bucket {
	if v >= 9 {
		return s.B
	}
	return s.ring()
}

// ring is B as a ring of N slots (a bucket's slot is its Index mod N),
// as checkpoints before version 9 hold it.
func (s *series) ring() []bucket {
	out := make([]bucket, s.N)
	for _, b := range s.B {
		out[int(b.Index%int64(s.N))] = b
	}
	return out
}

// fromRing makes B of a whole ring (a checkpoint before version 9, or
// gob): its length is N, and only the buckets that counted something stay,
// in ascending order.
func (s *series) fromRing() {
	if s.N == 0 {
		s.N = len(s.B)
	}
	k := 0
	for _, b := range s.B {
		if !b.empty() {
			s.B[k] = b
			k++
		}
	}
	s.B = s.B[:k]
	slices.SortFunc(s.B, func(a, b bucket) int { return cmp.Compare(a.Index, b.Index) })
}

// fromRings makes every series of c hold only its counted buckets (gob
// checkpoints hold whole rings).
func (c *core) fromRings() {
	for i := range c.Trunks {
		c.Trunks[i].W.fromRing()
	}
	for i := range c.Numbers {
		c.Numbers[i].W.fromRing()
	}
}

// empty: b counts nothing.
func (b *bucket) empty() bool {
	for _, p := range b.ints() {
		if *p != 0 {
			return false
		}
	}
	return b.PDDSum == 0 && b.LegacyAfter == 0 && len(b.Codes) == 0 && b.Media.zero()
}

// prune moves the buckets older than oldest out of B (into Gone, if
// kept), and returns how many. B shrinks too when it holds far less than
// it has room for.
func (s *series) prune(oldest int64) int {
	k := 0
	for k < len(s.B) && s.B[k].Index < oldest {
		if s.Gone != nil {
			s.Gone.merge(&s.B[k])
		}
		k++
	}
	if k == 0 {
		return 0
	}
	if n := len(s.B) - k; cap(s.B) > 2*n+4 {
		s.B = append(make([]bucket, 0, n+2), s.B[k:]...)
	} else {
		s.B = append(s.B[:0], s.B[k:]...)
	}
	return k
}

// get returns the bucket of slice idx, nil when B has none.
func (s *series) get(idx int64) *bucket {
	for i := len(s.B) - 1; i >= 0; i-- {
		if s.B[i].Index == idx {
			return &s.B[i]
		}
		if s.B[i].Index < idx {
			return nil
		}
	}
	return nil
}

// reach is the slices a window of w ending at now covers: the w/Width
// newest, the current one included, at most N.
func (s *series) reach(now int64, w time.Duration) (first, cur int64) {
	cur = now / s.Width
	n := min(max(int64(w)/s.Width, 1), int64(s.N))
	return max(cur-n+1, 0), cur
}

// sum adds up the buckets covering the window w that ends at now: the
// w/Width newest slices of event time, the current one included.
func (s *series) sum(now int64, w time.Duration) Stats {
	var st Stats
	first, cur := s.reach(now, w)
	for i := range s.B {
		if b := &s.B[i]; b.Index >= first && b.Index <= cur {
			st.add(b)
		}
	}
	sortCodes(st.Codes)
	return st
}

// total is everything the series ever counted: its recycled buckets
// (Gone) and every bucket it holds, current or stale.
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
	for i := range s.B {
		b := &s.B[i]
		if b.Index < cur-n+1 || b.Index > cur {
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
		if b := s.get(i); b != nil {
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
