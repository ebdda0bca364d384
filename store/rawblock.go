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
)

// Raw SIP is stored in blocks (migrations/0003_raw_blocks.sql): the writer
// packs a commit's messages, compresses each block once, and readers
// inflate a block once for all the events in it. One message a row
// compressed with a preset dictionary was measured first: 1.46x smaller
// and slower per message than a whole block (6.8x).

// rawBlockMax is how many messages a block holds at most: a reader that
// starts inside a block inflates at most this many (about 0.3 MB).
const rawBlockMax = 512

// codecDeflate is raw_blocks.codec for DEFLATE (compress/flate).
const codecDeflate = 1

// maxBlockPlain bounds an inflated block: rawBlockMax messages of at most
// 64 KiB each. A block that inflates past it is corrupt.
const maxBlockPlain = rawBlockMax * 65536

// rawRef is where an event's message sits: block 0 is none (the event has
// no message, or an empty one, kept in raw).
type rawRef struct{ block, off, n int64 }

type rawBlock struct {
	id   int64
	data []byte
}

// rawPacker packs a batch's messages into blocks. Only the writer's
// goroutine uses it (a flate.Writer is ~1 MB of state: kept).
type rawPacker struct {
	w      *flate.Writer
	z      bytes.Buffer
	plain  []byte
	refs   []rawRef // one for each event of the batch
	blocks []rawBlock
}

// pack compresses the messages of evs (numbered from firstSeq).
func (p *rawPacker) pack(evs []monitor.Event, firstSeq int64) error {
	p.refs, p.blocks, p.plain = p.refs[:0], p.blocks[:0], p.plain[:0]
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

// seal compresses the messages gathered into block id.
func (p *rawPacker) seal(id int64) error {
	p.z.Reset()
	if p.w == nil {
		w, err := flate.NewWriter(&p.z, flate.BestSpeed)
		if err != nil {
			return err
		}
		p.w = w
	} else {
		p.w.Reset(&p.z)
	}
	if _, err := p.w.Write(p.plain); err != nil {
		return err
	}
	if err := p.w.Close(); err != nil {
		return err
	}
	p.blocks = append(p.blocks, rawBlock{id: id, data: bytes.Clone(p.z.Bytes())})
	p.plain = p.plain[:0]
	return nil
}

// errBlock is a block that is missing, of an unknown codec, or does not
// inflate: the recording is corrupt.
var errBlock = errors.New("raw SIP block")

// inflateBlock returns a block's messages one after another.
func inflateBlock(codec int64, data []byte) ([]byte, error) {
	if codec != codecDeflate {
		return nil, fmt.Errorf("%w: unknown codec %d", errBlock, codec)
	}
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
