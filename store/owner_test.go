//go:build unix

package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// nobody is the uid that stands for another local user.
const nobody = 65534

// needRoot skips where files cannot be given to another user.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("only root can give a file to another user")
	}
}

func perm(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// A recording holds every SIP message and action of the night: only its
// owner reads it, and SQLite gives its -wal and -shm the same mode.
func TestOpenCreatesOwnerOnly(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	for _, p := range []string{s.Path(), s.Path() + "-wal", s.Path() + "-shm"} {
		if m := perm(t, p); m != 0o600 {
			t.Errorf("%s created %v, want -rw-------", filepath.Base(p), m)
		}
	}
}

// refused asserts that Open refuses path as another user's file, naming
// it, and leaves it as it was.
func refused(t *testing.T, path, what string) {
	t.Helper()
	before, _ := os.Lstat(path)
	s, err := Open(path)
	if err == nil {
		s.Close()
		t.Fatalf("Open adopted %s owned by uid %d", what, nobody)
	}
	if !errors.Is(err, ErrNotOwner) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "owned by uid 65534") {
		t.Errorf("err = %q: want it to name %s and its owner", err, path)
	}
	after, _ := os.Lstat(path)
	if before.Size() != after.Size() || after.Sys().(*syscall.Stat_t).Uid != nobody {
		t.Errorf("Open changed %s", what)
	}
}

// In a shared directory (/tmp), another local user can create the file
// (or its -wal) first: writing the night into it would hand them the
// recording, or their -wal would be replayed into ours.
func TestOpenRefusesAnotherUsersFile(t *testing.T) {
	t.Parallel()
	needRoot(t)
	t.Run("empty recording", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "night.cutover")
		if err := os.WriteFile(path, nil, 0o666); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(path, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		refused(t, path, "an empty recording")
	})
	t.Run("recording", func(t *testing.T) {
		s := newRecording(t)
		s.Close()
		if err := os.Chown(s.Path(), nobody, nobody); err != nil {
			t.Fatal(err)
		}
		refused(t, s.Path(), "a recording")
	})
	t.Run("its -wal", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "night.cutover")
		if err := os.WriteFile(path+"-wal", nil, 0o666); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(path+"-wal", nobody, nobody); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(path); !errors.Is(err, ErrNotOwner) || !strings.Contains(err.Error(), path+"-wal") || !strings.Contains(err.Error(), "owned by uid 65534") {
			t.Fatalf("Open with another user's -wal: %v", err)
		}
		if _, err := os.Stat(path); err == nil {
			t.Error("Open left a recording behind")
		}
	})
	t.Run("a link to ours", func(t *testing.T) {
		s := newRecording(t)
		s.Close()
		link := filepath.Join(t.TempDir(), "night.cutover")
		if err := os.Symlink(s.Path(), link); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(link, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		refused(t, link, "a link")
	})
}

func TestOpenOwnFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "cutover.log")
	for _, line := range []string{"one\n", "two\n"} {
		f, err := OpenOwnFile(path, os.O_WRONLY|os.O_APPEND)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(line); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if b, _ := os.ReadFile(path); string(b) != "one\ntwo\n" {
		t.Fatalf("appended %q", b)
	}
	if m := perm(t, path); m != 0o600 {
		t.Fatalf("created %v, want -rw-------", m)
	}
	f, err := OpenOwnFile(path, os.O_WRONLY|os.O_TRUNC)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Fatalf("O_TRUNC left %q", b)
	}

	fifo := filepath.Join(dir, "planted.fifo")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Fatal(err)
	}
	if f, err := OpenOwnFile(fifo, os.O_WRONLY|os.O_APPEND); err == nil { // no reader: it must not block either
		f.Close()
		t.Fatal("opened a FIFO")
	}
}

func TestOpenOwnFileRefusesAnotherUsers(t *testing.T) {
	t.Parallel()
	needRoot(t)
	dir := t.TempDir()
	theirs := filepath.Join(dir, "notes.jsonl")
	if err := os.WriteFile(theirs, []byte("theirs\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	for _, flag := range []int{os.O_WRONLY | os.O_APPEND, os.O_WRONLY | os.O_TRUNC} {
		if f, err := OpenOwnFile(theirs, flag); !errors.Is(err, ErrNotOwner) || !strings.Contains(err.Error(), theirs) {
			if f != nil {
				f.Close()
			}
			t.Fatalf("flag %#x: err = %v, want ErrNotOwner naming the file", flag, err)
		}
	}
	if b, _ := os.ReadFile(theirs); string(b) != "theirs\n" {
		t.Fatalf("their file is now %q", b)
	}
	ours := filepath.Join(dir, "ours")
	if err := os.WriteFile(ours, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "cutover.log")
	if err := os.Symlink(ours, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenOwnFile(link, os.O_WRONLY|os.O_APPEND); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("their link to our file: %v", err)
	}
}

func TestCheckOwner(t *testing.T) {
	t.Parallel()
	needRoot(t)
	dir := t.TempDir()
	if err := CheckOwner(filepath.Join(dir, "missing.ctl")); err != nil {
		t.Fatalf("missing: %v", err)
	}
	sock := filepath.Join(dir, "night.cutover.ctl")
	if err := syscall.Mknod(sock, syscall.S_IFSOCK|0o600, 0); err != nil {
		t.Fatal(err)
	}
	if err := CheckOwner(sock); err != nil {
		t.Fatalf("ours: %v", err)
	}
	if err := os.Lchown(sock, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if err := CheckOwner(sock); !errors.Is(err, ErrNotOwner) || !strings.Contains(err.Error(), sock) {
		t.Fatalf("theirs: %v", err)
	}
}
