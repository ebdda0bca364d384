package store

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors. Errors returned by this package wrap one of these where
// it applies (test with errors.Is) together with the driver's own error, and
// name the recording's file.
var (
	// ErrNotRecording: the file is not a cutover recording (not SQLite at
	// all, or an SQLite database of something else).
	ErrNotRecording = errors.New("not a cutover recording")
	// ErrNewerSchema: the recording was written by a newer cutover whose
	// schema this build does not know.
	ErrNewerSchema = errors.New("recording made by a newer cutover")
	// ErrDiskFull: the disk (or the database's size limit) is full.
	ErrDiskFull = errors.New("disk full")
	// ErrReadOnly: the recording cannot be written (read-only file or
	// directory, or a read-only open).
	ErrReadOnly = errors.New("recording is read-only")
	// ErrCorrupt: the file is damaged.
	ErrCorrupt = errors.New("recording is damaged")
	// ErrBusy: another process held the recording locked for longer than
	// the busy timeout.
	ErrBusy = errors.New("recording is locked by another process")
	// ErrNoCutover: the recording holds no cutover yet (BeginCutover was
	// never called).
	ErrNoCutover = errors.New("no cutover in recording")
	// ErrCutoverExists: BeginCutover on a recording that already holds one.
	ErrCutoverExists = errors.New("recording already holds a cutover")
	// ErrClosed: the Writer (or Store) was closed.
	ErrClosed = errors.New("closed")
	// ErrNotOwner: the file (a recording, its -wal or -shm, a file
	// OpenOwnFile opens) belongs to another user; it is not adopted.
	ErrNotOwner = errors.New("owned by another user")
	// ErrWriterActive: a second Writer was made for a Store that has one.
	ErrWriterActive = errors.New("store already has a writer")
)

// sentinelFor maps a driver error to one of the package sentinels, or nil.
func sentinelFor(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code() & 0xff { // primary result code; extended codes are on
	case sqlite3.SQLITE_FULL:
		return ErrDiskFull
	case sqlite3.SQLITE_NOTADB:
		return ErrNotRecording
	case sqlite3.SQLITE_CORRUPT:
		return ErrCorrupt
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
		return ErrReadOnly
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return ErrBusy
	}
	return nil
}

// wrapErr gives err the file's name and what we were doing, and wraps the
// matching sentinel (if any) alongside the original error.
func wrapErr(path, op string, err error) error {
	if err == nil {
		return nil
	}
	if s := sentinelFor(err); s != nil && !errors.Is(err, s) {
		return fmt.Errorf("recording %s: %s: %w (%w)", path, op, s, err)
	}
	return fmt.Errorf("recording %s: %s: %w", path, op, err)
}
