package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cutover/cutover/monitor"
)

// The statements one commit runs: the event itself, then its projection.
const (
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
	s       *Store
	stmts   map[string]*sql.Stmt
	packer  rawPacker // the batch's SIP messages in compressed blocks (rawblock.go)
	buf     rowBuf    // insertEvents' rows, kept between batches
	addrs   addrCache
	scratch []byte   // encodeEvent's buffer
	raw     rawStmts // the events INSERTs (insert.go)
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
