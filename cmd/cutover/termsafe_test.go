package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/termsafe"
)

// rawControls returns the control code points (termsafe.IsControl) left
// raw in out, newlines apart: a terminal would obey them.
func rawControls(out string) []string {
	var found []string
	for _, r := range out {
		if r != '\n' && termsafe.IsControl(r) {
			found = append(found, fmt.Sprintf("U+%04X", r))
		}
	}
	return found
}

// TestImportSipStatEscapesControls: a response whose reason phrase holds a
// control character, any C0, C1 or bidi one, is listed by import --sip-stat with it shown escaped, never raw.
func TestImportSipStatEscapesControls(t *testing.T) {
	dir := t.TempDir()
	var pcap bytes.Buffer
	w, err := capture.NewWriter(&pcap)
	if err != nil {
		t.Fatal(err)
	}
	a, b := netip.MustParseAddrPort("192.0.2.1:5060"), netip.MustParseAddrPort("192.0.2.2:5060")
	ts := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC).UnixNano()
	var want []string
	for i, r := range termsafe.Controls() {
		if r == '\n' { // ends the start line: it cannot be in a reason phrase
			continue
		}
		code := 300 + i
		reason := "Bad" + string(r) + "Reason"
		raw := fmt.Sprintf("SIP/2.0 %d %s\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK%d\r\nCall-ID: c%d\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", code, reason, i, i)
		if err := w.Write(ts+int64(i)*1e6, &monitor.SIPMessage{Src: a, Dst: b, Transport: "udp", Raw: []byte(raw)}); err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("SIP/2.0 %d %s", code, termsafe.Line(reason)))
	}
	// the clear screen, window title, clipboard and bare-CR overwrite of the review
	for i, s := range []string{"\x1b[2J\x1b[H", "\x1b]0;pwned\x07", "\x1b]52;c;ZXZpbA==\x07", "Busy\rFAKE 200 OK"} {
		code := 600 + i
		raw := fmt.Sprintf("SIP/2.0 %d %s\r\nCall-ID: x%d\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", code, s, i)
		if err := w.Write(ts+int64(200+i)*1e6, &monitor.SIPMessage{Src: a, Dst: b, Transport: "udp", Raw: []byte(raw)}); err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("SIP/2.0 %d %s", code, termsafe.Line(s)))
	}
	capPath := filepath.Join(dir, "hostile.pcap")
	if err := os.WriteFile(capPath, pcap.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "import", "--headless", "--sip-stat", "--db", filepath.Join(dir, "h.db"), capPath)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	if bad := rawControls(out); len(bad) > 0 {
		t.Errorf("import --sip-stat prints raw control characters %v:\n%q", bad, out)
	}
	for _, s := range want {
		if !strings.Contains(out, s) {
			t.Errorf("import --sip-stat does not list %q:\n%s", s, out)
		}
	}
}

// hostilePASSporT is an Identity header value whose claims and x5u hold
// bad (every control code point); the signature is junk, but the claims
// are read and printed all the same.
func hostilePASSporT(t *testing.T, bad string) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	hdr := enc(map[string]string{"alg": "ES256", "ppt": "shaken", "typ": "passport", "x5u": "https://cert.example/" + bad + ".pem"})
	claims := enc(map[string]any{
		"attest": "A" + bad,
		"dest":   map[string]any{"tn": []string{"15551230001" + bad}},
		"iat":    1740794400,
		"orig":   map[string]string{"tn": "15557650000" + bad},
		"origid": "id-" + bad,
	})
	sig := base64.RawURLEncoding.EncodeToString(make([]byte, 64))
	return hdr + "." + claims + "." + sig + ";info=<https://cert.example/" + url.PathEscape(bad) + ".pem>;alg=ES256;ppt=shaken"
}

// TestStirVerifyEscapesControls: stir verify prints what a PASSporT
// claims (attest, orig, dest, x5u, origid) and the verstat a request
// carries with every control character shown escaped.
func TestStirVerifyEscapesControls(t *testing.T) {
	var bad strings.Builder
	for _, r := range termsafe.Controls() {
		bad.WriteRune(r)
	}
	esc := termsafe.Line(bad.String())
	req := "INVITE sip:+15551230001@192.0.2.2 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n" +
		"From: <sip:+15557650000@192.0.2.1;user=phone>;tag=1\r\n" +
		"To: <sip:+15551230001@192.0.2.2>\r\n" +
		"P-Asserted-Identity: <tel:+15557650000;verstat=TN-Validation-Passed\x1b[2J\u202e>\r\n" +
		"Call-ID: s1\r\nCSeq: 1 INVITE\r\n" +
		"Identity: " + hostilePASSporT(t, bad.String()) + "\r\n" +
		"Content-Length: 0\r\n\r\n"
	path := filepath.Join(t.TempDir(), "invite.sip")
	if err := os.WriteFile(path, []byte(req), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "stir", "verify", "--offline", "--now", "2025-03-01T02:00:00Z", path)
	if code != 1 {
		t.Fatalf("stir verify: exit %d, want 1 (invalid): %s%s", code, out, errOut)
	}
	if bad := rawControls(out + errOut); len(bad) > 0 {
		t.Errorf("stir verify prints raw control characters %v:\n%q", bad, out+errOut)
	}
	for _, want := range []string{"A" + esc, "15557650000" + esc, "15551230001" + esc, "id-" + esc, "https://cert.example/" + esc + ".pem",
		`TN-Validation-Passed\x1b[2J\u202e`} {
		if !strings.Contains(out, want) {
			t.Errorf("stir verify does not show %q:\n%s", want, out)
		}
	}
	// --json: encoding/json escapes C0 only; the rest are \uXXXX too
	code, out, errOut = runCLI(t, "stir", "verify", "--json", "--offline", "--now", "2025-03-01T02:00:00Z", path)
	if code != 1 {
		t.Fatalf("stir verify --json: exit %d, want 1 (invalid): %s%s", code, out, errOut)
	}
	if bad := rawControls(out); len(bad) > 0 {
		t.Errorf("stir verify --json prints raw control characters %v:\n%q", bad, out)
	}
}

// TestErrorsEscapeControls: an error the command ends with may quote a
// peer's answer (here a routing API's JSON-RPC error): it is printed with
// its control characters escaped.
func TestErrorsEscapeControls(t *testing.T) {
	var bad strings.Builder
	for _, r := range termsafe.Controls() {
		bad.WriteRune(r)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": 1, "error": map[string]any{"code": 403, "message": "denied " + bad.String()}})
	}))
	defer srv.Close()
	dir := t.TempDir()
	toml := filepath.Join(dir, "cutover.toml")
	cfg := "name = \"t\"\n[[trunks]]\nname = \"legacy\"\nrole = \"legacy\"\naddrs = [\"192.0.2.10\"]\n[[trunks]]\nname = \"new\"\nrole = \"new\"\naddrs = [\"203.0.113.10\"]\n" +
		"[actions.outbound]\nbackend = \"htable\"\n  [actions.outbound.htable]\n  url = \"" + srv.URL + "/RPC\"\n  table = \"outbound\"\n  values = { legacy = \"1\", new = \"2\" }\n"
	if err := os.WriteFile(toml, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "act", "outbound", "+14155550101", "--to", "new", "-c", toml, "--db", filepath.Join(dir, "n.db"), "--yes")
	if code != 1 || !strings.Contains(errOut, "denied "+termsafe.Line(bad.String())) {
		t.Errorf("act: exit %d, stderr %q", code, errOut)
	}
	if bad := rawControls(out + errOut); len(bad) > 0 {
		t.Errorf("act prints raw control characters %v:\n%q", bad, out+errOut)
	}
}
