package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestExampleActions(t *testing.T) {
	f, err := Load("../../fixtures/cutover.toml")
	if err != nil {
		t.Fatal(err)
	}
	a := f.Actions
	if len(a.Failover) != 2 || a.Outbound == nil || len(a.Commands) != 1 {
		t.Fatalf("actions = %+v", a)
	}
	dns, ds := a.Failover[0], a.Failover[1]
	if dns.DNS == nil || dns.DNS.KeySecretEnv != "CUTOVER_TSIG_SECRET" || dns.DNS.Algorithm != "hmac-sha256" || dns.Timeout != 10*time.Second {
		t.Errorf("dns target = %+v %+v", dns, dns.DNS)
	}
	if ds.Dispatcher == nil || ds.Dispatcher.Set != 1 || ds.Timeout != 5*time.Second || ds.Dispatcher.New[0] != "sip:127.0.0.1:5060" {
		t.Errorf("dispatcher target = %+v", ds)
	}
	if a.VerifyWindow != DefaultVerifyWindow || a.VerifyCalls != DefaultVerifyCalls || dns.Direction != "out" {
		t.Errorf("verify = %v %d, direction %q", a.VerifyWindow, a.VerifyCalls, dns.Direction)
	}
	if h := a.Outbound.HTable; h == nil || h.Values["new"] != "2" {
		t.Errorf("outbound = %+v", a.Outbound)
	}
	t.Setenv("CUTOVER_TSIG_SECRET", "")
	if _, err := dns.DNS.Secret(); err == nil || !strings.Contains(err.Error(), "CUTOVER_TSIG_SECRET") {
		t.Errorf("secret: %v", err)
	}
}

func TestActionErrors(t *testing.T) {
	base := "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"10.0.0.1\"]\n"
	dns := "[[actions.failover]]\nname = \"srv\"\n[actions.failover.dns]\nserver = \"%s\"\nzone = \"z.\"\nname = \"_sip._udp.z.\"\nkey_name = \"k\"\nkey_secret_env = \"K\"\nlegacy_target = \"a.z.\"\nnew_target = \"b.z.\"\n"
	cases := []struct {
		name, doc, field string
		line             int
		msg              string
	}{
		{"dns server name", base + strings.Replace(dns, "%s", "ns1.example:53", 1), "actions.failover[0].dns.server", 9, "numeric host:port"},
		{"tsig algorithm", base + strings.Replace(dns, "%s", "127.0.0.1:53", 1) + "algorithm = \"hmac-md5\"\n", "actions.failover[0].dns.algorithm", 16, "hmac-sha256, hmac-sha384, hmac-sha512"},
		{"secret written", base + strings.Replace(dns, "%s", "127.0.0.1:53", 1) + "key_secret = \"abc\"\n", "actions.failover.dns.key_secret", 16, "never written"},
		{"both kinds", base + "[[actions.failover]]\nname = \"x\"\n[actions.failover.dispatcher]\nurl = \"http://h/RPC\"\nset = 1\nlegacy = [\"sip:a\"]\nnew = [\"sip:b\"]\n[actions.failover.dns]\nserver = \"127.0.0.1:53\"\n", "actions.failover[0]", 6, "exactly one"},
		{"dispatcher url", base + "[[actions.failover]]\nname = \"x\"\n[actions.failover.dispatcher]\nurl = \"127.0.0.1:5081\"\nset = 1\nlegacy = [\"sip:a\"]\nnew = [\"sip:b\"]\n", "actions.failover[0].dispatcher.url", 9, "http://"},
		{"direction", base + strings.Replace(dns, "%s", "127.0.0.1:53", 1) + "[[actions.failover]]\nname = \"d\"\ndirection = \"both\"\n[actions.failover.dispatcher]\nurl = \"http://h/RPC\"\nset = 1\nlegacy = [\"sip:a\"]\nnew = [\"sip:b\"]\n", "actions.failover[1].direction", 18, "\"out\""},
		{"verify calls", base + "[actions]\nverify_calls = -1\n", "actions.verify_calls", 7, "positive"},
		{"outbound backend", base + "[actions.outbound]\nbackend = \"sql\"\n", "actions.outbound.backend", 7, "htable"},
		{"bad template", base + "[actions.outbound]\nbackend = \"http\"\n[actions.outbound.http]\nurl = \"https://api.example/{{.Number\"\n", "actions.outbound.http.url", 9, "bad template"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tc.doc))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if ce.Line != tc.line || ce.Field != tc.field || !strings.Contains(ce.Msg, tc.msg) {
				t.Errorf("got %q (line %d field %q), want line %d field %q msg ~%q", err, ce.Line, ce.Field, tc.line, tc.field, tc.msg)
			}
		})
	}
}
