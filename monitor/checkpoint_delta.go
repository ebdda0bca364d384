package monitor

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/maphash"
)

// A checkpoint delta is a checkpoint stored as what changed since a full
// one (its base): the fold encoded with its times relative to the base's
// clock (version 8's anchor), so that a number, a trunk or an alert that
// did not change since encodes to the same bytes, then cut into chunks at
// content-defined boundaries (a rolling hash, as rsync and restic do) and
// written as copies of the base's chunks and literal bytes. It knows
// nothing of the fold's fields: a field added to the fold is in deltas as
// soon as it is in the full encoding.
//
// A delta names its base by the base's event time, length and CRC-32C, and
// carries the CRC-32C of the encoding it rebuilds, so a delta applied to
// anything but its base, or corrupted, is an error and never a wrong fold.
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
// Every-th in full, the others as deltas against the last full one (each
// against the full, not the previous delta, so a seek applies one delta).
// Its methods run on one goroutine (the recorder's).
type CheckpointChain struct {
	Every int // a full checkpoint every Every (<= 1: every checkpoint is full)

	n      int    // checkpoints encoded since the last full one
	base   []byte // the last full checkpoint
	anchor int64  // its fold's clock
	crc    uint32 // its CRC-32C
	seed   maphash.Seed
	chunks map[uint64]int32 // a chunk's hash → its offset in base
	enc    []byte           // the last delta's full encoding (reused)
}

// Encode encodes s as the chain's next checkpoint: full or a delta.
func (c *CheckpointChain) Encode(s *State) ([]byte, error) {
	if c.base == nil || c.Every <= 1 || c.n+1 >= c.Every || s.c.Now < c.anchor {
		blob, err := s.MarshalBinary()
		if err != nil {
			return nil, err
		}
		c.setBase(blob, s.c.Now)
		return blob, nil
	}
	enc, err := s.appendAnchored(c.enc[:0], ckptVersion, c.anchor)
	if err != nil {
		return nil, err
	}
	c.enc = enc
	c.n++
	return c.delta(enc), nil
}

// setBase makes blob (a full checkpoint of a fold at anchor) the base of
// the next deltas, and indexes its chunks.
func (c *CheckpointChain) setBase(blob []byte, anchor int64) {
	c.n, c.base, c.anchor = 0, blob, anchor
	c.crc = crc32.Checksum(blob, castagnoli)
	if c.chunks == nil {
		c.seed = maphash.MakeSeed()
	}
	c.chunks = make(map[uint64]int32, len(blob)/128)
	for off := 0; off < len(blob); {
		n := nextCut(blob[off:])
		c.chunks[maphash.Bytes(c.seed, blob[off:off+n])] = int32(off)
		off += n
	}
}

// delta writes enc as copies of the base's chunks and literal bytes. A
// copy is an op of (length<<1), then the offset; literal bytes an op of
// (length<<1 | 1), then the bytes. Adjacent copies merge.
func (c *CheckpointChain) delta(enc []byte) []byte {
	out := append([]byte{}, ckptDeltaMagic...)
	out = append(out, ckptDeltaVersion)
	out = binary.AppendVarint(out, c.anchor)
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
// so, the event time of the full checkpoint it was made against.
func CheckpointDeltaBase(blob []byte) (baseTs int64, ok bool) {
	if !bytes.HasPrefix(blob, ckptDeltaMagic) || len(blob) < len(ckptDeltaMagic)+2 {
		return 0, false
	}
	ts, n := binary.Varint(blob[len(ckptDeltaMagic)+1:])
	return ts, n > 0
}

// UnmarshalDelta restores the fold from a checkpoint delta and the full
// checkpoint it was made against, into s (see UnmarshalBinary).
func (s *State) UnmarshalDelta(base, delta []byte) error {
	enc, err := applyDelta(base, delta)
	if err != nil {
		return err
	}
	return s.UnmarshalBinary(enc)
}

// applyDelta rebuilds the full encoding a delta was made of.
func applyDelta(base, delta []byte) ([]byte, error) {
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
	enc := make([]byte, 0, encLen)
	for len(r.b) > 0 && r.err == nil {
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
