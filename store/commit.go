package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/cutover/cutover/monitor"
)

// The statements one commit runs: the event itself, then its projection.
const (
	sqlInsertEvent = `INSERT INTO events (seq, cutover_id, ts_ns, kind, source, src, dst, transport, raw, data, quarantined,
		raw_block, raw_off, raw_len) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlInsertBlock = `INSERT INTO raw_blocks (id, codec, data) VALUES (?, ?, ?)`
	sqlOpenAlert   = `INSERT INTO alerts (seq, rule, subject, severity, message, opened_ns)
		VALUES (?, ?, ?, ?, ?, ?)`
	sqlCloseAlert = `UPDATE alerts SET closed_ns = ?, close_seq = ?
		WHERE rule = ? AND subject = ? AND closed_ns IS NULL`
	// An action's later steps keep what earlier steps said unless they say
	// something new (a "done" step need not repeat the dry run).
	sqlUpsertAction = `INSERT INTO actions (id, seq, state, type, target, operator, dry_run, result, error, undo, requested_ns, updated_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			seq = excluded.seq,
			state = excluded.state,
			type = coalesce(nullif(excluded.type, ''), type),
			target = coalesce(nullif(excluded.target, ''), target),
			operator = coalesce(nullif(excluded.operator, ''), operator),
			dry_run = coalesce(nullif(excluded.dry_run, ''), dry_run),
			result = coalesce(nullif(excluded.result, ''), result),
			error = coalesce(nullif(excluded.error, ''), error),
			undo = coalesce(nullif(excluded.undo, ''), undo),
			updated_ns = excluded.updated_ns`
	sqlInsertNote       = `INSERT INTO notes (seq, ts_ns, author, text) VALUES (?, ?, ?, ?)`
	sqlInsertCheckpoint = `INSERT OR REPLACE INTO checkpoints (seq, ts_ns, state) VALUES (?, ?, ?)`
)

// committer writes batches with statements prepared once on the Store's
// connection, each batch in one transaction. Only the Writer's flushMu
// holder uses it.
type committer struct {
	s      *Store
	stmts  map[string]*sql.Stmt
	packer rawPacker           // the batch's SIP messages in compressed blocks (rawblock.go)
	args   []driver.NamedValue // insertEvents' values, kept between batches
	addrs  addrCache
	raw    rawStmts
}

// rawStmts are the events INSERTs prepared on the driver's connection
// itself (database/sql's Conn.Raw): through database/sql, every value of
// every row was checked and converted again, an eighth of the writer's
// CPU; these take the driver values insertEvents makes as they are.
type rawStmts struct {
	conn      any // the driver connection they were prepared on
	one, many driver.Stmt
}

// exec runs the one-row or the many-row INSERT with args on the driver
// connection dc, preparing them first on a connection not seen before.
func (r *rawStmts) exec(ctx context.Context, dc any, args []driver.NamedValue) error {
	if r.conn != dc {
		r.close(r.conn)
		p, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("driver connection %T cannot prepare", dc)
		}
		one, err := p.PrepareContext(ctx, sqlInsertEvent)
		if err != nil {
			return err
		}
		many, err := p.PrepareContext(ctx, sqlInsertEvents)
		if err != nil {
			_ = one.Close()
			return err
		}
		r.conn, r.one, r.many = dc, one, many
	}
	st := r.one
	if len(args) == eventsPerInsert*eventCols {
		st = r.many
	}
	x, ok := st.(driver.StmtExecContext)
	if !ok {
		return errors.New("driver statement cannot execute with a context")
	}
	_, err := x.ExecContext(ctx, args)
	return err
}

// close closes the statements if they were prepared on dc (a connection
// database/sql has dropped took its statements with it).
func (r *rawStmts) close(dc any) {
	if r.conn != nil && r.conn == dc {
		_ = r.one.Close()
		_ = r.many.Close()
	}
	*r = rawStmts{}
}

var committedQueries = []string{sqlInsertBlock, sqlOpenAlert, sqlCloseAlert, sqlUpsertAction, sqlInsertNote, sqlInsertCheckpoint}

// prepare prepares the statements once, outside any transaction (the
// Store has one connection, which a transaction holds).
func (c *committer) prepare(ctx context.Context) error {
	if c.stmts != nil {
		return nil
	}
	stmts := make(map[string]*sql.Stmt, len(committedQueries))
	for _, q := range committedQueries {
		st, err := c.s.db.PrepareContext(ctx, q)
		if err != nil {
			for _, st := range stmts {
				_ = st.Close()
			}
			return err
		}
		stmts[q] = st
	}
	c.stmts = stmts
	return nil
}

// stmt returns the prepared statement for query, in tx.
func (c *committer) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	return tx.StmtContext(ctx, c.stmts[query])
}

func (c *committer) close() {
	for _, st := range c.stmts {
		_ = st.Close()
	}
	c.stmts = nil
	if c.raw.conn == nil {
		return
	}
	ctx := context.Background()
	conn, err := c.s.db.Conn(ctx)
	if err != nil {
		c.raw = rawStmts{}
		return
	}
	defer conn.Close()
	_ = conn.Raw(func(dc any) error {
		c.raw.close(dc)
		return nil
	})
	c.raw = rawStmts{}
}

// commit writes the batch's events, their projections and its checkpoints
// in one transaction.
func (c *committer) commit(b batch) error {
	ctx := context.Background()
	cutoverID := c.s.cutover()
	if cutoverID == 0 && len(b.evs) > 0 {
		return ErrNoCutover
	}
	if err := c.prepare(ctx); err != nil {
		return err
	}
	for i := range b.ckpts { // before the transaction: it holds the write lock
		if cp := &b.ckpts[i]; cp.encode != nil {
			cp.state, cp.encode = cp.encode(), nil
		}
	}
	if err := c.packer.pack(b.evs, b.firstSeq); err != nil {
		return fmt.Errorf("compress SIP: %w", err)
	}
	conn, err := c.s.db.Conn(ctx) // the Store's one connection, for insertEvents
	if err != nil {
		return err
	}
	defer conn.Close()
	return inTx(ctx, conn, func(tx *sql.Tx) error {
		if err := checkLastSeq(ctx, tx, b.firstSeq-1); err != nil {
			return err
		}
		blk := c.stmt(ctx, tx, sqlInsertBlock)
		for _, bl := range c.packer.blocks { // before the events that refer to them
			if _, err := blk.ExecContext(ctx, bl.id, codecS2, bl.data); err != nil {
				return err
			}
		}
		if err := c.insertEvents(ctx, conn, tx, b, cutoverID); err != nil {
			return err
		}
		if len(b.ckpts) == 0 {
			return nil
		}
		ck := c.stmt(ctx, tx, sqlInsertCheckpoint)
		for _, cp := range b.ckpts {
			if cp.state == nil {
				continue
			}
			if _, err := ck.ExecContext(ctx, cp.seq, cp.ts, cp.state); err != nil {
				return err
			}
		}
		return nil
	})
}

// eventsPerInsert is how many events one INSERT statement writes: one
// statement per event spent a third of the writer's time in the
// statement's own round (database/sql, binding, resetting).
const eventsPerInsert = 32

// eventCols is how many values an event row takes in sqlInsertEvent.
const eventCols = 14

// sqlInsertEvents is sqlInsertEvent for eventsPerInsert events.
var sqlInsertEvents = sqlInsertEvent + strings.Repeat(", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", eventsPerInsert-1)

// insertEvents writes the batch's events, eventsPerInsert at a time on
// the driver's connection (rawStmts), in tx, which holds conn; and their
// projections (after the event each refers to).
func (c *committer) insertEvents(ctx context.Context, conn *sql.Conn, tx *sql.Tx, b batch, cutoverID int64) error {
	args := c.args[:0]
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		err := conn.Raw(func(dc any) error {
			if len(args) == eventsPerInsert*eventCols {
				return c.raw.exec(ctx, dc, args)
			}
			for i := 0; i < len(args); i += eventCols {
				row := args[i : i+eventCols]
				for k := range row {
					row[k].Ordinal = k + 1
				}
				if err := c.raw.exec(ctx, dc, row); err != nil {
					return err
				}
			}
			return nil
		})
		clear(args)
		args = args[:0]
		return err
	}
	for i := range b.evs {
		ev := &b.evs[i]
		seq := b.firstSeq + int64(i)
		if c.addrs == nil {
			c.addrs = addrCache{}
		}
		r, err := encodeEvent(ev, c.addrs)
		if err != nil {
			return err
		}
		var block, off, n driver.Value
		if ref := &c.packer.refs[i]; ref.block != 0 {
			r.raw, block, off, n = nil, ref.block, ref.off, ref.n
		}
		var raw driver.Value
		if r.raw != nil {
			raw = r.raw
		}
		for _, v := range [eventCols]driver.Value{seq, cutoverID, r.ts, r.kind, r.source, orNull(r.src), orNull(r.dst),
			orNull(r.transport), raw, orNull(r.data), r.quarantined, block, off, n} {
			args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: v})
		}
		if len(args) == eventsPerInsert*eventCols {
			if err := flush(); err != nil {
				return err
			}
		}
		if projected(ev) {
			if err := flush(); err != nil { // the projection refers to the event's row
				return err
			}
			if err := c.project(ctx, tx, seq, ev); err != nil {
				return err
			}
		}
	}
	err := flush()
	c.args = args
	return err
}

// orNull is a nullable text column's value.
func orNull(s *string) driver.Value {
	if s == nil {
		return nil
	}
	return *s
}

// projected tells the events that project writes a row for.
func projected(ev *monitor.Event) bool {
	switch ev.Kind {
	case monitor.KindAlert:
		return ev.Alert != nil
	case monitor.KindAction:
		return ev.Action != nil
	case monitor.KindNote:
		return ev.Note != nil
	}
	return false
}

// checkLastSeq makes sure the recording ends at want before a batch is
// added: holding the write lock, this catches a second process recording
// into the same file, whose seqs would otherwise collide.
func checkLastSeq(ctx context.Context, tx *sql.Tx, want int64) error {
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&last); err != nil {
		return err
	}
	if last != want {
		return fmt.Errorf("%w: another process is recording into it (last event %d, expected %d)", ErrWriterActive, last, want)
	}
	return nil
}

// project writes what an alert, action or note event adds to its table.
func (c *committer) project(ctx context.Context, tx *sql.Tx, seq int64, ev *monitor.Event) error {
	var (
		query string
		args  []any
	)
	switch {
	case ev.Kind == monitor.KindAlert && ev.Alert != nil && ev.Alert.Open:
		a := ev.Alert
		query, args = sqlOpenAlert, []any{seq, string(a.Rule), a.Subject, string(a.Severity), a.Message, ev.Time}
	case ev.Kind == monitor.KindAlert && ev.Alert != nil:
		a := ev.Alert
		query, args = sqlCloseAlert, []any{ev.Time, seq, string(a.Rule), a.Subject}
	case ev.Kind == monitor.KindAction && ev.Action != nil:
		a := ev.Action
		query, args = sqlUpsertAction, []any{a.ID, seq, string(a.State), a.Type, a.Target, a.Operator,
			a.DryRun, a.Result, a.Error, a.Undo, ev.Time, ev.Time}
	case ev.Kind == monitor.KindNote && ev.Note != nil:
		query, args = sqlInsertNote, []any{seq, ev.Time, ev.Note.Author, ev.Note.Text}
	default:
		return nil
	}
	_, err := c.stmt(ctx, tx, query).ExecContext(ctx, args...)
	return err
}
