package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor"
)

const topoTrunks = "[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"10.0.0.1\"]\n"

// topology reaches the fold's Config; absent stays the business default
// (an empty value, so older recordings' checksums are unchanged), and
// `cutover check` says which it is.
func TestTopology(t *testing.T) {
	for _, tc := range []struct {
		line string
		want monitor.Topology
		says string
	}{
		{"", "", "topology business (default)"},
		{"topology = \"business\"\n", monitor.TopologyBusiness, "topology business (default)"},
		{"topology = \"transit\"\n", monitor.TopologyTransit, "topology transit: calls sent to a trunk land on the called number"},
		{"topology = \"Transit\"\n", monitor.TopologyTransit, "topology transit"},
	} {
		f, err := Parse("c.toml", []byte("name = \"x\"\n"+tc.line+topoTrunks))
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		if f.Cutover.Topology != tc.want {
			t.Errorf("%q: topology %q, want %q", tc.line, f.Cutover.Topology, tc.want)
		}
		if sum := f.Summary(); !strings.Contains(sum, tc.says) {
			t.Errorf("%q: summary lacks %q:\n%s", tc.line, tc.says, sum)
		}
	}
}

// A wrong topology names the line, both values, and the one it is nearest.
func TestTopologyErrors(t *testing.T) {
	for _, tc := range []struct {
		doc, field, msg string
		line            int
	}{
		{"name = \"x\"\ntopology = \"trasnit\"\n" + topoTrunks, "topology", `did you mean "transit"?`, 2},
		{"name = \"x\"\ntopology = \"carrier\"\n" + topoTrunks, "topology", `want "business"`, 2},
		{"name = \"x\"\ntopology = 1\n" + topoTrunks, "topology", "want a string", 2},
		{"name = \"x\"\ntopolgy = \"transit\"\n" + topoTrunks, "topolgy", `did you mean "topology"?`, 2},
		{"name = \"x\"\ntopology = \"transit\"\n" + topoTrunks + "carrier_signs = true\n", "trunks[0].carrier_signs", "arrives signed by that carrier", 7},
	} {
		_, err := Parse("c.toml", []byte(tc.doc))
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("%q: err = %v, want *Error", tc.doc, err)
		}
		if ce.Field != tc.field || ce.Line != tc.line || !strings.Contains(ce.Msg, tc.msg) {
			t.Errorf("got %q (line %d field %q), want line %d field %q msg ~%q", err, ce.Line, ce.Field, tc.line, tc.field, tc.msg)
		}
	}
}
