package monitor

// The decoder's slabs: a restore carves the fold's many small slices (a
// series' buckets, a bucket's response codes and MOS bins) out of a few
// shared arrays instead of allocating each, which on a 10,000-number night
// is ~100k allocations less a seek, and less garbage for the collector.

// Chunks of a slab, in elements: big enough that a restore makes few,
// small enough that what a chunk keeps alive stays small.
const (
	slabBuckets = 1024
	slabCodes   = 4096
	slabBins    = 16384
)

// slabs are the reader's shared arrays.
type slabs struct {
	buckets slab[bucket]
	codes   slab[CodeCount]
	bins    slab[uint32]
}

// slab is a chunk, of which the first n elements are handed out (an
// offset, not a slice moved on: no write barrier a carve).
type slab[T any] struct {
	a []T
	n int
}

// carve returns n zeroed elements of the slab, starting a chunk when it
// has too few left. Its capacity is its length (a full slice expression),
// so the fold's append to it copies instead of overwriting its
// neighbour's. A chunk is no longer than the bytes left to read (each
// element takes one at least), so a small checkpoint makes small chunks.
func (s *slab[T]) carve(n, chunk, left int) []T {
	if n == 0 {
		return []T{} // not nil, as make gave (no allocation)
	}
	if n > len(s.a)-s.n {
		s.a, s.n = make([]T, max(n, min(chunk, left))), 0
	}
	v := s.a[s.n : s.n+n : s.n+n]
	s.n += n
	return v
}
