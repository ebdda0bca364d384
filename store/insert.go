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
// quarantined as well, the transport when they share it, data (NULL) when
// none has a STIR verdict, and their block, bound once, when they share
// it. Such a row of an import binds 5 values, not 14. The rows a table
// shows are the same either way.
//
// No row binds its seq: SQLite gives a row whose seq is NULL the largest
// seq so far plus one, which is the event's (checkLastSeq made sure the
// table ends where the batch begins, and rows go in seq order). So it
// appends the row without first searching the table for that seq, and
// flush checks the seq the last row got.

// sqlEventColumns names raw_block first: a statement whose rows share
// their block has it as ?1, which must come before any other parameter.
const sqlEventColumns = `INSERT INTO events (raw_block, seq, cutover_id, ts_ns, kind, source, src, dst, transport, raw, data,
		quarantined, raw_off, raw_len) VALUES `

// eventsPerInsert is how many events one INSERT statement writes: one
// statement per event spent a third of the writer's time in the
// statement's own round (database/sql, binding, resetting).
const eventsPerInsert = 32

// eventCols is how many values an event row binds (sqlEventRow).
const eventCols = 12

// sqlInsertRows is the INSERT of n events, each row written as row.
func sqlInsertRows(row string, n int) string {
	return sqlEventColumns + row + strings.Repeat(", "+row, n-1)
}

// sqlEventRow is any event of the cutover: it binds every column but
// seq and cutover_id, raw_block first.
func sqlEventRow(cutover int64) string {
	return fmt.Sprintf("(?, NULL, %d, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", cutover)
}

// sqlSIPRow is a plain SIP message of shape k. It binds, in this order,
// raw_block unless k.oneBlock (then it is ?1, bound once before every
// row), ts_ns, src, dst, the transport unless k has it, data if k.stir,
// raw_off and raw_len.
func sqlSIPRow(k stmtKey) (row string, cols int) {
	transport, data, block := "?", "NULL", "?1"
	cols = 5
	if k.transport != "" {
		transport = "'" + k.transport + "'"
	} else {
		cols++
	}
	if k.stir {
		data = "?"
		cols++
	}
	if !k.oneBlock {
		block = "?"
		cols++
	}
	return fmt.Sprintf("(%s, NULL, %d, ?, %d, '%s', ?, ?, %s, NULL, %s, 0, ?, ?)", block, k.cutover, monitor.KindSIP,
		k.source, transport, data), cols
}

// stmtKey is what a statement has written in: the cutover, and for plain
// SIP messages (sip) their source and what else its rows share.
type stmtKey struct {
	cutover   int64
	sip       bool
	source    monitor.Source
	transport string // "": bound a row
	stir      bool   // some row has data (a STIR verdict): bound a row
	oneBlock  bool   // raw_block bound once, as ?1
}

// literal says whether s may be written into a statement as it is (the
// sources and transports cutover names: lower-case words); any other
// source's rows bind every column, and another transport is bound.
func literal[S ~string](s S) bool {
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

// maxStmts bounds the statements kept: any event, and the shapes of
// plain SIP messages a night has (a source, its transports, with and
// without STIR, in one block or across two).
const maxStmts = 32

// insertStmts are the eventsPerInsert-row INSERT of one row shape, and
// for any event the one-row one, prepared on the driver's connection.
type insertStmts struct {
	one, many driver.Stmt // one is nil for plain SIP: only whole statements are
	cols      int         // values a row binds
	shared    int         // values bound once, before the rows (a shared block)
}

func (s insertStmts) close() {
	if s.one != nil {
		_ = s.one.Close()
	}
	_ = s.many.Close()
}

// exec runs args, whole rows: eventsPerInsert of them in one statement,
// fewer one at a time. It returns the seq of the last row.
func (s insertStmts) exec(ctx context.Context, args []driver.NamedValue) (last int64, err error) {
	if len(args) == s.shared+eventsPerInsert*s.cols {
		return execStmt(ctx, s.many, args)
	}
	if s.one == nil || s.shared != 0 {
		return 0, fmt.Errorf("events: %d values for a statement of %d rows of %d", len(args), eventsPerInsert, s.cols)
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
	st, err := prepareRows(ctx, dc, k)
	if err != nil {
		return nil, err
	}
	r.stmts[k] = st
	return st, nil
}

// prepareRows prepares the INSERTs of rows of shape k on dc.
func prepareRows(ctx context.Context, dc any, k stmtKey) (*insertStmts, error) {
	p, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("driver connection %T cannot prepare", dc)
	}
	st := &insertStmts{cols: eventCols}
	row := sqlEventRow(k.cutover)
	if k.sip {
		row, st.cols = sqlSIPRow(k)
		if k.oneBlock {
			st.shared = 1
		}
	}
	many, err := p.PrepareContext(ctx, sqlInsertRows(row, eventsPerInsert))
	if err != nil {
		return nil, err
	}
	st.many = many
	if !k.sip {
		if st.one, err = p.PrepareContext(ctx, sqlInsertRows(row, 1)); err != nil {
			_ = many.Close()
			return nil, err
		}
	}
	return st, nil
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
	return p.ref.block != 0 && !p.r.quarantined && literal(p.source)
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
// of plain SIP messages of one source has its own, with what they share.
func (b *rowBuf) shape(cutoverID int64) stmtKey {
	every := stmtKey{cutover: cutoverID}
	if len(b.rows) != eventsPerInsert {
		return every
	}
	first := &b.rows[0]
	k := stmtKey{cutover: cutoverID, sip: true, source: first.source, oneBlock: true}
	if first.r.transport != nil && literal(*first.r.transport) {
		k.transport = *first.r.transport
	}
	for i := range b.rows {
		p := &b.rows[i]
		if p.source != k.source || !p.plain() {
			return every
		}
		if k.transport != "" && *p.r.transport != k.transport {
			k.transport = ""
		}
		k.stir = k.stir || p.r.data != nil
		k.oneBlock = k.oneBlock && p.ref.block == first.ref.block
	}
	return k
}

// values makes the rows' values for the statement of shape k.
func (b *rowBuf) values(k stmtKey) {
	if k.oneBlock {
		b.add(b.rows[0].ref.block)
	}
	for i := range b.rows {
		p := &b.rows[i]
		r, ref := &p.r, &p.ref
		if k.sip {
			b.sipValues(k, r, ref)
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
		b.add(block, r.ts, r.kind, r.source, orNull(r.src), orNull(r.dst),
			orNull(r.transport), raw, orNull(r.data), r.quarantined, off, n)
	}
}

// sipValues adds a plain SIP row's values for the statement of shape k
// (sqlSIPRow).
func (b *rowBuf) sipValues(k stmtKey, r *eventRow, ref *rawRef) {
	if !k.oneBlock {
		b.add(ref.block)
	}
	b.add(r.ts, orNull(r.src), orNull(r.dst))
	if k.transport == "" {
		b.add(orNull(r.transport))
	}
	if k.stir {
		b.add(orNull(r.data))
	}
	b.add(ref.off, ref.n)
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
		r, err := encodeEvent(ev, c.addrs, &c.scratch)
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
