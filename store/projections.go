package store

import (
	"context"
	"database/sql"
)

// Alerts returns every alert of the recording in the order they opened.
func (r *Reader) Alerts() ([]AlertRow, error) {
	var out []AlertRow
	err := r.query(`SELECT seq, rule, subject, severity, message, opened_ns,
		coalesce(closed_ns, 0), coalesce(close_seq, 0) FROM alerts ORDER BY seq`,
		func(rows *sql.Rows) error {
			var a AlertRow
			err := rows.Scan(&a.Seq, &a.Rule, &a.Subject, &a.Severity, &a.Message, &a.OpenedNs, &a.ClosedNs, &a.CloseSeq)
			out = append(out, a)
			return err
		})
	return out, wrapErr(r.path, "read alerts", err)
}

// Actions returns every operator action in the order they were requested,
// each as its latest step left it.
func (r *Reader) Actions() ([]ActionRow, error) {
	var out []ActionRow
	err := r.query(`SELECT id, seq, state, type, target, operator, dry_run, result, error, undo,
		requested_ns, updated_ns FROM actions ORDER BY requested_ns, id`,
		func(rows *sql.Rows) error {
			var a ActionRow
			err := rows.Scan(&a.ID, &a.Seq, &a.State, &a.Type, &a.Target, &a.Operator, &a.DryRun,
				&a.Result, &a.Error, &a.Undo, &a.RequestedNs, &a.UpdatedNs)
			out = append(out, a)
			return err
		})
	return out, wrapErr(r.path, "read actions", err)
}

// Notes returns every operator note in seq order.
func (r *Reader) Notes() ([]NoteRow, error) {
	var out []NoteRow
	err := r.query(`SELECT seq, ts_ns, author, text FROM notes ORDER BY seq`,
		func(rows *sql.Rows) error {
			var n NoteRow
			err := rows.Scan(&n.Seq, &n.TsNs, &n.Author, &n.Text)
			out = append(out, n)
			return err
		})
	return out, wrapErr(r.path, "read notes", err)
}

// query runs q and calls scan for each row.
func (r *Reader) query(q string, scan func(*sql.Rows) error) error {
	rows, err := r.db.QueryContext(context.Background(), q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CheckpointRow says where a checkpoint of the fold was taken.
type CheckpointRow struct {
	Seq  int64 // the last event folded into it
	TsNs int64
}

// Checkpoints lists the recording's checkpoints in seq order.
func (r *Reader) Checkpoints() ([]CheckpointRow, error) {
	var out []CheckpointRow
	err := r.query(`SELECT seq, ts_ns FROM checkpoints ORDER BY seq`,
		func(rows *sql.Rows) error {
			var c CheckpointRow
			err := rows.Scan(&c.Seq, &c.TsNs)
			out = append(out, c)
			return err
		})
	return out, wrapErr(r.path, "read checkpoints", err)
}
