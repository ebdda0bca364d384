package stir

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures"
)

// The libstirshaken README vector (see ../shared/DOMAIN.md §1.8), signed by
// libstirshaken, not by us.
const (
	lssIdentity = "eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0cHM6Ly9zaGFrZW4uc2lnbmFsd2lyZS5jbG91ZC9zcC5wZW0ifQ.eyJhdHRlc3QiOiJCIiwiZGVzdCI6eyJ0biI6WyIwMTI1NjcwMDgwMCJdfSwiaWF0IjoxNjE2NDQyNTIzLCJvcmlnIjp7InRuIjoiMDEyNTY1MDA2MDAifSwib3JpZ2lkIjoiZTMyZjQxODktY2I4Ni00NjBmLWJiOTItYmQzYWNiODlmMjljIn0.rN3n-2qjP9eVPMViBbK6sVUmN3tMRbI-8ffVs1M7J9KL0q0hMKtdZNBWj_TS5RkvakiDUoSErkDsahh2nRGD8Q;info=<https://shaken.signalwire.cloud/sp.pem>;alg=ES256;ppt=shaken"
	lssX5U      = "https://shaken.signalwire.cloud/sp.pem"
	lssIat      = 1616442523
	lssOrig     = "01256500600"
	lssDest     = "01256700800"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lssVerifier trusts libstirshaken's test CA and serves its SP certificate
// for the vector's x5u.
func lssVerifier(t testing.TB) *Verifier {
	t.Helper()
	trust := x509.NewCertPool()
	if !trust.AppendCertsFromPEM(readTestdata(t, "libstirshaken-ca.pem")) {
		t.Fatal("libstirshaken CA does not parse")
	}
	return newTestVerifier(t, trust, map[string][]byte{lssX5U: readTestdata(t, "libstirshaken-sp.pem")})
}

func newTestVerifier(t testing.TB, trust *x509.CertPool, static map[string][]byte) *Verifier {
	t.Helper()
	v, err := NewVerifier(Options{Trust: trust, Certs: NewFetcher(FetcherOptions{Static: static, Offline: true})})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fixturesVerifier trusts the fixtures' test CA and serves the SP
// certificate for fixtures.X5U.
func fixturesVerifier(t testing.TB) *Verifier {
	return newTestVerifier(t, fixtures.STIRPool(), map[string][]byte{fixtures.X5U: fixtures.SPCertPEM()})
}

// invite is a SIP INVITE from orig to dest (user parts as written) with
// the given Identity header lines (full lines, "Identity: ..." or "y: ...").
func invite(orig, dest string, identity ...string) []byte {
	var b strings.Builder
	b.WriteString("INVITE sip:" + dest + "@198.51.100.7;user=phone SIP/2.0\r\n")
	b.WriteString("Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n")
	b.WriteString("Max-Forwards: 70\r\n")
	b.WriteString("From: <sip:" + orig + "@192.0.2.10;user=phone>;tag=1928301774\r\n")
	b.WriteString("To: <sip:" + dest + "@198.51.100.7;user=phone>\r\n")
	b.WriteString("Call-ID: a84b4c76e66710@192.0.2.10\r\n")
	b.WriteString("CSeq: 314159 INVITE\r\n")
	for _, h := range identity {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return []byte(b.String())
}

// testSigner signs PASSporTs for the crafted negative cases (expired
// certificate, wrong key, tampered claims). The positive vectors come from
// libstirshaken and Kamailio's secsipid.
type testSigner struct {
	key *ecdsa.PrivateKey
	x5u string
}

func (s testSigner) identity(t testing.TB, attest, orig, dest string, iat int64) string {
	t.Helper()
	hdr := `{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"` + s.x5u + `"}`
	claims := `{"attest":"` + attest + `","dest":{"tn":["` + dest + `"]},"iat":` + itoa64(iat) +
		`,"orig":{"tn":"` + orig + `"},"origid":"4437c7eb-8f15-4a9e-a4f3-2a0a5e0d2c51"}`
	input := b64(hdr) + "." + b64(claims)
	d := sha256.Sum256([]byte(input))
	r, sv, err := ecdsa.Sign(rand.Reader, s.key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig) + ";info=<" + s.x5u + ">;alg=ES256;ppt=shaken"
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func itoa64(n int64) string { return big.NewInt(n).String() }

// issueSP issues an STI-SP certificate from the fixtures' CA, valid from
// notBefore to notAfter, with TNAuthList unless bare, and returns its PEM
// and key.
func issueSP(t testing.TB, notBefore, notAfter time.Time, bare bool) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "Test STI-SP"},
		NotBefore:    notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if !bare {
		tmpl.ExtraExtensions = []pkix.Extension{{Id: OIDTNAuthList, Value: []byte{0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '5', '5', '5', 'T'}}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, fixtures.STIRCA(), &key.PublicKey, fixtures.CAKey())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key
}

func verifyRaw(t testing.TB, v *Verifier, raw []byte, at time.Time) Verdict {
	t.Helper()
	vd, err := v.VerifyRaw(context.Background(), raw, at)
	if err != nil {
		t.Fatalf("VerifyRaw: %v", err)
	}
	return vd
}
