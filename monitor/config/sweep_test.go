package config

import (
	"errors"
	"strings"
	"testing"
)

// TestSweepKeys: [probes] sweep_rate and sweep_concurrency have defaults,
// take the file's values, and refuse a flood with the field named.
func TestSweepKeys(t *testing.T) {
	base := "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"10.0.0.1\"]\n[probes]\n"
	f, err := Parse("c.toml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if f.Probes.SweepRate != DefaultSweepRate || f.Probes.SweepConcurrency != DefaultSweepConcurrency {
		t.Errorf("defaults: %g/s, %d at once", f.Probes.SweepRate, f.Probes.SweepConcurrency)
	}
	f, err = Parse("c.toml", []byte(base+"sweep_rate = 0.5\nsweep_concurrency = 8\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Probes.SweepRate != 0.5 || f.Probes.SweepConcurrency != 8 {
		t.Errorf("set: %g/s, %d at once", f.Probes.SweepRate, f.Probes.SweepConcurrency)
	}
	for doc, field := range map[string]string{
		"sweep_rate = 500\n":       "probes.sweep_rate",
		"sweep_rate = -1\n":        "probes.sweep_rate",
		"sweep_concurrency = -2\n": "probes.sweep_concurrency",
		"sweep_concurrency = 65\n": "probes.sweep_concurrency",
	} {
		_, err := Parse("c.toml", []byte(base+doc))
		var ce *Error
		if !errors.As(err, &ce) || ce.Field != field || !strings.Contains(ce.Msg, "between") {
			t.Errorf("%q: %v, want an error on %s", doc, err, field)
		}
	}
}

// TestOutboundCheckKeys: sbc_uri and outbound_check_to go together.
func TestOutboundCheckKeys(t *testing.T) {
	base := "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"10.0.0.1\"]\n[probes]\n"
	f, err := Parse("c.toml", []byte(base+"sbc_uri = \"sip:10.0.0.5:5060\"\noutbound_check_to = \"4155559999\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Probes.SBCURI != "sip:10.0.0.5:5060" || f.Probes.OutboundCheckTo != "+14155559999" {
		t.Errorf("%+v", f.Probes)
	}
	for doc, field := range map[string]string{
		"sbc_uri = \"sip:10.0.0.5\"\n":                                   "probes.outbound_check_to",
		"outbound_check_to = \"+14155559999\"\n":                         "probes.outbound_check_to",
		"sbc_uri = \"10.0.0.5\"\noutbound_check_to = \"+14155559999\"\n": "probes.sbc_uri",
		"sbc_uri = \"sip:10.0.0.5\"\noutbound_check_to = \"call me\"\n":  "probes.outbound_check_to",
	} {
		_, err := Parse("c.toml", []byte(base+doc))
		var ce *Error
		if !errors.As(err, &ce) || ce.Field != field {
			t.Errorf("%q: %v, want an error on %s", doc, err, field)
		}
	}
}
