package stir

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures"
)

var lssAt = time.Unix(lssIat+7, 0) // seven seconds after signing

func TestLibstirshakenVectorValid(t *testing.T) {
	v := lssVerifier(t)
	vd := verifyRaw(t, v, invite(lssOrig, lssDest, "Identity: "+lssIdentity), lssAt)
	if vd.Result != Valid {
		t.Fatalf("result %s, want valid; checks %+v", vd.Result, vd.Checks)
	}
	if vd.Attest != "B" || vd.Orig != lssOrig || len(vd.Dest) != 1 || vd.Dest[0] != lssDest ||
		vd.Iat != lssIat || vd.X5U != lssX5U || vd.OrigID != "e32f4189-cb86-460f-bb92-bd3acb89f29c" {
		t.Fatalf("claims not reported: %+v", vd)
	}
	for _, c := range vd.Checks {
		if c.Status != Pass {
			t.Errorf("check %s = %s, want pass", c.Name, c.Status)
		}
	}
	if m := vd.Monitor(); m.Attest != "B" || m.Result != "valid" {
		t.Fatalf("monitor verdict %+v", m)
	}
}

func TestLibstirshakenVectorCompactHeaderName(t *testing.T) {
	vd := verifyRaw(t, lssVerifier(t), invite(lssOrig, lssDest, "y: "+lssIdentity), lssAt)
	if vd.Result != Valid || vd.Identities != 1 {
		t.Fatalf("y: header: result %s, identities %d", vd.Result, vd.Identities)
	}
}

func TestLibstirshakenVectorPublicKey(t *testing.T) {
	// The signature verifies with the recorded public key alone.
	certs, err := ParseCerts(readTestdata(t, "libstirshaken-sp.pem"))
	if err != nil {
		t.Fatal(err)
	}
	tok := lssIdentity[:strings.IndexByte(lssIdentity, ';')]
	p, err := DecodePASSporT(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyES256(certs[0].PublicKey.(*ecdsa.PublicKey), p.SigningInput, p.Signature) {
		t.Fatal("libstirshaken signature does not verify")
	}
}

// tamper replaces the claims segment of an Identity value, keeping the signature.
func tamper(identity, from, to string) string {
	parts := strings.SplitN(identity, ".", 3)
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(claims), from, to, 1)))
	return strings.Join(parts, ".")
}

func TestLibstirshakenVectorFailures(t *testing.T) {
	fixturesCA := x509.NewCertPool()
	fixturesCA.AddCert(fixtures.STIRCA())
	cases := []struct {
		name      string
		v         *Verifier
		raw       []byte
		at        time.Time
		want      Result
		failCheck string
	}{
		{"tampered attest", lssVerifier(t), invite(lssOrig, lssDest, "Identity: "+tamper(lssIdentity, `"attest":"B"`, `"attest":"A"`)), lssAt, BadSignature, CheckSignature},
		{"tampered orig", lssVerifier(t), invite("01256500601", lssDest, "Identity: "+tamper(lssIdentity, lssOrig, "01256500601")), lssAt, BadSignature, CheckSignature},
		{"stale", lssVerifier(t), invite(lssOrig, lssDest, "Identity: "+lssIdentity), time.Unix(lssIat+61, 0), Stale, CheckIat},
		{"future", lssVerifier(t), invite(lssOrig, lssDest, "Identity: "+lssIdentity), time.Unix(lssIat-30, 0), Stale, CheckIat},
		{"orig mismatch", lssVerifier(t), invite("01256500699", lssDest, "Identity: "+lssIdentity), lssAt, OrigMismatch, CheckOrig},
		{"dest mismatch", lssVerifier(t), invite(lssOrig, "01256700899", "Identity: "+lssIdentity), lssAt, DestMismatch, CheckDest},
		{"untrusted chain", newTestVerifier(t, fixturesCA, map[string][]byte{lssX5U: readTestdata(t, "libstirshaken-sp.pem")}), invite(lssOrig, lssDest, "Identity: "+lssIdentity), lssAt, CertUntrusted, CheckChain},
		{"no trust store", newTestVerifier(t, nil, map[string][]byte{lssX5U: readTestdata(t, "libstirshaken-sp.pem")}), invite(lssOrig, lssDest, "Identity: "+lssIdentity), lssAt, CertUntrusted, CheckChain},
		{"cert not served", newTestVerifier(t, fixturesCA, nil), invite(lssOrig, lssDest, "Identity: "+lssIdentity), lssAt, CertUnavailable, CheckCert},
		{"wrong key", newTestVerifier(t, fixturesCA, map[string][]byte{lssX5U: fixtures.SPCertPEM()}), invite(lssOrig, lssDest, "Identity: "+lssIdentity), lssAt, BadSignature, CheckSignature},
		{"no identity", lssVerifier(t), invite(lssOrig, lssDest), lssAt, NoIdentity, CheckIdentity},
		{"bad format", lssVerifier(t), invite(lssOrig, lssDest, "Identity: abc.def;info=<"+lssX5U+">"), lssAt, BadFormat, CheckFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vd := verifyRaw(t, c.v, c.raw, c.at)
			if vd.Result != c.want {
				t.Fatalf("result %s, want %s; checks %+v", vd.Result, c.want, vd.Checks)
			}
			if ch := vd.Check(c.failCheck); ch.Status != Fail || ch.Result != c.want || ch.Detail == "" {
				t.Fatalf("check %s = %+v, want a failure explaining %s", c.failCheck, ch, c.want)
			}
		})
	}
}

func TestMalformedClaimsVector(t *testing.T) {
	// libstirshaken test/ref/sp/passport.txt: validly signed, but orig and
	// dest are JSON strings and x5u is plain http (DOMAIN.md vector 2).
	const v2 = "eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0cDovL3NoYWtlbi5zaWduYWx3aXJlLmNsb3VkL3NwLnBlbSJ9.eyJhdHRlc3QiOiJBIiwiZGVzdCI6IntcInRuXCI6XCIwMTI1NjUwMDYwMFwifSIsImlhdCI6MTYwMzQ1ODEzMSwib3JpZyI6IntcInRuXCI6XCIwMTI1Njc4OTk5OVwifSIsIm9yaWdpZCI6InJlZiJ9.cNI-uIirMOiT19OcQag2UYjHWTgTqtr5jhSk3KxflqSC7FbrrYDr51zCEvzDMoETpge7eQeQ6ASVzb1dhVVhKQ;info=<http://shaken.signalwire.cloud/sp.pem>;alg=ES256;ppt=shaken"
	vd := verifyRaw(t, lssVerifier(t), invite("01256789999", "01256500600", "Identity: "+v2), time.Unix(1603458131, 0))
	if vd.Result != BadFormat || !strings.Contains(vd.Check(CheckFormat).Detail, "orig") {
		t.Fatalf("result %s (%s), want bad-format about orig", vd.Result, vd.Check(CheckFormat).Detail)
	}
}

func TestAttestLevelsAndExpiredCert(t *testing.T) {
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	good := testSigner{key: fixtures.SPKey(), x5u: fixtures.X5U}
	v := fixturesVerifier(t)
	for _, a := range []string{"A", "B", "C"} {
		vd := verifyRaw(t, v, invite("+15551230001", "15557654321", "Identity: "+good.identity(t, a, "15551230001", "15557654321", now.Unix())), now)
		if vd.Result != Valid || vd.Attest != a {
			t.Fatalf("attest %s: %s %+v", a, vd.Result, vd.Checks)
		}
	}
	expiredPEM, key := issueSP(t, now.AddDate(-2, 0, 0), now.AddDate(0, 0, -1), false)
	bare, bareKey := issueSP(t, now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0), true)
	v = newTestVerifier(t, fixtures.STIRPool(), map[string][]byte{"https://x/expired.pem": expiredPEM, "https://x/bare.pem": bare})
	for name, s := range map[string]testSigner{"expired": {key, "https://x/expired.pem"}, "no TNAuthList": {bareKey, "https://x/bare.pem"}} {
		vd := verifyRaw(t, v, invite("15551230001", "15557654321", "Identity: "+s.identity(t, "A", "15551230001", "15557654321", now.Unix())), now)
		if vd.Result != CertUntrusted || vd.Check(CheckSignature).Status != Pass {
			t.Fatalf("%s: result %s, checks %+v", name, vd.Result, vd.Checks)
		}
	}
}

func TestSeveralIdentityHeadersBestWins(t *testing.T) {
	bad := tamper(lssIdentity, `"attest":"B"`, `"attest":"C"`)
	div := strings.Replace(lssIdentity, "ppt=shaken", "ppt=div", 1)
	vd := verifyRaw(t, lssVerifier(t), invite(lssOrig, lssDest, "Identity: "+div, "Identity: "+bad, "Identity: "+lssIdentity), lssAt)
	if vd.Result != Valid || vd.Identities != 3 {
		t.Fatalf("result %s identities %d", vd.Result, vd.Identities)
	}
	vd = verifyRaw(t, lssVerifier(t), invite(lssOrig, lssDest, "Identity: "+div), lssAt)
	if vd.Result != NoIdentity {
		t.Fatalf("only a div PASSporT: %s", vd.Result)
	}
}

func TestHTTPFetchCacheAndUnreachable(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Cache-Control", "public, max-age=600")
		w.Write(readTestdata(t, "libstirshaken-sp.pem"))
	}))
	defer srv.Close()
	now := time.Unix(1e9, 0)
	f := NewFetcher(FetcherOptions{Client: srv.Client(), AnyPort: true, Now: func() time.Time { return now }})
	url := srv.URL + "/sp.pem"
	for i := 0; i < 3; i++ {
		if certs, err := f.Certs(context.Background(), url); err != nil || len(certs) != 1 {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	if hits.Load() != 1 {
		t.Fatalf("%d fetches, want 1 (cached)", hits.Load())
	}
	now = now.Add(11 * time.Minute) // past max-age
	if _, err := f.Certs(context.Background(), url); err != nil || hits.Load() != 2 {
		t.Fatalf("after max-age: err %v, hits %d", err, hits.Load())
	}
	srv.Close()
	if _, err := f.Certs(context.Background(), srv.URL+"/other.pem"); err == nil {
		t.Fatal("closed server: no error")
	}
	if _, err := f.Certs(context.Background(), "http://127.0.0.1:1/sp.pem"); err == nil || !strings.Contains(err.Error(), "not https") {
		t.Fatalf("plain http: %v", err)
	}
}

func TestUnreachableX5UVerdict(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	url := srv.URL + "/sp.pem"
	srv.Close()
	v, err := NewVerifier(Options{Trust: fixtures.STIRPool(), Certs: NewFetcher(FetcherOptions{Client: srv.Client(), AnyPort: true})})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	s := testSigner{key: fixtures.SPKey(), x5u: url}
	vd := verifyRaw(t, v, invite("15551230001", "15557654321", "Identity: "+s.identity(t, "A", "15551230001", "15557654321", now.Unix())), now)
	if vd.Result != CertUnavailable || vd.Check(CheckCert).Detail == "" {
		t.Fatalf("result %s, want cert-unavailable; checks %+v", vd.Result, vd.Checks)
	}
}

func TestOfflineDir(t *testing.T) {
	dir := t.TempDir()
	if err := writeFile(dir+"/shaken.signalwire.cloud/sp.pem", readTestdata(t, "libstirshaken-sp.pem")); err != nil {
		t.Fatal(err)
	}
	f := NewFetcher(FetcherOptions{Dir: dir, Offline: true})
	if certs, err := f.Certs(context.Background(), lssX5U); err != nil || len(certs) != 1 {
		t.Fatalf("offline dir: %v", err)
	}
	if _, err := f.Certs(context.Background(), "https://elsewhere.example/x.pem"); err == nil {
		t.Fatal("missing file: no error")
	}
}

func writeFile(name string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o644)
}

func TestFetchRefusesErrorsAndHugeBodies(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/huge.pem":
			w.Write(make([]byte, 100<<10))
		case "/junk.pem":
			w.Write([]byte("not a certificate"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	f := NewFetcher(FetcherOptions{Client: srv.Client(), AnyPort: true})
	for path, want := range map[string]string{"/missing.pem": "404", "/huge.pem": "larger than", "/junk.pem": "no certificate", "/x.pem?a=1": "query"} {
		_, err := f.Certs(context.Background(), srv.URL+path)
		if !errors.Is(err, ErrCertUnavailable) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an ErrCertUnavailable about %q", path, err, want)
		}
	}
}

func TestFetchConcurrentLookupsShareOneFetch(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(readTestdata(t, "libstirshaken-sp.pem"))
	}))
	defer srv.Close()
	f := NewFetcher(FetcherOptions{Client: srv.Client(), AnyPort: true})
	errs := make(chan error, 16)
	for range 16 {
		go func() {
			_, err := f.Certs(context.Background(), srv.URL+"/sp.pem")
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if hits.Load() != 1 {
		t.Fatalf("%d fetches for one URL, want 1", hits.Load())
	}
}

func TestStaleDateHeader(t *testing.T) {
	v := lssVerifier(t)
	date := func(ts time.Time) string { return "Date: " + ts.UTC().Format(http.TimeFormat) }
	fresh := invite(lssOrig, lssDest, "Identity: "+lssIdentity, date(time.Unix(lssIat, 0)))
	if vd := verifyRaw(t, v, fresh, lssAt); vd.Result != Valid {
		t.Fatalf("Date equal to iat: %s %+v", vd.Result, vd.Checks)
	}
	old := invite(lssOrig, lssDest, "Identity: "+lssIdentity, date(time.Unix(lssIat-300, 0)))
	vd := verifyRaw(t, v, old, lssAt)
	if vd.Result != Stale || !strings.Contains(vd.Check(CheckIat).Detail, "Date header") {
		t.Fatalf("Date five minutes old: %s %+v", vd.Result, vd.Check(CheckIat))
	}
}

func TestFetchATISPortRule(t *testing.T) {
	f := NewFetcher(FetcherOptions{})
	_, err := f.Certs(context.Background(), "https://127.0.0.1:22/sp.pem")
	if !errors.Is(err, ErrCertUnavailable) || !strings.Contains(err.Error(), "port 22") {
		t.Fatalf("port 22: %v", err)
	}
}
