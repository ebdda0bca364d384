package monitor

import (
	"encoding/binary"
	"errors"
	"hash"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// The checkpoint wire primitives: varints, length-prefixed strings, and
// times relative to the fold's clock (most are minutes before it, so they
// take 5-6 bytes instead of 9). The reader's first error is sticky, so a
// decoder reads on and checks once at the end.

var errCorrupt = errors.New("corrupt checkpoint")

type wire struct {
	b       []byte
	now     int64       // times are written relative to this
	version byte        // the format written (ckptVersion but in tests of older ones)
	sum     hash.Hash64 // when not nil, spill hands it what is written so far
}

// spillAt is how much spill lets b hold.
const spillAt = 4096

// spill writes b to sum once it holds spillAt bytes, and empties it.
func (w *wire) spill() {
	if w.sum != nil && len(w.b) >= spillAt {
		w.sum.Write(w.b)
		w.b = w.b[:0]
	}
}

func (w *wire) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *wire) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *wire) f64(v float64) { w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(v)) }

func (w *wire) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

func (w *wire) str(s string) {
	w.uint(uint64(len(s)))
	w.b = append(w.b, s...)
}

// strLike writes s as a reference to ref when they are equal (one byte).
func (w *wire) strLike(s, ref string) {
	if s == ref {
		w.uint(0)
		return
	}
	w.uint(uint64(len(s)) + 1)
	w.b = append(w.b, s...)
}

// strs keeps nil apart from empty, as the fold may hand either on.
func (w *wire) strs(ss []string) {
	if ss == nil {
		w.uint(0)
		return
	}
	w.uint(uint64(len(ss)) + 1)
	for _, s := range ss {
		w.str(s)
	}
}

// time writes an event time: 0 stays 0, anything else as its distance
// from the fold's clock.
func (w *wire) time(t int64) {
	if t == 0 {
		w.uint(0)
		return
	}
	w.uint(zigzag(w.now-t) + 1)
}

func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// sortedKeys gives maps a fixed order, so the same fold encodes to the
// same bytes.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

type entry[V any] struct {
	k string
	v V
}

// sortedEntries is sortedKeys with the values, for a big map: one
// lookup less per key.
func sortedEntries[V any](m map[string]V) []entry[V] {
	es := make([]entry[V], 0, len(m))
	for k, v := range m {
		es = append(es, entry[V]{k, v})
	}
	slices.SortFunc(es, func(a, b entry[V]) int { return strings.Compare(a.k, b.k) })
	return es
}

// reader reads b from off on: it moves an offset, not the slice, as a
// pointer written to memory costs a GC write barrier while the collector
// runs (and a restore makes garbage enough for it to run).
type reader struct {
	b       []byte
	off     int
	now     int64
	err     error
	version byte // the checkpoint's format version (ckptVersion or older)
	slab    slabs
}

func (r *reader) fail() {
	if r.err == nil {
		r.err = errCorrupt
	}
	r.b, r.off = nil, 0
}

// left is how many bytes are left to read.
func (r *reader) left() int { return len(r.b) - r.off }

func (r *reader) uint() uint64 {
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail()
		return 0
	}
	r.off += n
	return v
}

func (r *reader) int() int64 {
	v, n := binary.Varint(r.b[r.off:])
	if n <= 0 {
		r.fail()
		return 0
	}
	r.off += n
	return v
}

func (r *reader) i() int             { return int(r.int()) }
func (r *reader) i32() int32         { return int32(r.int()) }
func (r *reader) bool() bool         { return r.uint() != 0 }
func (r *reader) str() string        { return string(r.bytes(r.uint())) }
func (r *reader) count() int         { return r.bound(r.uint()) }
func (r *reader) time() int64        { return r.timeOr(r.uint()) }
func (r *reader) u32() uint32        { return uint32(r.uint()) }
func (r *reader) dur() time.Duration { return time.Duration(r.int()) }

func (r *reader) bytes(n uint64) []byte {
	if n > uint64(r.left()) {
		r.fail()
		return nil
	}
	v := r.b[r.off : r.off+int(n) : r.off+int(n)]
	r.off += int(n)
	return v
}

// bound refuses a length longer than what is left (every element takes at
// least a byte), so garbage cannot make the decoder allocate gigabytes.
func (r *reader) bound(n uint64) int {
	if n > uint64(r.left()) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *reader) strLike(ref string) string {
	n := r.uint()
	if n == 0 {
		return ref
	}
	return string(r.bytes(n - 1))
}

func (r *reader) strs() []string {
	n := r.uint()
	if n == 0 {
		return nil
	}
	ss := make([]string, r.bound(n-1))
	for i := range ss {
		ss[i] = r.str()
	}
	return ss
}

func (r *reader) timeOr(u uint64) int64 {
	if u == 0 {
		return 0
	}
	return r.now - unzigzag(u-1)
}
