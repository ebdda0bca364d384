package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cutover/cutover/monitor"
)

// Cutover is the recording's cutover: its config, and when it started
// and ended (EndedNs is 0 if it never ended: the recorder crashed).
type Cutover struct {
	ID        int64
	Name      string
	Config    monitor.Config
	Mode      string // live, demo, import
	StartedNs int64
	EndedNs   int64
}

// AlertRow is one alert from open to close (ClosedNs and CloseSeq are 0
// while it is open).
type AlertRow struct {
	Seq      int64 // the event that opened it
	Rule     string
	Subject  string
	Severity monitor.Severity
	Message  string
	OpenedNs int64
	ClosedNs int64
	CloseSeq int64
}

// Open reports whether the alert was still open at the end of the recording.
func (a AlertRow) Open() bool { return a.CloseSeq == 0 }

// ActionRow is an operator action as its latest step left it.
type ActionRow struct {
	monitor.ActionRecord
	Seq         int64 // the action's latest event
	RequestedNs int64 // the time of its first event
	UpdatedNs   int64 // the time of its latest event
}

// NoteRow is an operator note.
type NoteRow struct {
	Seq    int64
	TsNs   int64
	Author string
	Text   string
}

// Reader reads a recording without ever writing to it. Its methods are
// safe for concurrent use; a recording may be read while it is written.
type Reader struct {
	path string
	db   *sql.DB
	cut  Cutover
	// quarantined is the events' quarantine column, or "0" in a recording
	// made before it (read-only: a Reader never migrates).
	quarantined string
	// rawBlock is the events' raw_block, raw_off and raw_len columns, or
	// NULLs in a recording made before raw SIP was kept in blocks.
	rawBlock string
	tmp      string // a copy of a crashed writer's recording (readonly.go), removed on Close
}

// OpenReader opens the recording at path read-only, for a command that
// reads it once (report, export, replay, act's look at it): it leaves no
// file beside it (readonly.go). It fails if the file is missing, is not a
// cutover recording, comes from a newer cutover or holds no cutover.
func OpenReader(path string) (*Reader, error) { return newReader(path, false) }

// OpenFollower opens the recording at path read-only to follow what
// another process goes on writing (replay --follow): every commit is
// seen, and SQLite may make the -wal and -shm it needs for that.
func OpenFollower(path string) (*Reader, error) { return newReader(path, true) }

func newReader(path string, follow bool) (*Reader, error) {
	if _, err := checkFile(path, false); err != nil {
		return nil, err
	}
	mode, file := openRead, path
	var tmp string
	if !follow {
		var err error
		if mode, file, tmp, err = readOnlyOpen(path); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("sqlite", dsn(file, mode))
	if err != nil {
		removeCopy(tmp)
		return nil, wrapErr(path, "open", err)
	}
	db.SetMaxOpenConns(4)
	r := &Reader{path: path, db: db, tmp: tmp}
	if err := r.load(context.Background()); err != nil {
		_ = r.Close()
		return nil, wrapErr(path, "open", err)
	}
	return r, nil
}

func (r *Reader) load(ctx context.Context) error {
	version, err := identify(ctx, r.db, false)
	if err != nil {
		return err
	}
	if latest := latestVersion(); version > latest {
		return fmt.Errorf("%w (schema version %d, this build knows %d)", ErrNewerSchema, version, latest)
	}
	var (
		cfg   string
		ended sql.NullInt64
	)
	err = r.db.QueryRowContext(ctx, `SELECT id, name, config, mode, started_ns, ended_ns
		FROM cutovers ORDER BY id LIMIT 1`).Scan(&r.cut.ID, &r.cut.Name, &cfg, &r.cut.Mode, &r.cut.StartedNs, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoCutover
	}
	if err != nil {
		return err
	}
	r.cut.EndedNs = ended.Int64
	if r.quarantined, err = r.columns(ctx, "quarantined", "quarantined", "0"); err != nil {
		return err
	}
	if r.rawBlock, err = r.columns(ctx, "raw_block", "raw_block, raw_off, raw_len", "NULL, NULL, NULL"); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(cfg), &r.cut.Config); err != nil {
		return fmt.Errorf("%w (cutover config: %v)", ErrCorrupt, err)
	}
	return nil
}

// Path returns the recording's file name.
// columns is what to select for columns a migration added to events:
// present when the recording has column, else absent (a Reader never
// migrates a recording made before).
func (r *Reader) columns(ctx context.Context, column, present, absent string) (string, error) {
	var has bool
	if err := r.db.QueryRowContext(ctx, `SELECT count(*) > 0 FROM pragma_table_info('events')
		WHERE name = ?`, column).Scan(&has); err != nil {
		return "", err
	}
	if has {
		return present, nil
	}
	return absent, nil
}

func (r *Reader) Path() string { return r.path }

// Close closes the recording.
func (r *Reader) Close() error {
	err := r.db.Close()
	removeCopy(r.tmp)
	return wrapErr(r.path, "close", err)
}

// Cutover returns the recording's cutover, as it was when the Reader opened.
func (r *Reader) Cutover() Cutover { return r.cut }

// Config returns the recorded cutover's configuration.
func (r *Reader) Config() monitor.Config { return r.cut.Config }

// EndedNs returns the end time the writer recorded when the Reader
// opened, 0 if none: it was cut short (or is still being written).
func (r *Reader) EndedNs() int64 { return r.cut.EndedNs }

// Mode returns how the cutover was recorded: live, demo or import.
func (r *Reader) Mode() string { return r.cut.Mode }

// Events calls fn for every event after afterSeq, in seq order, streaming
// them from the file. It stops at fn's first error and returns it. SIP
// events come back without Info: decode them with SIPMessage.Decode(sipparse.Parse).
func (r *Reader) Events(ctx context.Context, afterSeq int64, fn func(seq int64, ev monitor.Event) error) error {
	rows, err := r.db.QueryContext(ctx, `SELECT seq, ts_ns, kind, source, src, dst, transport, raw, raw IS NULL, data, `+
		r.quarantined+`, `+r.rawBlock+` FROM events WHERE seq > ? ORDER BY seq`, afterSeq)
	if err != nil {
		return wrapErr(r.path, "read events", err)
	}
	defer rows.Close()
	var blocks blockCache
	for rows.Next() {
		var (
			seq     int64
			row     eventRow
			rawNull bool
			block   sql.NullInt64
			off, n  sql.NullInt64
		)
		if err := rows.Scan(&seq, &row.ts, &row.kind, &row.source, &row.src, &row.dst,
			&row.transport, &row.raw, &rawNull, &row.data, &row.quarantined, &block, &off, &n); err != nil {
			return wrapErr(r.path, "read events", err)
		}
		if block.Valid {
			if row.raw, err = blocks.message(ctx, r.db, block.Int64, off.Int64, n.Int64); err != nil {
				return fmt.Errorf("recording %s: event %d: %w (%w)", r.path, seq, ErrCorrupt, err)
			}
			rawNull = false
		}
		ev, err := decodeEvent(row, rawNull)
		if err != nil {
			return fmt.Errorf("recording %s: event %d: %w (%w)", r.path, seq, ErrCorrupt, err)
		}
		if err := fn(seq, ev); err != nil {
			return err
		}
	}
	return wrapErr(r.path, "read events", rows.Err())
}

// LastSeq returns the seq of the last event, 0 if there is none.
func (r *Reader) LastSeq() (int64, error) {
	var n int64
	err := r.db.QueryRow("SELECT coalesce(max(seq), 0) FROM events").Scan(&n)
	return n, wrapErr(r.path, "last seq", err)
}

// Progress is how far the recording's writer has got, read afresh (a
// follower asks it while the writer goes on): the seq of the last event
// committed, and the end time the writer recorded when it closed the
// cutover (0: none yet, or never: it was cut short).
func (r *Reader) Progress() (lastSeq, endedNs int64, err error) {
	var ended sql.NullInt64
	err = r.db.QueryRow(`SELECT (SELECT coalesce(max(seq), 0) FROM events),
		(SELECT ended_ns FROM cutovers ORDER BY id LIMIT 1)`).Scan(&lastSeq, &ended)
	return lastSeq, ended.Int64, wrapErr(r.path, "progress", err)
}

// Count returns how many events the recording holds.
func (r *Reader) Count() (int64, error) {
	var n int64
	err := r.db.QueryRow("SELECT count(*) FROM events").Scan(&n)
	return n, wrapErr(r.path, "count events", err)
}

// CheckpointAtOrBefore returns the latest checkpoint taken at or before
// event time tsNs: the state after folding every event up to seq. ok is
// false when there is none (replay then folds from the start).
func (r *Reader) CheckpointAtOrBefore(tsNs int64) (seq, ts int64, state []byte, ok bool, err error) {
	err = r.db.QueryRow(`SELECT seq, ts_ns, state FROM checkpoints WHERE ts_ns <= ?
		ORDER BY ts_ns DESC, seq DESC LIMIT 1`, tsNs).Scan(&seq, &ts, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil, false, nil
	}
	if err != nil {
		return 0, 0, nil, false, wrapErr(r.path, "read checkpoint", err)
	}
	return seq, ts, state, true, nil
}

// SeqBefore returns the seq just before the first event at or after event
// time tsNs (an afterSeq for Events), using the time index.
func (r *Reader) SeqBefore(tsNs int64) (int64, error) {
	var seq int64
	err := r.db.QueryRow(`SELECT seq FROM events WHERE ts_ns >= ? ORDER BY ts_ns, seq LIMIT 1`, tsNs).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		last, err := r.LastSeq()
		return last, err
	}
	if err != nil {
		return 0, wrapErr(r.path, "seek by time", err)
	}
	return seq - 1, nil
}

// TimeBounds returns the event times of the first and last events (0, 0
// when there are none). Quarantined events are left out: their times are
// the ones not trusted.
func (r *Reader) TimeBounds() (first, last int64, err error) {
	err = r.db.QueryRow(`SELECT coalesce(min(ts_ns), 0), coalesce(max(ts_ns), 0) FROM events
		WHERE `+r.quarantined+` = 0`).Scan(&first, &last)
	return first, last, wrapErr(r.path, "time bounds", err)
}
