package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor"
)

// The command's own tests: flags and dispatch. The application is tested
// in monitor/session, the built binary against real peers in fixtures/e2e.

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, nil, &o, &e)
	return code, o.String(), e.String()
}

func TestBadInvocationsSayWhy(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte("this is not a recording\n"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"demo", "--speed", "fast"}, 2, "invalid value"},
		{[]string{"demo", "--numbers", "0", "--headless"}, 2, "--numbers"},
		{[]string{"replay"}, 2, "exactly one recording"},
		{[]string{"report", "--format", "pdf", notDB}, 2, "--format text|md|html|json"},
		{[]string{"report", notDB}, 1, "notes.txt"},
		{[]string{"export", notDB}, 2, "-o out.pcap"},
		{[]string{"export", "-o", filepath.Join(dir, "x.pcap"), "--from", "soon", filepath.Join(dir, "missing.db")}, 1, "missing.db"},
		{[]string{"help", "report"}, 0, "-format"},
		{[]string{"help", "export"}, 0, "-number"},
		{[]string{"replay", filepath.Join(dir, "missing.db")}, 1, "missing.db"},
		{[]string{"replay", notDB}, 1, "notes.txt"},
		{[]string{"demo", "--headless", "--db", filepath.Join(dir, "no", "such", "dir.db")}, 1, "dir.db"},
	}
	for _, c := range cases {
		code, out, errOut := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(out+errOut, c.want) {
			t.Errorf("cutover %q: exit %d, output %q; want exit %d mentioning %q", c.args, code, out+errOut, c.code, c.want)
		}
	}
}

// Flags may come before, between and after the positional arguments;
// "--" ends them.
func TestParseInterleavedFlags(t *testing.T) {
	fs, o := actFlags()
	var errb bytes.Buffer
	err := parse(fs, []string{"outbound", "-c", "x.toml", "+1415*", "--to", "new", "--", "-y"}, &errb)
	if err != nil || o.config != "x.toml" || o.to != "new" || strings.Join(fs.Args(), " ") != "outbound +1415* -y" {
		t.Fatalf("parse: %v %+v %q", err, o, fs.Args())
	}
}

// The log can name the SIP peers, the operators and the actions: it is
// created owner-only.
func TestLogFileIsOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cutover.log")
	_, closeLog, err := newLogger(path, true, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	closeLog()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("log created %v, want -rw-------", fi.Mode().Perm())
	}
}

// The README's table of alert rules is the rule table's (monitor.Rules):
// a rule added, renamed or retuned without the README fails here.
func TestReadmeListsTheRuleTable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n## Alert rules\n")
	if !ok {
		t.Fatal(`README has no "## Alert rules" section`)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var table strings.Builder
	for _, l := range strings.Split(sec, "\n") {
		if strings.HasPrefix(l, "|") {
			table.WriteString(l + "\n")
		}
	}
	if want := rulesMarkdown(); table.String() != want {
		t.Fatalf("README's rules differ from monitor.Rules; the table should read:\n%s", want)
	}
}

func TestHelpRulesListsEveryRule(t *testing.T) {
	code, out, _ := runCLI(t, "help", "rules")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, r := range monitor.Rules {
		if !strings.Contains(out, string(r.Rule)) || !strings.Contains(out, r.Meaning) {
			t.Errorf("help rules lacks %s:\n%s", r.Rule, out)
		}
	}
}

// A bad flag is named with the command's prefix, followed by one line
// saying where the flags are: the whole usage text is not dumped.
func TestFlagErrorsAreShort(t *testing.T) {
	for _, c := range []struct {
		args       []string
		cmd, error string
	}{
		{[]string{"demo", "-x"}, "demo", "flag provided but not defined: -x"},
		{[]string{"replay", "night.db", "--nope"}, "replay", "flag provided but not defined: -nope"},
		{[]string{"report", "-x"}, "report", "flag provided but not defined: -x"},
		{[]string{"export", "-x"}, "export", "flag provided but not defined: -x"},
		{[]string{"watch", "-x"}, "watch", "flag provided but not defined: -x"},
		{[]string{"check", "-x"}, "check", "flag provided but not defined: -x"},
		{[]string{"import", "-x"}, "import", "flag provided but not defined: -x"},
		{[]string{"act", "failover", "-x"}, "act", "flag provided but not defined: -x"},
		{[]string{"stir", "verify", "-x"}, "stir verify", "flag provided but not defined: -x"},
		{[]string{"demo", "--speed", "fast"}, "demo", `invalid value "fast" for flag -speed`},
	} {
		code, out, errOut := runCLI(t, c.args...)
		help := strings.Fields(c.cmd)[0]
		want := "cutover " + c.cmd + ": " + c.error
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		if code != 2 || out != "" || len(lines) != 2 || !strings.HasPrefix(lines[0], want) || lines[1] != `run "cutover help `+help+`" for its flags` {
			t.Errorf("cutover %q: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and two lines: %q..., run \"cutover help %s\" for its flags", c.args, code, out, errOut, want, help)
		}
	}
	// -h still shows the whole usage, and is not an error.
	if code, out, errOut := runCLI(t, "export", "-h"); code != 0 || !strings.Contains(out+errOut, "-number") {
		t.Errorf("export -h: exit %d\n%s%s", code, out, errOut)
	}
}

// Without --trust, stir verify warns in whole sentences that fit 80
// columns.
func TestStirWithoutTrustWarnsInWholeSentences(t *testing.T) {
	var o, e bytes.Buffer
	run([]string{"stir", "verify", "-"}, strings.NewReader("hello\n"), &o, &e)
	lines := strings.Split(strings.TrimSpace(e.String()), "\n")
	warning := strings.Join(lines[:len(lines)-1], "\n") // the last is about the input, "hello"
	if !strings.Contains(warning, "--trust") || !strings.HasSuffix(strings.TrimSpace(warning), ".") {
		t.Errorf("warning is not whole sentences:\n%s", e.String())
	}
	for _, l := range strings.Split(strings.TrimSpace(warning), "\n") {
		if len(l) > 80 {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
	}
}
