package monitor

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/maphash"
	"sync"
)

// A checkpoint delta is a checkpoint stored as what changed since the one
// before it (its base; a chain of deltas starts at a full checkpoint): the
// fold encoded with its times relative to the full checkpoint's clock
// (version 8's anchor), so that a number, a trunk or an alert that did not
// change since encodes to the same bytes, then cut into chunks at
// content-defined boundaries (a rolling hash, as rsync and restic do) and
// written as copies of the base's chunks and literal bytes. It knows
// nothing of the fold's fields: a field added to the fold is in deltas as
// soon as it is in the full encoding.
//
// A delta names its base by the base's event time, and the length and
// CRC-32C of the encoding the base rebuilds, and carries the CRC-32C of the
// encoding it rebuilds, so a delta applied to anything but its base, or
// corrupted, is an error and never a wrong fold.
//
// Each delta is against the checkpoint before it, not the full one: in a
// 10k-number night at 45 calls a number an hour (BenchmarkCheckpointDelta)
// a delta 5,000 events after its base was 42 % of a full checkpoint, 20,000
// after 79 %, 80,000 after 96 % (calls in flight turn over, and a fifth of
// the numbers change in 5,000 events), so deltas against the full one
// would soon cost as much as full checkpoints. A restore applies the chain
// to the encoding (a copy and a CRC each, a few ms) and decodes once.
var ckptDeltaMagic = []byte{0, 'c', 'd'}

const ckptDeltaVersion = 1

// Chunking: boundaries where the rolling hash's low bits are zero, at
// least chunkMin and at most chunkMax bytes apart (about 180 on average;
// a number of a 10k-number night encodes to ~450 bytes).
const (
	chunkMin  = 48
	chunkMax  = 1024
	chunkMask = 1<<7 - 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// gear is the rolling hash's table: fixed (splitmix64), so chunking the
// same bytes always cuts them at the same places.
var gear = func() (t [256]uint64) {
	x := uint64(0x9e3779b97f4a7c15)
	for i := range t {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		t[i] = z ^ z>>31
	}
	return t
}()

// nextCut returns the length of the chunk b starts with.
func nextCut(b []byte) int {
	if len(b) <= chunkMin {
		return len(b)
	}
	var h uint64
	end := min(len(b), chunkMax)
	for i := chunkMin; i < end; i++ {
		h = h<<1 + gear[b[i]]
		if h&chunkMask == 0 {
			return i + 1
		}
	}
	return end
}

// CheckpointChain encodes a run of checkpoints of one fold, in order: every
// Every-th in full, the others as deltas against the one before. It is
// safe for concurrent use, and a delta names its base whatever order the
// calls come in; the recorder calls it in order, on one goroutine.
type CheckpointChain struct {
	Every int // a full checkpoint every Every (<= 1: every checkpoint is full)

	mu     sync.Mutex
	n      int    // checkpoints encoded since the last full one
	base   []byte // the encoding the last checkpoint rebuilds
	baseTs int64  // its fold's clock
	anchor int64  // the last full checkpoint's fold's clock
	crc    uint32 // base's CRC-32C
	seed   maphash.Seed
	chunks map[uint64]int32 // a chunk's hash → its offset in base
	spare  []byte           // the encoding before base (reused)
}

// Encode encodes s as the chain's next checkpoint: full or a delta. A fold
// whose clock has not moved past the last checkpoint's is written in full:
// a delta names its base by event time, which must name one checkpoint.
func (c *CheckpointChain) Encode(s *State) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.base == nil || c.Every <= 1 || c.n+1 >= c.Every || s.c.Now <= c.baseTs {
		blob, err := s.MarshalBinary()
		if err != nil {
			return nil, err
		}
		c.n, c.anchor, c.spare = 0, s.c.Now, nil
		c.setBase(bytes.Clone(blob), s.c.Now) // blob is the recorder's
		return blob, nil
	}
	enc, err := s.appendAnchored(c.spare[:0], ckptVersion, c.anchor)
	if err != nil {
		return nil, err
	}
	c.n++
	delta := c.delta(enc)
	c.spare = c.base
	c.setBase(enc, s.c.Now)
	return delta, nil
}

// setBase makes enc (the encoding of a fold at ts) the base of the next
// delta, and indexes its chunks.
func (c *CheckpointChain) setBase(enc []byte, ts int64) {
	c.base, c.baseTs = enc, ts
	c.crc = crc32.Checksum(enc, castagnoli)
	if c.chunks == nil {
		c.seed = maphash.MakeSeed()
		c.chunks = make(map[uint64]int32, len(enc)/128)
	}
	clear(c.chunks)
	for off := 0; off < len(enc); {
		n := nextCut(enc[off:])
		c.chunks[maphash.Bytes(c.seed, enc[off:off+n])] = int32(off)
		off += n
	}
}

// delta writes enc as copies of the base's chunks and literal bytes. A
// copy is an op of (length<<1), then the offset; literal bytes an op of
// (length<<1 | 1), then the bytes. Adjacent copies merge.
func (c *CheckpointChain) delta(enc []byte) []byte {
	out := append([]byte{}, ckptDeltaMagic...)
	out = append(out, ckptDeltaVersion)
	out = binary.AppendVarint(out, c.baseTs)
	out = binary.AppendUvarint(out, uint64(len(c.base)))
	out = binary.LittleEndian.AppendUint32(out, c.crc)
	out = binary.AppendUvarint(out, uint64(len(enc)))
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(enc, castagnoli))
	copyOff, copyLen, litFrom := 0, 0, 0
	flushCopy := func() {
		if copyLen > 0 {
			out = binary.AppendUvarint(out, uint64(copyLen)<<1)
			out = binary.AppendUvarint(out, uint64(copyOff))
			copyLen = 0
		}
	}
	for off := 0; off < len(enc); {
		n := nextCut(enc[off:])
		chunk := enc[off : off+n]
		at, ok := c.chunks[maphash.Bytes(c.seed, chunk)]
		if ok && int(at)+n <= len(c.base) && bytes.Equal(c.base[at:int(at)+n], chunk) {
			if off > litFrom { // the literal bytes before this copy
				flushCopy()
				out = binary.AppendUvarint(out, uint64(off-litFrom)<<1|1)
				out = append(out, enc[litFrom:off]...)
			}
			if copyLen == 0 || copyOff+copyLen != int(at) || off > litFrom {
				flushCopy()
				copyOff = int(at)
			}
			copyLen += n
			litFrom = off + n
		}
		off += n
	}
	if len(enc) > litFrom {
		flushCopy()
		out = binary.AppendUvarint(out, uint64(len(enc)-litFrom)<<1|1)
		out = append(out, enc[litFrom:]...)
	}
	flushCopy()
	return out
}

// ErrCorruptDelta is a checkpoint delta that does not rebuild its fold:
// damaged, or not made against the base it was given.
var ErrCorruptDelta = errors.New("corrupt checkpoint delta")

// ErrBaseMismatch is a delta given another full checkpoint than its base
// (it wraps ErrCorruptDelta).
var ErrBaseMismatch = fmt.Errorf("%w: made against another base checkpoint", ErrCorruptDelta)

// CheckpointDeltaBase reports whether blob is a checkpoint delta and, if
// so, the event time of the checkpoint it was made against.
func CheckpointDeltaBase(blob []byte) (baseTs int64, ok bool) {
	if !bytes.HasPrefix(blob, ckptDeltaMagic) || len(blob) < len(ckptDeltaMagic)+2 {
		return 0, false
	}
	ts, n := binary.Varint(blob[len(ckptDeltaMagic)+1:])
	return ts, n > 0
}

// UnmarshalDelta restores the fold from a checkpoint delta and the full
// checkpoint it was made against, into s (see UnmarshalBinary); a delta
// made against another delta is applied to what ApplyCheckpointDelta
// rebuilt of that one.
func (s *State) UnmarshalDelta(base, delta []byte) error {
	enc, err := ApplyCheckpointDelta(base, delta)
	if err != nil {
		return err
	}
	return s.UnmarshalBinary(enc)
}

// ApplyCheckpointDelta rebuilds the encoding a delta was made of from the
// encoding its base rebuilds (a full checkpoint is its own): a full
// checkpoint for UnmarshalBinary, or the base of the next delta.
func ApplyCheckpointDelta(base, delta []byte) ([]byte, error) {
	return AppendCheckpointDelta(nil, base, delta)
}

// AppendCheckpointDelta is ApplyCheckpointDelta into dst's memory (dst's
// contents are dropped; it must not overlap base): a chain rebuilds in
// two buffers.
func AppendCheckpointDelta(dst, base, delta []byte) ([]byte, error) {
	fail := func(why string) ([]byte, error) { return nil, fmt.Errorf("%w: %s", ErrCorruptDelta, why) }
	if !bytes.HasPrefix(delta, ckptDeltaMagic) || len(delta) < len(ckptDeltaMagic)+1 || delta[len(ckptDeltaMagic)] != ckptDeltaVersion {
		return fail("not a delta of a known version")
	}
	r := reader{b: delta[len(ckptDeltaMagic)+1:]}
	r.int() // the base's time: the caller found the base by it
	baseLen := r.uint()
	baseCRC := r.u32le()
	encLen := r.uint()
	encCRC := r.u32le()
	if r.err != nil {
		return fail("header cut short")
	}
	if baseLen != uint64(len(base)) || baseCRC != crc32.Checksum(base, castagnoli) {
		return nil, ErrBaseMismatch
	}
	if encLen > uint64(len(delta))+uint64(len(base))*2+1<<20 {
		return fail("implausible length")
	}
	enc := dst[:0]
	if uint64(cap(enc)) < encLen {
		enc = make([]byte, 0, encLen)
	}
	for r.left() > 0 && r.err == nil {
		op := r.uint()
		n := op >> 1
		if op&1 == 1 {
			enc = append(enc, r.bytes(n)...)
			continue
		}
		off := r.uint()
		if r.err != nil || off > uint64(len(base)) || n > uint64(len(base))-off {
			return fail("a copy outside its base")
		}
		enc = append(enc, base[off:off+n]...)
	}
	if r.err != nil || uint64(len(enc)) != encLen || crc32.Checksum(enc, castagnoli) != encCRC {
		return fail("checksum mismatch")
	}
	return enc, nil
}

// u32le reads a little-endian uint32.
func (r *reader) u32le() uint32 {
	b := r.bytes(4)
	if len(b) < 4 {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}
