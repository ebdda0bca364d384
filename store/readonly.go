package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// A command that only reads a recording (report, export, a replay that
// does not follow) must leave nothing beside it: SQLite opening a WAL
// database read-only makes its -wal and -shm when they are missing, and a
// read-only connection never removes them. readOnlyOpen chooses how to
// open path so that the directory stays as it was and every committed
// event is read:
//
//   - no -wal: nobody is writing (a writer in WAL mode keeps its -wal
//     while it is open) and every commit is in the file itself; opened
//     immutable, SQLite takes no lock and makes no file. (A writer that
//     opens the recording after this look is not seen by this reader.)
//   - a -wal and a -shm: a writer is running, or was killed and left
//     both. Opened read-only as before: the files are already there,
//     and the WAL's commits are read through them.
//   - a -wal alone (a killed writer's -shm was removed, or the files were
//     copied without it): the WAL holds committed events, and reading it
//     needs a -shm. The recording and its -wal are copied to a private
//     temporary directory and the copy is read; Close removes it.
func readOnlyOpen(path string) (mode openMode, file, tmp string, err error) {
	wal := exists(path + "-wal")
	switch {
	case !wal:
		return openImmutable, path, "", nil
	case exists(path + "-shm"):
		return openRead, path, "", nil
	}
	tmp, err = os.MkdirTemp("", "cutover-read-*")
	if err != nil {
		return 0, "", "", fmt.Errorf("recording %s: a copy to read its -wal: %w", path, err)
	}
	file = filepath.Join(tmp, filepath.Base(path))
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(path+suffix, file+suffix); err != nil {
			removeCopy(tmp)
			return 0, "", "", fmt.Errorf("recording %s: a copy to read its -wal: %w", path, err)
		}
	}
	return openRead, file, tmp, nil
}

// exists reports whether path names something (a broken link counts).
func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// copyFile copies from's bytes into a new owner-only file to.
func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// removeCopy removes readOnlyOpen's temporary copy ("" when none).
func removeCopy(tmp string) {
	if tmp != "" {
		_ = os.RemoveAll(tmp)
	}
}
