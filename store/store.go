// Package store keeps a cutover's recording: an append-only SQLite log of
// every event, with projections of alerts, actions and notes and periodic
// checkpoints of the fold, so a night can be replayed and sought afterwards.
//
// One Store has one Writer (the single batched writer of the pipeline);
// any number of Readers may read a recording, also while it is written.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/cutover/cutover/monitor"
)

// busyTimeoutMs is how long a connection waits for another one's lock.
const busyTimeoutMs = 5000

// minDBSize is the smallest SQLite database file: one page of the
// smallest page size.
const minDBSize = 512

// Store is a recording open for writing. Its methods are safe for
// concurrent use; events are written through the Store's one Writer.
type Store struct {
	path string
	db   *sql.DB

	mu        sync.Mutex
	cutoverID int64   // 0 until BeginCutover (or one found on Open)
	lastSeq   int64   // the last event seq written by a closed writer, or found on Open
	writer    *Writer // the active writer, if any
	closed    bool
}

// Open creates the recording at path, or opens an existing one and brings
// its schema up to date. A file that is not a cutover recording, or one
// written by a newer cutover, is refused untouched; errors name the path.
// A new recording is owner-only (0600); one another user owns, or whose
// -wal or -shm another user owns, is refused (ErrNotOwner).
func Open(path string) (*Store, error) {
	ctx := context.Background()
	created, err := checkFile(path, true)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(path, openWrite))
	if err != nil {
		return nil, wrapErr(path, "open", err)
	}
	db.SetMaxOpenConns(1) // one writer: every statement of the Store goes through one connection
	s := &Store{path: path, db: db}
	err = migrate(ctx, db)
	if err == nil {
		err = s.load(ctx)
	}
	if err == nil {
		err = checkSideFiles(path) // one planted after checkFile looked
	}
	if err != nil {
		_ = db.Close()
		if created {
			removeRecording(path)
		}
		return nil, wrapErr(path, "open", err)
	}
	return s, nil
}

// load finds the recording's cutover and last event, to carry on after them.
func (s *Store) load(ctx context.Context) error {
	err := s.db.QueryRowContext(ctx, "SELECT id FROM cutovers ORDER BY id LIMIT 1").Scan(&s.cutoverID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return s.db.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&s.lastSeq)
}

// Path returns the recording's file name.
func (s *Store) Path() string { return s.path }

// BeginCutover records the start of the cutover described by cfg. mode is
// "live", "demo" or "import". A recording holds one cutover.
func (s *Store) BeginCutover(cfg monitor.Config, mode string, startedNs int64) (int64, error) {
	switch mode {
	case "live", "demo", "import":
	default:
		return 0, fmt.Errorf("recording %s: begin cutover: unknown mode %q (want live, demo or import)", s.path, mode)
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		return 0, fmt.Errorf("recording %s: begin cutover: config: %w", s.path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return 0, err
	}
	if s.cutoverID != 0 {
		return 0, fmt.Errorf("recording %s: begin cutover: %w", s.path, ErrCutoverExists)
	}
	res, err := s.db.Exec(`INSERT INTO cutovers (name, config, mode, started_ns) VALUES (?, ?, ?, ?)`,
		cfg.Name, string(js), mode, startedNs)
	if err != nil {
		return 0, wrapErr(s.path, "begin cutover", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, wrapErr(s.path, "begin cutover", err)
	}
	s.cutoverID = id
	return id, nil
}

// EndCutover records the cutover's end, after committing what the active
// Writer (if any) holds. A recording never ended was cut short (a crash).
func (s *Store) EndCutover(endedNs int64) error {
	s.mu.Lock()
	w := s.writer
	s.mu.Unlock()
	if w != nil {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	if s.cutoverID == 0 {
		return fmt.Errorf("recording %s: end cutover: %w", s.path, ErrNoCutover)
	}
	_, err := s.db.Exec("UPDATE cutovers SET ended_ns = ? WHERE id = ?", endedNs, s.cutoverID)
	return wrapErr(s.path, "end cutover", err)
}

// Close closes the active Writer (committing what it holds) and the
// recording. It returns the Writer's error, if any.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	w := s.writer
	s.mu.Unlock()
	var werr error
	if w != nil {
		werr = w.Close()
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if err := s.db.Close(); err != nil {
		return errors.Join(werr, wrapErr(s.path, "close", err))
	}
	return werr
}

// usable reports ErrClosed once the Store is closed. s.mu is held.
func (s *Store) usable() error {
	if s.closed {
		return fmt.Errorf("recording %s: %w", s.path, ErrClosed)
	}
	return nil
}

// openMode is how a connection opens the recording.
type openMode int

const (
	openWrite     openMode = iota // the Store: reads and writes
	openRead                      // read-only, seeing what a live writer commits
	openImmutable                 // read-only, nobody writes it: no locks, no -wal or -shm made
)

// dsn is the driver's name for the recording: an SQLite URI with the
// connection's pragmas. Read-only connections never write, not even the
// journal mode; an immutable one takes no locks and creates no file
// (readonly.go says when it is used); writers wait on locks and take the
// write lock when a transaction begins (no upgrade deadlocks).
//
// Writers do not check foreign keys: every row that refers to another
// (an event to its cutover and block, a projection to its event) is made
// by the Writer, in the transaction that holds what it refers to, and
// TestRecordingKeepsForeignKeys runs SQLite's foreign_key_check over a
// recording of every kind. Checking cost two B-tree seeks an event (its
// cutover, its block), 5 % of the writer's CPU (issue 18).
func dsn(path string, mode openMode) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	u := "file:" + (&url.URL{Path: filepath.ToSlash(abs)}).EscapedPath()
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMs))
	switch mode {
	case openRead, openImmutable:
		q.Set("mode", "ro")
		q.Set("_query_only", "1")
		if mode == openImmutable {
			q.Set("immutable", "1")
		}
	default:
		q.Set("_foreign_keys", "0")
		q.Set("_synchronous", "NORMAL")
		q.Set("_txlock", "immediate")
	}
	return u + "?" + q.Encode()
}

// checkFile refuses, with a clear error, a path that cannot be a
// recording. With create, a missing file is created owner-only (created
// reports it), and a file, link, -wal, -shm or -journal another user
// owns is refused (ErrNotOwner) before anything is written; otherwise a
// missing file is an error and a recording of another user may be read.
// It never opens an existing file: closing any descriptor of a file drops
// the process's POSIX locks on it, SQLite's included, and this process may
// have the recording open already. SQLite itself refuses a file that is
// not a database (SQLITE_NOTADB) before it writes anything, and gives its
// -wal and -shm the recording's mode.
func checkFile(path string, create bool) (created bool, err error) {
	if create {
		if err := checkSideFiles(path); err != nil {
			return false, fmt.Errorf("recording %w", err)
		}
		if fi, err := os.Lstat(path); err == nil {
			if err := checkOwner(path, fi); err != nil {
				return false, fmt.Errorf("recording %w", err)
			}
		}
	}
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) && create {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return false, fmt.Errorf("recording %s: create: %w", path, err)
		}
		return true, f.Close()
	}
	if err != nil {
		return false, fmt.Errorf("recording %s: %w", path, err)
	}
	if create {
		if err := checkOwner(path, st); err != nil {
			return false, fmt.Errorf("recording %w", err)
		}
	}
	if !st.Mode().IsRegular() {
		return false, fmt.Errorf("recording %s: not a regular file: %w", path, ErrNotRecording)
	}
	if st.Size() > 0 && st.Size() < minDBSize {
		return false, fmt.Errorf("recording %s: %w (not an SQLite file)", path, ErrNotRecording)
	}
	return false, nil
}

// checkSideFiles refuses a -wal, -shm or -journal beside path that
// another user owns.
func checkSideFiles(path string) error {
	for _, suffix := range sideSuffixes {
		if fi, err := os.Lstat(path + suffix); err == nil {
			if err := checkOwner(path+suffix, fi); err != nil {
				return err
			}
		}
	}
	return nil
}

// sideSuffixes name the files SQLite keeps beside a recording.
var sideSuffixes = []string{"-wal", "-shm", "-journal"}

// removeRecording deletes a recording Open created and could not finish.
func removeRecording(path string) {
	for _, suffix := range append([]string{""}, sideSuffixes...) {
		_ = os.Remove(path + suffix)
	}
}
