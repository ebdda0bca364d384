package stir

import (
	"strings"
	"testing"
)

// FuzzParseIdentity: the header parser never panics, and what it accepts
// has a three-segment base64url token and params it can report.
func FuzzParseIdentity(f *testing.F) {
	f.Add(lssIdentity)
	f.Add("..c2ln;info=<https://a/b>;ppt=\"shaken\"")
	f.Add("a.b.c;info=<https://x;y>;alg=ES256;ppt=shaken;x=\"q\\\"q\"")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseIdentity(s)
		if err != nil {
			return
		}
		if strings.Count(id.Token, ".") != 2 || id.Params == nil {
			t.Fatalf("accepted %q as %+v", s, id)
		}
		if id.Compact != strings.HasPrefix(id.Token, "..") {
			t.Fatalf("compact flag wrong for %q", id.Token)
		}
		if id.Compact {
			return
		}
		if p, err := DecodePASSporT(id.Token); err == nil && p.SigningInput == "" {
			t.Fatal("decoded without signing input")
		}
	})
}

// FuzzVerifyRequest: a whole request through the verifier never panics
// and always yields a known result with one outcome per check.
func FuzzVerifyRequest(f *testing.F) {
	f.Add(invite(lssOrig, lssDest, "Identity: "+lssIdentity))
	f.Add(invite(lssOrig, lssDest, "y: ..abc;info=<https://a/b>"))
	f.Add(invite("+1555", "1555", "Identity: a.b.c"))
	v := lssVerifier(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		vd, err := v.VerifyRaw(t.Context(), raw, lssAt)
		if err != nil {
			return
		}
		if vd.Result.rank() > len(checkOrder) || len(vd.Checks) != len(checkOrder) {
			t.Fatalf("verdict %+v", vd)
		}
		if vd.Result == Valid && vd.At != lssAt.UTC() {
			t.Fatal("capture time lost")
		}
	})
}
