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

// The events INSERTs. They run on the driver's connection itself
// (database/sql's Conn.Raw): through database/sql, every value of every
// row was checked and converted again, an eighth of the writer's CPU;
// these take the driver values insertEvents makes as they are.
//
// Each value bound costs the driver calls into SQLite (and text a C
// copy), so what is the same for many rows is written into the statement
// as an SQL literal: the cutover's id in every row, and for a statement
// of plain SIP messages (the message in a block, not quarantined, of one
// source: nearly every row of an import) the kind, source, raw and
// quarantined as well. Such a row binds 8 values, not 14. The rows a
// table shows are the same either way.
//
// No row binds its seq: SQLite gives a row whose seq is NULL the largest
// seq so far plus one, which is the event's (checkLastSeq made sure the
// table ends where the batch begins, and rows go in seq order). So it
// appends the row without first searching the table for that seq, and
// flush checks the seq the last row got.

const sqlEventColumns = `INSERT INTO events (seq, cutover_id, ts_ns, kind, source, src, dst, transport, raw, data, quarantined,
		raw_block, raw_off, raw_len) VALUES `

// eventsPerInsert is how many events one INSERT statement writes: one
// statement per event spent a third of the writer's time in the
// statement's own round (database/sql, binding, resetting).
const eventsPerInsert = 32

// eventCols is how many values an event row binds (sqlEventRow); sipCols
// how many a plain SIP row binds (sqlSIPRow).
const (
	eventCols = 12
	sipCols   = 8
)

// sqlInsertRows is the INSERT of n events, each row written as row.
func sqlInsertRows(row string, n int) string {
	return sqlEventColumns + row + strings.Repeat(", "+row, n-1)
}

// sqlEventRow is any event of the cutover: it binds every column but
// seq and cutover_id.
func sqlEventRow(cutover int64) string {
	return fmt.Sprintf("(NULL, %d, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", cutover)
}

// sqlSIPRow is a plain SIP message of the cutover and source given: it
// binds ts_ns, src, dst, transport, data (a STIR verdict), raw_block,
// raw_off and raw_len.
func sqlSIPRow(k stmtKey) string {
	return fmt.Sprintf("(NULL, %d, ?, %d, '%s', ?, ?, ?, NULL, ?, 0, ?, ?, ?)", k.cutover, monitor.KindSIP, k.source)
}

// stmtKey is what a statement has written in: the cutover, and for plain
// SIP messages (sip) their source.
type stmtKey struct {
	cutover int64
	source  monitor.Source
	sip     bool
}

// literalSource says whether s may be written into a statement as it is
// (the sources cutover names: lower-case words); any other source's rows
// bind every column.
func literalSource(s monitor.Source) bool {
	if len(s) == 0 || len(s) > 16 {
		return false
	}
	for _, r := range []byte(s) {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

// maxStmts bounds the statements kept (one pair a shape: any event, and
// plain SIP of each source).
const maxStmts = 8

// insertStmts are the one-row and the eventsPerInsert-row INSERT of one
// row shape, prepared on the driver's connection.
type insertStmts struct {
	one, many driver.Stmt
	cols      int // values a row binds
}

func (s insertStmts) close() {
	_ = s.one.Close()
	_ = s.many.Close()
}

// exec runs args, whole rows: eventsPerInsert of them in one statement,
// fewer one at a time. It returns the seq of the last row.
func (s insertStmts) exec(ctx context.Context, args []driver.NamedValue) (last int64, err error) {
	if len(args) == eventsPerInsert*s.cols {
		return execStmt(ctx, s.many, args)
	}
	for i := 0; i < len(args); i += s.cols {
		row := args[i : i+s.cols]
		for k := range row {
			row[k].Ordinal = k + 1
		}
		if last, err = execStmt(ctx, s.one, row); err != nil {
			return 0, err
		}
	}
	return last, nil
}

func execStmt(ctx context.Context, st driver.Stmt, args []driver.NamedValue) (int64, error) {
	x, ok := st.(driver.StmtExecContext)
	if !ok {
		return 0, errors.New("driver statement cannot execute with a context")
	}
	res, err := x.ExecContext(ctx, args)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// rawStmts are the events INSERTs prepared on one driver connection.
type rawStmts struct {
	conn  any // the driver connection they were prepared on
	stmts map[stmtKey]*insertStmts
}

// get returns the statements for rows of shape k on the driver
// connection dc, preparing them first on a connection not seen before.
func (r *rawStmts) get(ctx context.Context, dc any, k stmtKey) (*insertStmts, error) {
	if r.conn != dc {
		r.close(r.conn)
		r.conn, r.stmts = dc, map[stmtKey]*insertStmts{}
	}
	if st := r.stmts[k]; st != nil {
		return st, nil
	}
	if len(r.stmts) == maxStmts {
		for k, st := range r.stmts {
			st.close()
			delete(r.stmts, k)
		}
	}
	row, cols := sqlEventRow(k.cutover), eventCols
	if k.sip {
		row, cols = sqlSIPRow(k), sipCols
	}
	st, err := prepareRows(ctx, dc, row, cols)
	if err != nil {
		return nil, err
	}
	r.stmts[k] = st
	return st, nil
}

// prepareRows prepares the INSERTs of rows written as row on dc.
func prepareRows(ctx context.Context, dc any, row string, cols int) (*insertStmts, error) {
	p, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("driver connection %T cannot prepare", dc)
	}
	one, err := p.PrepareContext(ctx, sqlInsertRows(row, 1))
	if err != nil {
		return nil, err
	}
	many, err := p.PrepareContext(ctx, sqlInsertRows(row, eventsPerInsert))
	if err != nil {
		_ = one.Close()
		return nil, err
	}
	return &insertStmts{one: one, many: many, cols: cols}, nil
}

// close closes the statements if they were prepared on dc (a connection
// database/sql has dropped took its statements with it).
func (r *rawStmts) close(dc any) {
	if r.conn != nil && r.conn == dc {
		for _, st := range r.stmts {
			st.close()
		}
	}
	*r = rawStmts{}
}

// pendingRow is an event row waiting for its INSERT.
type pendingRow struct {
	seq    int64
	r      eventRow
	ref    rawRef
	source monitor.Source
}

// plain says whether the row is a plain SIP message (sqlSIPRow).
func (p *pendingRow) plain() bool {
	return p.ref.block != 0 && !p.r.quarantined && literalSource(p.source)
}

// rowBuf gathers up to eventsPerInsert rows, in seq order: rows inserted
// out of order cost SQLite more than the binds saved (it splits pages in
// the middle of the table), so a statement's rows are the next ones.
type rowBuf struct {
	rows []pendingRow
	args []driver.NamedValue
}

func (b *rowBuf) add(vals ...driver.Value) {
	for _, v := range vals {
		b.args = append(b.args, driver.NamedValue{Ordinal: len(b.args) + 1, Value: v})
	}
}

// shape returns the statement for the rows gathered: a full statement
// of plain SIP messages of one source has its own.
func (b *rowBuf) shape(cutoverID int64) stmtKey {
	k := stmtKey{cutover: cutoverID}
	if len(b.rows) != eventsPerInsert {
		return k
	}
	src := b.rows[0].source
	for i := range b.rows {
		if p := &b.rows[i]; p.source != src || !p.plain() {
			return k
		}
	}
	return stmtKey{cutover: cutoverID, source: src, sip: true}
}

// values makes the rows' values for the statement of shape k.
func (b *rowBuf) values(k stmtKey) {
	for i := range b.rows {
		p := &b.rows[i]
		r, ref := &p.r, &p.ref
		if k.sip {
			b.add(r.ts, orNull(r.src), orNull(r.dst), orNull(r.transport), orNull(r.data), ref.block, ref.off, ref.n)
			continue
		}
		var block, off, n driver.Value
		if ref.block != 0 {
			r.raw, block, off, n = nil, ref.block, ref.off, ref.n
		}
		var raw driver.Value
		if r.raw != nil {
			raw = r.raw
		}
		b.add(r.ts, r.kind, r.source, orNull(r.src), orNull(r.dst),
			orNull(r.transport), raw, orNull(r.data), r.quarantined, block, off, n)
	}
}

// reset empties the buffer, dropping what it refers to.
func (b *rowBuf) reset() {
	clear(b.rows)
	clear(b.args)
	b.rows, b.args = b.rows[:0], b.args[:0]
}

// flush inserts the rows gathered, on conn's driver connection.
func (c *committer) flush(ctx context.Context, conn *sql.Conn, cutoverID int64) error {
	b := &c.buf
	if len(b.rows) == 0 {
		return nil
	}
	k := b.shape(cutoverID)
	b.values(k)
	err := conn.Raw(func(dc any) error {
		st, err := c.raw.get(ctx, dc, k)
		if err != nil {
			return err
		}
		last, err := st.exec(ctx, b.args)
		if want := b.rows[len(b.rows)-1].seq; err == nil && last != want {
			return fmt.Errorf("events: the last row got seq %d, not %d", last, want)
		}
		return err
	})
	b.reset()
	return err
}

// insertEvents writes the batch's events, eventsPerInsert at a time on
// the driver's connection, in tx, which holds conn; and their
// projections (after the event each refers to).
func (c *committer) insertEvents(ctx context.Context, conn *sql.Conn, tx *sql.Tx, b batch, cutoverID int64) error {
	c.buf.reset() // what a failed commit left
	if c.addrs == nil {
		c.addrs = addrCache{}
	}
	for i := range b.evs {
		ev := &b.evs[i]
		seq := b.firstSeq + int64(i)
		r, err := encodeEvent(ev, c.addrs)
		if err != nil {
			return err
		}
		c.buf.rows = append(c.buf.rows, pendingRow{seq: seq, r: r, ref: c.packer.refs[i], source: ev.Source})
		if len(c.buf.rows) == eventsPerInsert || projected(ev) {
			if err := c.flush(ctx, conn, cutoverID); err != nil {
				return err
			}
		}
		if projected(ev) { // after its event's row, which it refers to
			if err := c.project(ctx, tx, seq, ev); err != nil {
				return err
			}
		}
	}
	return c.flush(ctx, conn, cutoverID)
}

// orNull is a nullable text column's value.
func orNull(s *string) driver.Value {
	if s == nil {
		return nil
	}
	return *s
}
