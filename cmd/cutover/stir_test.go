package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor/stir"
)

const stirTestdata = "../../monitor/stir/testdata/"

// stirEnv lays out a trust store and an offline certificate directory for
// the libstirshaken vector.
func stirEnv(t *testing.T) (trust, certs string) {
	t.Helper()
	dir := t.TempDir()
	certs = filepath.Join(dir, "certs")
	ca, err := os.ReadFile(stirTestdata + "libstirshaken-ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := os.ReadFile(stirTestdata + "libstirshaken-sp.pem")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "trust"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(certs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "trust", "ca.pem"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(certs, "sp.pem"), sp, 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "trust"), certs
}

func runStirTest(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"stir"}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestStirVerifyValid(t *testing.T) {
	trust, certs := stirEnv(t)
	code, out, errs := runStirTest(t, "", "verify", "--now", "2021-03-22T19:48:50Z", "--trust", trust, "--certs", certs, "--offline", stirTestdata+"libstirshaken-invite.sip")
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errs)
	}
	for _, want := range []string{"result    valid", "attest    B", "orig      01256500600", "dest      01256700800", "x5u       https://shaken.signalwire.cloud/sp.pem", "signature  pass", "chain      pass"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestStirVerifyInvalidJSONFromStdin(t *testing.T) {
	trust, certs := stirEnv(t)
	raw, err := os.ReadFile(stirTestdata + "libstirshaken-invite.sip")
	if err != nil {
		t.Fatal(err)
	}
	// Ten minutes after signing: stale.
	code, out, errs := runStirTest(t, string(raw), "verify", "--json", "--now", "2021-03-22T19:58:43Z", "--trust", trust, "--certs", certs, "--offline", "-")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	var vd stir.Verdict
	if err := json.Unmarshal([]byte(out), &vd); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if vd.Result != stir.Stale || vd.Check(stir.CheckIat).Status != stir.Fail || vd.Check(stir.CheckSignature).Status != stir.Pass {
		t.Fatalf("verdict %+v", vd)
	}
	// Without a trust store nothing is trusted.
	code, out, _ = runStirTest(t, string(raw), "verify", "--now", "2021-03-22T19:48:50Z", "--certs", certs, "--offline", "-")
	if code != 1 || !strings.Contains(out, "cert-untrusted") {
		t.Fatalf("no trust: exit %d\n%s", code, out)
	}
}

func TestStirVerifyUnusableInput(t *testing.T) {
	trust, _ := stirEnv(t)
	cases := [][]string{
		{"verify", "-"},                                 // stdin is not SIP
		{"verify", "--now", "yesterday", "-"},           // bad time
		{"verify", "--trust", "/nonexistent", "-"},      // bad trust store
		{"verify", filepath.Join(trust, "missing.sip")}, // no such file
		{"verify"},                 // no FILE
		{"verify", "--bogus", "-"}, // unknown flag
		{"sign"},                   // unknown subcommand
	}
	for _, args := range cases {
		if code, out, errs := runStirTest(t, "hello\n", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s%s", args, code, out, errs)
		}
	}
}

// A request signed by Kamailio's secsipid (monitor/stir/testdata/secsipid),
// verified at its recorded capture time.
func TestStirVerifySecsipidVector(t *testing.T) {
	var vs []struct {
		Attest string
		At     string
		File   string
	}
	b, err := os.ReadFile(stirTestdata + "secsipid/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	certs := t.TempDir()
	sp, err := os.ReadFile(stirTestdata + "secsipid/sp.pem")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(certs, "sp.pem"), sp, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		code, out, errs := runStirTest(t, "", "verify", "--now", v.At, "--trust", stirTestdata+"secsipid/ca.pem",
			"--certs", certs, "--offline", stirTestdata+"secsipid/"+v.File)
		if code != 0 || !strings.Contains(out, "attest    "+v.Attest) {
			t.Fatalf("%s: exit %d\n%s%s", v.File, code, out, errs)
		}
	}
}
