package config

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

func TestExampleFile(t *testing.T) {
	f, err := Load("../../fixtures/cutover.toml")
	if err != nil {
		t.Fatal(err)
	}
	c := f.Cutover
	if c.Name == "" || c.DefaultCountry != "1" || len(c.Trunks) != 2 || len(f.Trunks) != 2 {
		t.Fatalf("cutover = %+v", c)
	}
	if len(c.Numbers) != 101 {
		t.Errorf("numbers = %d, want 101", len(c.Numbers))
	}
	if c.Numbers[0].E164 != "+14155550101" || c.Numbers[50].E164 != "+14155550151" || c.Numbers[100].E164 != "+14155550300" {
		t.Errorf("numbers = %s %s %s", c.Numbers[0].E164, c.Numbers[50].E164, c.Numbers[100].E164)
	}
	if n := c.Numbers[60]; n.PortState != monitor.PortCompleted || n.Activated != time.Date(2026, 11, 24, 2, 23, 41, 0, time.UTC).UnixNano() {
		t.Errorf("number 60 = %+v", n)
	}
	reg := f.Trunks[1].Register
	if reg == nil || reg.PasswordEnv != "NEWCARRIER_SIP_PASSWORD" || reg.Expires != time.Hour {
		t.Fatalf("register = %+v", reg)
	}
	if f.HEP.Listen != ":9060" || !f.HEP.TCP || f.Probes.OptionsInterval != 30*time.Second || f.Probes.TestCallEvery != 5*time.Minute {
		t.Errorf("hep %+v probes %+v", f.HEP, f.Probes)
	}
	if c.Thresholds.ShortCall != 2*time.Second || c.Thresholds.NERMin != 0.8 {
		t.Errorf("thresholds = %+v", c.Thresholds)
	}
	if a := c.Trunks[1].Addrs[0]; a.Prefix.String() != "203.0.113.0/28" || a.Port != 0 {
		t.Errorf("new addr = %+v", a)
	}
}

func TestMetricsListen(t *testing.T) {
	base := "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"10.0.0.1\"]\n"
	f, err := Parse("c.toml", []byte(base+"[metrics]\nlisten = \"127.0.0.1:9464\"\n"))
	if err != nil || f.Metrics.Listen != "127.0.0.1:9464" {
		t.Fatalf("metrics %+v err %v", f.Metrics, err)
	}
	if sum := f.Summary(); !strings.Contains(sum, "  metrics  /metrics on 127.0.0.1:9464\n") {
		t.Errorf("check's summary says nothing of [metrics]:\n%s", sum)
	}
	if f, err = Parse("c.toml", []byte(base)); err != nil || f.Metrics.Listen != "" {
		t.Fatalf("no [metrics]: %+v err %v", f.Metrics, err)
	}
}

func TestPassword(t *testing.T) {
	r := &Register{User: "u", PasswordEnv: "CUTOVER_TEST_PW"}
	t.Setenv("CUTOVER_TEST_PW", "")
	if _, err := r.Password(); err == nil || !strings.Contains(err.Error(), "CUTOVER_TEST_PW") {
		t.Fatalf("unset: err = %v", err)
	}
	t.Setenv("CUTOVER_TEST_PW", "s3cret")
	if pw, err := r.Password(); err != nil || pw != "s3cret" {
		t.Fatalf("pw %q err %v", pw, err)
	}
}

// The recording stores Cutover as JSON: no secret may reach it, whatever
// the environment holds.
func TestNoSecretInRecording(t *testing.T) {
	const secret = "hunter2-very-secret"
	t.Setenv("NEWCARRIER_SIP_PASSWORD", secret)
	t.Setenv("CUTOVER_HEP_KEY", secret)
	data, err := os.ReadFile("../../fixtures/cutover.toml")
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), `auth_key_env = ""`, `auth_key_env = "CUTOVER_HEP_KEY"`, 1))
	f, err := Parse("cutover.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	if pw, _ := f.Trunks[1].Register.Password(); pw != secret {
		t.Fatal("password not read from the environment")
	}
	js, err := json.Marshal(f.Cutover)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{secret, "NEWCARRIER_SIP_PASSWORD", "CUTOVER_HEP_KEY", "acme-main", "password"} {
		if strings.Contains(strings.ToLower(string(js)), strings.ToLower(bad)) {
			t.Errorf("recorded config holds %q", bad)
		}
	}
}

// [ssh]: its paths are the file's directory's, max_sessions defaults to 8.
func TestSSHSection(t *testing.T) {
	doc := "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"10.0.0.1\"]\n" +
		"[ssh]\nlisten = \"127.0.0.1:2222\"\nauthorized_keys = \"operators\"\nhost_key = \"/var/lib/cutover/host\"\n"
	f, err := Parse("/etc/cutover/c.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := SSH{Listen: "127.0.0.1:2222", AuthorizedKeys: "/etc/cutover/operators", HostKey: "/var/lib/cutover/host", MaxSessions: DefaultSSHMaxSessions}
	if f.SSH != want {
		t.Errorf("ssh = %+v, want %+v", f.SSH, want)
	}
	if sum := f.Summary(); !strings.Contains(sum, "  ssh      127.0.0.1:2222, operators' keys in /etc/cutover/operators, at most 8 sessions, host key /var/lib/cutover/host\n") {
		t.Errorf("check's summary says nothing of [ssh]:\n%s", sum)
	}
}

func TestErrorsNameLineAndField(t *testing.T) {
	base := "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"10.0.0.1\"]\n"
	cases := []struct {
		name, doc, field string
		line             int
		msg              string
	}{
		{"unknown key", base + "colour = \"red\"\n", "trunks.colour", 6, "unknown key"},
		{"secret in file", base + "[trunks.register]\nuser = \"u\"\npassword = \"x\"\n", "trunks.register.password", 8, "never written in the file"},
		{"wrong type", base + "[probes]\nfail_after = \"three\"\n", "probes.fail_after", 7, ""},
		{"bad role", "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"old\"\naddrs = [\"10.0.0.1\"]\n", "trunks[0].role", 4, "legacy"},
		{"bad addr second trunk", base + "[[trunks]]\nname = \"b\"\nrole = \"new\"\naddrs = [\"10.0.0.2\",\n  \"sbc.example\"]\n", "trunks[1].addrs[1]", 10, "no host names"},
		{"duplicate trunk", base + "[[trunks]]\nname = \"a\"\nrole = \"new\"\naddrs = [\"10.0.0.2\"]\n", "trunks[1].name", 7, "twice"},
		{"bad number", base + "[[numbers]]\nnumber = \"call me\"\n", "numbers[0].number", 7, "telephone number"},
		{"bad range", base + "[[numbers]]\nrange = \"+14155550199-+14155550100\"\n", "numbers[0].range", 7, "before the first"},
		{"overlap", base + "[[numbers]]\nrange = \"+14155550100-+14155550109\"\n[[numbers]]\nnumber = \"4155550105\"\n", "numbers[1]", 8, "already listed"},
		{"bad state", base + "[[numbers]]\nnumber = \"+14155550100\"\nstate = \"done\"\n", "numbers[0].state", 8, "completed"},
		{"bad duration", base + "[thresholds]\nshort_call = \"2 secs\"\n", "thresholds.short_call", 7, "duration"},
		{"register without env", base + "[trunks.register]\nuser = \"u\"\nregistrar = \"sip:r.example\"\n", "trunks[0].register.password_env", 6, "environment variable"},
		{"no trunks", "name = \"x\"\n", "trunks", 0, "at least one trunk"},
		{"bad listen", base + "[hep]\nlisten = \"collector:9060\"\n", "hep.listen", 7, "numeric host"},
		{"bad forward", base + "[hep]\nforward = [\"10.0.0.5:9060\",\n  \"homer\"]\n", "hep.forward[1]", 8, "host:port of a HEP collector"},
		{"forward twice", base + "[hep]\nforward = [\"homer:9060\", \"homer:9060\"]\n", "hep.forward[1]", 7, "twice"},
		{"forward to itself", base + "[hep]\nlisten = \":9060\"\nforward = [\"127.0.0.1:9060\"]\n", "hep.forward[0]", 8, "loop"},
		{"bad metrics listen", base + "[metrics]\nlisten = \"prometheus.example:9464\"\n", "metrics.listen", 7, "numeric host"},
		{"metrics unknown key", base + "[metrics]\npath = \"/m\"\n", "metrics.path", 7, "unknown key"},
		{"certs without trust", base + "[stir]\ncerts = \"certs/\"\n", "stir.trust", 6, "trust store"},
		{"bad freshness", base + "[stir]\ntrust = \"ca.pem\"\nfreshness = \"soon\"\n", "stir.freshness", 8, "duration"},
		{"ssh without keys", base + "[ssh]\nlisten = \"127.0.0.1:2222\"\n", "ssh.authorized_keys", 6, "operators' keys"},
		{"bad ssh listen", base + "[ssh]\nlisten = \"war-room:22\"\nauthorized_keys = \"keys\"\n", "ssh.listen", 7, "numeric host"},
		{"bad max sessions", base + "[ssh]\nmax_sessions = -1\n", "ssh.max_sessions", 7, "positive"},
		{"toml syntax", base + "name = \n", "", 6, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tc.doc))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if ce.File != "c.toml" || ce.Line != tc.line || ce.Field != tc.field || !strings.Contains(ce.Msg, tc.msg) {
				t.Errorf("got %q (line %d field %q), want line %d field %q msg ~%q", err, ce.Line, ce.Field, tc.line, tc.field, tc.msg)
			}
		})
	}
}

func TestNormalisesNumbers(t *testing.T) {
	doc := "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"new\"\naddrs = [\"10.0.0.1:5060\", \"[2001:db8::1]:5061\", \"2001:db8:1::/48\"]\n" +
		"[[numbers]]\nnumber = \"(415) 555-0100\"\n[[numbers]]\nnumber = \"0014155550101\"\n[[numbers]]\nrange = \"14155550102-14155550103\"\n"
	f, err := Parse("c.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range f.Cutover.Numbers {
		got = append(got, n.E164)
		if n.PortState != monitor.PortPending {
			t.Errorf("%s state %q, want pending by default", n.E164, n.PortState)
		}
	}
	if strings.Join(got, ",") != "+14155550100,+14155550101,+14155550102,+14155550103" {
		t.Errorf("numbers = %v", got)
	}
	a := f.Cutover.Trunks[0].Addrs
	if a[1].Port != 5061 || a[1].Prefix.Bits() != 128 || a[2].Prefix.Bits() != 48 || f.Trunks[0].Transport != "udp" {
		t.Errorf("addrs = %+v", a)
	}
}

// A value of the wrong type is told in the file's words (its key, the
// type wanted, the value as written), never in Go's; a mistyped key gets
// the nearest key of its table.
func TestErrorsSpeakTheFilesWords(t *testing.T) {
	base := "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"10.0.0.1\"]\n"
	cases := []struct{ name, doc, want string }{
		{"string for int", base + "[probes]\nfail_after = \"3\"\n", `c.toml:7:14: probes.fail_after: want an integer, got a string "3"`},
		{"spaces and comment", base + "[probes]\n  fail_after   =   \"3\" # c\n", `c.toml:7:20: probes.fail_after: want an integer, got a string "3"`},
		{"float for int", base + "[probes]\nfail_after = 3.5\n", `c.toml:7:14: probes.fail_after: want an integer, got a float 3.5`},
		{"int for string", base + "[[trunks]]\nname = 3\n", `c.toml:7:8: trunks.name: want a string, got an integer 3`},
		{"string for float", base + "[thresholds]\nner_min = \"0.8\"\n", `c.toml:7:11: thresholds.ner_min: want a number, got a string "0.8"`},
		{"string for bool", base + "[hep]\ntcp = \"yes\"\n", `c.toml:7:7: hep.tcp: want true or false, got a string "yes"`},
		{"string for array", "name = \"x\"\n[[trunks]]\nname = \"a\"\naddrs = \"10.0.0.1\"\n", `c.toml:4:9: trunks.addrs: want an array of strings, got a string "10.0.0.1"`},
		{"array for string", "name = [1, 2]\n", `c.toml:1:8: name: want a string, got an array [1, 2]`},
		{"date without time", base + "[[numbers]]\nnumber = \"+14155550100\"\nscheduled = \"2026-11-24\"\n", `c.toml:8:13: numbers.scheduled: want an offset date-time such as 2026-11-24T02:00:00Z, got a string "2026-11-24"`},
		{"typo", base + "[probes]\nfail_aftr = 3\n", `c.toml:7:1: probes.fail_aftr: unknown key "probes.fail_aftr": did you mean "fail_after"?`},
		{"typo in a trunk", "name = \"x\"\n[[trunks]]\nname = \"a\"\nrol = \"new\"\n", `c.toml:4:1: trunks.rol: unknown key "trunks.rol": did you mean "role"?`},
		{"dash for underscore", base + "[actions]\nverify-calls = 2\n", `did you mean "verify_calls"?`},
		{"top level", "nmae = \"x\"\n", `did you mean "name"?`},
		{"nothing near", base + "colour = \"red\"\n", `c.toml:6:1: trunks.colour: unknown key "trunks.colour"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tc.doc))
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("got  %s\nwant %s", msg, tc.want)
			}
			for _, leak := range []string{"config.", "raw", "struct", "float64", "[]string", "cannot decode"} {
				if strings.Contains(msg, leak) {
					t.Errorf("%q leaks Go: %s", leak, msg)
				}
			}
			if tc.name == "nothing near" && strings.Contains(msg, "did you mean") {
				t.Errorf("a guess for a key like none: %s", msg)
			}
		})
	}
}

// carrier_signs reaches the fold's trunk; without it signing is expected.
func TestCarrierSigns(t *testing.T) {
	doc := "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"new\"\naddrs = [\"10.0.0.1\"]\ncarrier_signs = true\n" +
		"[[trunks]]\nname = \"b\"\nrole = \"legacy\"\naddrs = [\"10.0.0.2\"]\n"
	f, err := Parse("c.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if tr := f.Cutover.Trunks; !tr[0].CarrierSigns || tr[1].CarrierSigns {
		t.Fatalf("carrier_signs: %+v", tr)
	}
}

func TestHEPForward(t *testing.T) {
	doc := "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"10.0.0.1\"]\n" +
		"[hep]\nlisten = \"127.0.0.1:9060\"\nforward = [\"homer.example.net:9060\", \"127.0.0.1:9061\", \"[::1]:9062\"]\n"
	f, err := Parse("c.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"homer.example.net:9060", "127.0.0.1:9061", "[::1]:9062"}; !slices.Equal(f.HEP.Forward, want) {
		t.Errorf("forward = %q, want %q", f.HEP.Forward, want)
	}
	if s := f.Summary(); !strings.Contains(s, "forwarded as received (udp) to homer.example.net:9060, 127.0.0.1:9061, [::1]:9062") {
		t.Errorf("summary:\n%s", s)
	}
}
