package store

import (
	"bytes"
	"compress/flate"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/cutover/cutover/monitor"
	"github.com/klauspost/compress/s2"
)

// Raw SIP is stored in blocks (migrations/0003_raw_blocks.sql): the writer
// packs a commit's messages, compresses each block once, and readers
// inflate a block once for all the events in it. One message a row
// compressed with a preset dictionary was measured first: 1.46x smaller
// and slower per message than a whole block (6.8x). Blocks were DEFLATE
// (codec 1) until S2 (codec 2, migrations/0004_s2_blocks.sql) took its
// place: on the simulated night's messages S2 compressed a block about 8x
// faster, to 6 % more bytes (zstd's fastest level: 2.3x faster, 32 % fewer
// bytes, but the writer's CPU is what issue 18 is short of).

// rawBlockMax is how many messages a block holds at most: a reader that
// starts inside a block inflates at most this many (about 0.3 MB).
const rawBlockMax = 512

// raw_blocks.codec: how a block is compressed.
const (
	codecDeflate = 1 // DEFLATE (compress/flate): read only
	codecS2      = 2 // S2's block format (klauspost/compress/s2): written
)

// maxBlockPlain bounds an inflated block: rawBlockMax messages of at most
// 64 KiB each. A block that inflates past it is corrupt.
const maxBlockPlain = rawBlockMax * 65536

// rawRef is where an event's message sits: block 0 is none (the event has
// no message, or an empty one, kept in raw).
type rawRef struct{ block, off, n int64 }

type rawBlock struct {
	id   int64
	data []byte
	off  int // where data starts in rawPacker.z
}

// rawPacker packs a batch's messages into blocks. Only the writer's
// goroutine uses it.
type rawPacker struct {
	plain  []byte
	z      []byte   // the batch's compressed blocks, one after another
	refs   []rawRef // one for each event of the batch
	blocks []rawBlock
}

// pack compresses the messages of evs (numbered from firstSeq).
func (p *rawPacker) pack(evs []monitor.Event, firstSeq int64) error {
	p.refs, p.blocks, p.plain, p.z = p.refs[:0], p.blocks[:0], p.plain[:0], p.z[:0]
	var id int64
	count := 0
	for i := range evs {
		m := evs[i].SIP
		if evs[i].Kind != monitor.KindSIP || m == nil || len(m.Raw) == 0 {
			p.refs = append(p.refs, rawRef{})
			continue
		}
		if count == 0 {
			id = firstSeq + int64(i)
		}
		p.refs = append(p.refs, rawRef{block: id, off: int64(len(p.plain)), n: int64(len(m.Raw))})
		p.plain = append(p.plain, m.Raw...)
		if count++; count == rawBlockMax {
			if err := p.seal(id); err != nil {
				return err
			}
			count = 0
		}
	}
	if count > 0 {
		return p.seal(id)
	}
	return nil
}

// seal compresses the messages gathered into block id. Blocks share one
// buffer, which the next batch reuses: a block's data is valid until then.
func (p *rawPacker) seal(id int64) error {
	start := len(p.z)
	need := start + s2.MaxEncodedLen(len(p.plain))
	if need > cap(p.z) {
		p.z = append(p.z[:cap(p.z)], make([]byte, need-cap(p.z))...)
		for i := range p.blocks { // they pointed into the old buffer
			b := &p.blocks[i]
			b.data = p.z[b.off : b.off+len(b.data)]
		}
	}
	data := s2.Encode(p.z[start:need], p.plain)
	p.z = p.z[:start+len(data)]
	p.blocks = append(p.blocks, rawBlock{id: id, data: data, off: start})
	p.plain = p.plain[:0]
	return nil
}

// errBlock is a block that is missing, of an unknown codec, or does not
// inflate: the recording is corrupt.
var errBlock = errors.New("raw SIP block")

// inflateBlock returns a block's messages one after another. It never
// makes more than maxBlockPlain bytes: a damaged or hostile block is an
// error, not a blown heap.
func inflateBlock(codec int64, data []byte) ([]byte, error) {
	switch codec {
	case codecS2:
		n, err := s2.DecodedLen(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errBlock, err)
		}
		if n > maxBlockPlain {
			return nil, fmt.Errorf("%w: inflates to %d bytes, past %d", errBlock, n, maxBlockPlain)
		}
		plain, err := s2.Decode(nil, data)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errBlock, err)
		}
		return plain, nil
	case codecDeflate:
		r := flate.NewReader(bytes.NewReader(data))
		defer r.Close()
		plain, err := io.ReadAll(io.LimitReader(r, maxBlockPlain+1))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errBlock, err)
		}
		if len(plain) > maxBlockPlain {
			return nil, fmt.Errorf("%w: inflates past %d bytes", errBlock, maxBlockPlain)
		}
		return plain, nil
	}
	return nil, fmt.Errorf("%w: unknown codec %d", errBlock, codec)
}

// slice is a copy of one message out of an inflated block.
func slice(plain []byte, off, n int64) ([]byte, error) {
	if off < 0 || n <= 0 || off+n > int64(len(plain)) {
		return nil, fmt.Errorf("%w: message at %d+%d past the block's %d bytes", errBlock, off, n, len(plain))
	}
	return bytes.Clone(plain[off : off+n]), nil
}

// blockCache holds the block a reader is in: events come in seq order, so
// each block is read and inflated once.
type blockCache struct {
	id    int64
	plain []byte
}

// message returns a copy of the message at off (n bytes) in block id.
func (c *blockCache) message(ctx context.Context, db *sql.DB, id, off, n int64) ([]byte, error) {
	if c.plain == nil || c.id != id {
		var (
			codec int64
			data  []byte
		)
		err := db.QueryRowContext(ctx, `SELECT codec, data FROM raw_blocks WHERE id = ?`, id).Scan(&codec, &data)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%w %d is missing", errBlock, id)
		}
		if err != nil {
			return nil, err
		}
		if c.plain, err = inflateBlock(codec, data); err != nil {
			return nil, err
		}
		c.id = id
	}
	return slice(c.plain, off, n)
}
