package stir

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// Identity headers signed by Kamailio's secsipid module (recorded by
// TestKamailioSecsipid -record-secsipid), verified without Kamailio.
func TestSecsipidVectors(t *testing.T) {
	vs, v, _ := loadSecsipid(t)
	if len(vs) != 3 {
		t.Fatalf("%d vectors, want A, B and C", len(vs))
	}
	for _, vec := range vs {
		raw := readTestdata(t, "secsipid/"+vec.File)
		vd := verifyRaw(t, v, raw, vec.At)
		if vd.Result != Valid || vd.Attest != vec.Attest || vd.Orig != vec.Orig || len(vd.Dest) != 1 || vd.Dest[0] != vec.Dest {
			t.Fatalf("%s: %s attest %s orig %s dest %v; %+v", vec.File, vd.Result, vd.Attest, vd.Orig, vd.Dest, vd.Checks)
		}
	}
}

func TestSecsipidVectorFailures(t *testing.T) {
	vs, v, _ := loadSecsipid(t)
	vec := vs[0]
	raw := readTestdata(t, "secsipid/"+vec.File)
	other := newTestVerifier(t, nil, map[string][]byte{vec.X5U: readTestdata(t, "secsipid/sp.pem")})
	// The recorded x5u is a test server's port that is closed now.
	unreachable, err := NewVerifier(Options{Certs: NewFetcher(FetcherOptions{Timeout: 2 * time.Second, AnyPort: true})})
	if err != nil {
		t.Fatal(err)
	}
	certs, err := ParseCerts(readTestdata(t, "secsipid/sp.pem"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		v    *Verifier
		raw  []byte
		at   time.Time
		want Result
	}{
		{"tampered attest", v, []byte(tamperRaw(t, string(raw), `"attest":"A"`, `"attest":"B"`)), vec.At, BadSignature},
		{"stale", v, raw, vec.At.Add(61 * time.Second), Stale},
		{"orig mismatch", v, bytes.Replace(raw, []byte("From: <sip:"+vec.Orig), []byte("From: <sip:15559999999"), 1), vec.At, OrigMismatch},
		{"dest mismatch", v, bytes.ReplaceAll(raw, []byte("sip:"+vec.Dest+"@"), []byte("sip:15550000000@")), vec.At, DestMismatch},
		{"untrusted chain", other, raw, vec.At, CertUntrusted},
		{"expired certificate", v, raw, certs[0].NotAfter.Add(time.Hour), CertUntrusted},
		{"unreachable x5u", unreachable, raw, vec.At, CertUnavailable},
	}
	// Ten seconds before capture: iat is in the future. (The openssl
	// certificate was made a second before signing, so the chain fails
	// too, and comes first.)
	if vd := verifyRaw(t, v, raw, vec.At.Add(-10*time.Second)); vd.Check(CheckIat).Result != Stale || !strings.Contains(vd.Check(CheckIat).Detail, "future") {
		t.Fatalf("future iat: %+v", vd.Check(CheckIat))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if vd := verifyRaw(t, c.v, c.raw, c.at); vd.Result != c.want {
				t.Fatalf("result %s, want %s; checks %+v", vd.Result, c.want, vd.Checks)
			}
		})
	}
}

// tamperRaw rewrites the claims of the Identity header in a raw message.
func tamperRaw(t *testing.T, raw, from, to string) string {
	t.Helper()
	i := strings.Index(raw, "Identity: ")
	if i < 0 {
		t.Fatal("no Identity header")
	}
	end := strings.Index(raw[i:], "\r\n")
	val := raw[i+len("Identity: ") : i+end]
	return raw[:i] + "Identity: " + tamper(val, from, to) + raw[i+end:]
}
