package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
)

func TestOpenCreatesLatestSchema(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	ctx := context.Background()
	version, err := identify(ctx, s.db, false)
	if err != nil {
		t.Fatal(err)
	}
	if version != latestVersion() || version < 1 {
		t.Errorf("schema version = %d, want %d", version, latestVersion())
	}
	var userVersion, appID int
	_ = s.db.QueryRow("PRAGMA user_version").Scan(&userVersion)
	_ = s.db.QueryRow("PRAGMA application_id").Scan(&appID)
	if userVersion != latestVersion() || appID != applicationID {
		t.Errorf("header: user_version %d, application_id %#x; want %d, %#x", userVersion, appID, latestVersion(), applicationID)
	}
	pragmas := map[string]string{"journal_mode": "wal", "synchronous": "1", "foreign_keys": "0", "busy_timeout": "5000"}
	for p, want := range pragmas {
		var got string
		if err := s.db.QueryRow("PRAGMA " + p).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(got, want) {
			t.Errorf("PRAGMA %s = %q, want %q", p, got, want)
		}
	}
	for _, table := range []string{"cutovers", "events", "alerts", "actions", "notes", "checkpoints"} {
		var sqlText string
		if err := s.db.QueryRow("SELECT sql FROM sqlite_schema WHERE name = ?", table).Scan(&sqlText); err != nil {
			t.Fatalf("table %s: %v", table, err)
		}
		if !strings.HasSuffix(strings.TrimSpace(sqlText), "STRICT") {
			t.Errorf("table %s is not STRICT", table)
		}
	}
}

func TestOpenIsIdempotent(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "r.cutover")
	for range 3 {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.db.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != latestVersion() {
			t.Errorf("%d migrations recorded, want %d", n, latestVersion())
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	future := latestVersion() + 1
	for name, stmt := range map[string]string{
		"user_version":      fmt.Sprintf("PRAGMA user_version = %d", future),
		"schema_migrations": fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, 'from_the_future', 0)", future),
	} {
		s := newRecording(t)
		path := s.Path()
		if _, err := s.db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(path)
		_, err := Open(path)
		assertErr(t, err, ErrNewerSchema, path)
		if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("schema version %d", future)) {
			t.Errorf("%s: err = %q does not say which version", name, err)
		}
		_, err = OpenReader(path)
		assertErr(t, err, ErrNewerSchema, path)
		if after, _ := os.ReadFile(path); string(before) != string(after) {
			t.Errorf("%s: Open changed a newer recording", name)
		}
	}
}

func TestOpenRefusesOtherSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE contacts (name TEXT)"); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	before, _ := os.ReadFile(path)

	_, err = Open(path)
	assertErr(t, err, ErrNotRecording, path)
	_, err = OpenReader(path)
	assertErr(t, err, ErrNotRecording, path)
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("Open changed a database that is not a recording")
	}
}

func TestOpenRefusesNonSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"short.txt": "hello",
		"long.txt":  strings.Repeat("not a database at all\n", 500),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path)
		assertErr(t, err, ErrNotRecording, path)
		_, err = OpenReader(path)
		assertErr(t, err, ErrNotRecording, path)
		if got, _ := os.ReadFile(path); string(got) != content {
			t.Errorf("%s: Open changed the file", name)
		}
	}
	_, err := Open(dir)
	assertErr(t, err, ErrNotRecording, dir)
}

func TestOpenMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "nope.cutover")
	_, err := OpenReader(path)
	assertErr(t, err, fs.ErrNotExist, path)
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Error("OpenReader created the file")
	}
	bad := filepath.Join(dir, "no-such-dir", "x.cutover")
	_, err = Open(bad)
	assertErr(t, err, fs.ErrNotExist, bad)
}

func TestOpenReadOnlyFile(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root ignores file permissions")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	path := filepath.Join(dir, "r.cutover")
	_, err := Open(path)
	assertErr(t, err, fs.ErrPermission, path)
}

func TestOpenReaderWithoutCutover(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "r.cutover")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = OpenReader(path)
	assertErr(t, err, ErrNoCutover, path)
}

func TestCutoverRecorded(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	if _, err := s.BeginCutover(testConfig(), "live", t0); !errors.Is(err, ErrCutoverExists) {
		t.Errorf("second BeginCutover: err = %v, want ErrCutoverExists", err)
	}
	r := openReader(t, s.Path())
	want := Cutover{ID: 1, Name: "acme-night", Config: testConfig(), Mode: "demo", StartedNs: t0}
	if got := r.Cutover(); !reflect.DeepEqual(got, want) {
		t.Errorf("Cutover() = %+v\nwant %+v", got, want)
	}
	if err := s.EndCutover(t0 + 42); err != nil {
		t.Fatal(err)
	}
	r2 := openReader(t, s.Path())
	if got := r2.Cutover().EndedNs; got != t0+42 {
		t.Errorf("EndedNs = %d, want %d", got, t0+42)
	}
}

func TestBeginCutoverRefusesUnknownMode(t *testing.T) {
	t.Parallel()
	s, err := Open(filepath.Join(t.TempDir(), "r.cutover"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.BeginCutover(monitor.Config{}, "rehearsal", 1); err == nil || !strings.Contains(err.Error(), "rehearsal") {
		t.Errorf("err = %v, want one naming the mode", err)
	}
	if err := s.EndCutover(2); !errors.Is(err, ErrNoCutover) {
		t.Errorf("EndCutover before BeginCutover: err = %v, want ErrNoCutover", err)
	}
}

func TestReopenContinuesSeq(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	path := s.Path()
	w := NewWriter(s, WriterOptions{})
	if err := w.Append(sipEvents(0, 3)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // closes the writer too, committing
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.BeginCutover(testConfig(), "demo", t0); !errors.Is(err, ErrCutoverExists) {
		t.Errorf("BeginCutover on a reopened recording: err = %v, want ErrCutoverExists", err)
	}
	w2 := NewWriter(s2, WriterOptions{})
	if err := w2.Append(sipEvents(3, 2)); err != nil {
		t.Fatal(err)
	}
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
	seqs, evs := readAll(t, openReader(t, path), 0)
	if fmt.Sprint(seqs) != "[1 2 3 4 5]" {
		t.Errorf("seqs = %v, want [1 2 3 4 5]", seqs)
	}
	if evs[3].Time != sipEvents(3, 1)[0].Time {
		t.Errorf("event 4 is not the first of the second writer")
	}
}

// assertErr checks that err wraps want and names path.
func assertErr(t *testing.T, err, want error, path string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("err = %v, want %v", err, want)
		return
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("err = %q does not name %s", err, path)
	}
}

// The Writer is the pipeline's recorder.
var _ pipeline.Recorder = (*Writer)(nil)
