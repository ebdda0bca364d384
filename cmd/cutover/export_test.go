package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exportDB is a small demo night's recording.
func exportDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "night.db")
	if code, out, errOut := runCLI(t, "demo", "--headless", "--numbers", "5", "--db", db); code != 0 {
		t.Fatalf("demo: %s%s", out, errOut)
	}
	return db
}

// An export that cannot be whole is refused with a clear message, and
// the file at -o is left exactly as it was (or is not created): nothing
// empty, nothing partial, no temporary file left behind.
func TestExportRefusesAndLeavesTheOutputAlone(t *testing.T) {
	db := exportDB(t)
	damaged := filepath.Join(t.TempDir(), "damaged.db")
	copyFile(t, db, damaged)
	damage(t, damaged)
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no such call", []string{"--call", "nosuchcall", db}, 1, "no SIP message matches"},
		{"to before from", []string{"--from", "03:00", "--to", "02:00", db}, 2, "--to"},
		{"to equals from", []string{"--from", "02:00", "--to", "02:00", db}, 2, "--to"},
		{"damaged recording", []string{damaged}, 1, "damaged.db"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			existing := filepath.Join(dir, "existing.pcap")
			if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCLI(t, append([]string{"export", "-o", existing}, c.args...)...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d mentioning %q", code, out, errOut, c.code, c.want)
			}
			if b, err := os.ReadFile(existing); err != nil || string(b) != "keep me" {
				t.Errorf("existing.pcap now holds %d bytes, not %q (%v)", len(b), "keep me", err)
			}
			fresh := filepath.Join(dir, "fresh.pcap")
			if code, _, _ := runCLI(t, append([]string{"export", "-o", fresh}, c.args...)...); code == 0 {
				t.Errorf("fresh.pcap: exit 0")
			}
			if _, err := os.Stat(fresh); !os.IsNotExist(err) {
				t.Errorf("a refused export left fresh.pcap: %v", err)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 1 {
				t.Errorf("files left in the output directory: %v", ents)
			}
		})
	}
}

// A whole export replaces the file at -o, owner-only, and leaves no
// temporary file.
func TestExportReplacesTheOutputWhole(t *testing.T) {
	db := exportDB(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "all.pcap")
	if err := os.WriteFile(out, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stdout, errOut := runCLI(t, "export", "-o", out, db); code != 0 || !strings.Contains(stdout, "SIP messages written to") {
		t.Fatalf("export: exit %d\n%s%s", code, stdout, errOut)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Size() < 1000 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("all.pcap: %v %v", fi, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left in the output directory: %v", ents)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// damage spoils the address of a SIP message half-way through the night,
// so a reader fails there after many messages were read.
func damage(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE events SET src = 'not an address' WHERE seq = (
		SELECT seq FROM events WHERE kind = 1 AND transport IS NOT NULL ORDER BY seq
		LIMIT 1 OFFSET (SELECT count(*) / 2 FROM events WHERE kind = 1))`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("damaged %d events", n)
	}
}
