package store

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// dirFiles lists the names in dir.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// readLeavesNoFiles opens path with OpenReader, reads every event and
// checks that the directory holds the same files afterwards; it returns
// how many events it read.
func readLeavesNoFiles(t *testing.T, path string) int64 {
	t.Helper()
	before := dirFiles(t, filepath.Dir(path))
	r := openReader(t, path)
	seqs, _ := readAll(t, r, 0)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if after := dirFiles(t, filepath.Dir(path)); !slices.Equal(before, after) {
		t.Errorf("reading %s changed its directory: before %v, after %v", filepath.Base(path), before, after)
	}
	if n := int64(len(seqs)); n > 0 && seqs[n-1] != n {
		t.Errorf("read %d events, the last is seq %d: a gap", n, seqs[n-1])
	}
	return int64(len(seqs))
}

// TestReaderLeavesNoSideFiles: reading a recording (report, export, a
// replay that does not follow) leaves no -wal or -shm beside it, whether
// its writer closed it or was killed with SIGKILL (a -wal and -shm left,
// or a -wal alone: the WAL holds committed events, and every one is read).
func TestReaderLeavesNoSideFiles(t *testing.T) {
	t.Run("closed", func(t *testing.T) {
		s := newRecording(t)
		w := NewWriter(s, WriterOptions{})
		if err := w.Append(sipEvents(0, 100)); err != nil {
			t.Fatal(err)
		}
		if err := s.EndCutover(t0 + 1); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if n := readLeavesNoFiles(t, s.Path()); n != 100 {
			t.Errorf("read %d events, want 100", n)
		}
	})
	if testing.Short() {
		return
	}
	for _, tc := range []struct {
		name    string
		keepShm bool
	}{{"killed", true}, {"killed, -wal alone", false}} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "killed.cutover")
			committed := killRecorder(t, path)
			if _, err := os.Stat(path + "-wal"); err != nil {
				t.Fatalf("the killed writer left no -wal: %v", err)
			}
			if !tc.keepShm {
				if err := os.Remove(path + "-shm"); err != nil {
					t.Fatal(err)
				}
			}
			if n := readLeavesNoFiles(t, path); n < committed {
				t.Errorf("read %d events, the writer saw %d committed", n, committed)
			}
		})
	}
}

// killRecorder runs TestHelperProcess into path until it has committed
// several times, kills it with SIGKILL and returns the last count it saw
// committed.
func killRecorder(t *testing.T, path string) int64 {
	t.Helper()
	cmd, lines := startRecorder(t, path)
	var last int64
	for reports := 0; reports < 6; reports++ {
		n, ok := <-lines
		if !ok {
			t.Fatalf("child exited after %d reports", reports)
		}
		last = n
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for n := range lines {
		last = n
	}
	_ = cmd.Wait()
	return last
}
