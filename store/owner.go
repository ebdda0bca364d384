package store

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// checkOwner refuses a file another user owns: in a shared directory
// (/tmp, a team's share) another local user can create a recording, its
// -wal or a side file before we do, and what we then write would be
// theirs to read, or theirs replayed into ours. Root is no exception.
func checkOwner(path string, fi fs.FileInfo) error {
	uid, ok := ownerOf(fi)
	if !ok || uid == os.Geteuid() {
		return nil
	}
	return fmt.Errorf("%s: owned by uid %d, not by this user (uid %d): another user may have created it in a shared directory; remove it or choose another path: %w",
		path, uid, os.Geteuid(), ErrNotOwner)
}

// CheckOwner refuses (ErrNotOwner) a path another user owns, without
// following a link; a missing path is no error. It is the recording's
// rule for the files beside it that are not opened as files, such as the
// control socket a watch listens on and `cutover act` dials.
func CheckOwner(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return checkOwner(path, fi)
}

// OpenOwnFile opens path for writing (flag: os.O_APPEND or os.O_TRUNC,
// with os.O_WRONLY or os.O_RDWR), creating it owner-only (0600) when it
// is missing. It refuses what another local user could have planted at
// path: a file, or a link, another user owns (ErrNotOwner), or anything
// but a regular file (a FIFO would block the open). The owner of the
// opened file is checked again on its descriptor, and O_TRUNC truncates
// only after that check.
//
// It is for the files that hold what a recording holds: the log, the
// replay's side notes, reports and exports.
func OpenOwnFile(path string, flag int) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil {
		if err := checkOwner(path, fi); err != nil {
			return nil, err
		}
	}
	trunc := flag&os.O_TRUNC != 0
	f, err := os.OpenFile(path, flag&^os.O_TRUNC|os.O_CREATE|openNonblock, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s: not a regular file", path)
	}
	if err == nil {
		err = checkOwner(path, fi)
	}
	if err == nil && trunc {
		err = f.Truncate(0)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReplaceFile writes path whole or not at all: write fills a temporary
// file beside it (owner-only), which replaces path only once write has
// succeeded and the bytes are on disk. What OpenOwnFile refuses at path
// is refused first; after a failure path is as it was and no temporary
// file is left. It is for reports and exports, which a failure half-way
// must not leave half-written over a good file.
func ReplaceFile(path string, write func(w io.Writer) error) (err error) {
	if fi, err := os.Lstat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file", path)
		}
		if err := checkOwner(path, fi); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriter(tmp)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
