package sipparse

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
)

// FuzzClaimAttestAgrees: where the plain reading of a PASSporT's claims
// answers, encoding/json gives the same attest.
func FuzzClaimAttestAgrees(f *testing.F) {
	for _, c := range []string{
		`{"attest":"A","dest":{"tn":["12135830935"]},"iat":1795482000,"orig":{"tn":"14155551013"},"origid":"4f34"}`,
		`{"ATTEST":"B"}`, `{"attest":"C","attest":"A"}`, `{"attest":null}`, `{"attest":1}`, `{"a":[1,-2,true,false,null,{}]}`,
		` { "attest" : "A" } `, `{"attest":"A"}x`, `{"attest":"\u0041"}`, `{"atteſt":"A"}`, `{"n":01}`, `{"n":1.5}`, `[]`, `"A"`, ``,
	} {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, claims []byte) {
		got, ok := plainClaimAttest(claims)
		if want := jsonAttest(claims); ok && got != want {
			t.Fatalf("%q: plain reading %q, encoding/json %q", claims, got, want)
		}
	})
}

// The claims the simulator's signers write (and sipgo-free captures of
// real signers carry) take the plain reading: encoding/json is not asked.
func TestSignersClaimsReadPlainly(t *testing.T) {
	night := sim.New(sim.DefaultOptions())
	seen := 0
	for seen < 50 {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if ev.Kind != monitor.KindSIP || ev.SIP == nil {
			continue
		}
		for _, line := range bytes.Split(ev.SIP.Raw, []byte("\r\n")) {
			v, found := bytes.CutPrefix(line, []byte("Identity: "))
			if !found {
				continue
			}
			payload := bytes.Split(v, []byte("."))[1]
			claims, err := base64.RawURLEncoding.DecodeString(string(payload))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := plainClaimAttest(claims)
			if !ok || got == "" || got != jsonAttest(claims) {
				t.Fatalf("%s: plain reading %q (%v), encoding/json %q", claims, got, ok, jsonAttest(claims))
			}
			seen++
		}
	}
	if seen == 0 {
		t.Fatal("no Identity header in the simulated night")
	}
}
