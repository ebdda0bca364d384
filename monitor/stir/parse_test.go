package stir

import (
	"errors"
	"strings"
	"testing"
)

func TestParseIdentityForms(t *testing.T) {
	id, err := ParseIdentity(lssIdentity)
	if err != nil {
		t.Fatal(err)
	}
	if id.Compact || id.Info != lssX5U || id.Alg != "ES256" || id.Ppt != "shaken" || strings.Count(id.Token, ".") != 2 {
		t.Fatalf("full form: %+v", id)
	}
	// Compact PASSporT, quoted ppt, folded over two lines, extension parameter.
	id, err = ParseIdentity("..rq3pjT1hoRwakEGjHCnWSwUnshd0-zJ6F1VOgFWSjHBr8Qjpjlk-cpFYpFYsojNCpTzO3QfPOlckGaS6hEck7w;\r\n info=<https://cert.example.org/passport.cer>;ppt=\"shaken\";x-foo")
	if err != nil {
		t.Fatal(err)
	}
	if !id.Compact || id.Ppt != "shaken" || id.Info != "https://cert.example.org/passport.cer" {
		t.Fatalf("compact form: %+v", id)
	}
	if _, ok := id.Params["x-foo"]; !ok {
		t.Fatalf("extension parameter lost: %v", id.Params)
	}
	if _, err := DecodePASSporT(id.Token); !errors.Is(err, ErrCompact) {
		t.Fatalf("compact decode: %v", err)
	}
	for _, bad := range []string{"", ";info=<x>", "a.b", "a..c", "a.b.", "a+b.c.d", "a.b.c;info=<https://x", `a.b.c;ppt="shaken`} {
		if _, err := ParseIdentity(bad); !errors.Is(err, ErrBadIdentity) {
			t.Errorf("ParseIdentity(%q) = %v, want ErrBadIdentity", bad, err)
		}
	}
}

func TestSplitIdentities(t *testing.T) {
	got := splitList(lssIdentity + " , " + strings.Replace(lssIdentity, "ppt=shaken", `ppt="div"`, 1))
	if len(got) != 2 || !strings.HasSuffix(got[1], `ppt="div"`) {
		t.Fatalf("split: %q", got)
	}
}

func TestDecodeRFC8588Example(t *testing.T) {
	hdr := b64(`{"alg":"ES256","typ":"passport","ppt":"shaken","x5u":"https://cert.example.org/passport.cer"}`)
	claims := b64(`{"attest":"A","dest":{"tn":["12155550131"]},"iat":1443208345,"orig":{"tn":"12155550121"},"origid":"123e4567-e89b-12d3-a456-426655440000"}`)
	p, err := DecodePASSporT(hdr + "." + claims + ".c2ln")
	if err != nil {
		t.Fatal(err)
	}
	if p.Attest != "A" || p.OrigTN != "12155550121" || p.DestTN[0] != "12155550131" || p.Iat != 1443208345 || p.X5U == "" || p.CheckSHAKEN() != nil {
		t.Fatalf("decoded %+v", p)
	}
	// iat as a string (erratum 6656) and dest.tn not an array are refused.
	for _, c := range []string{`{"iat":"1443208345"}`, `{"dest":{"tn":"1"}}`, `{"orig":"{\"tn\":\"1\"}"}`} {
		if _, err := DecodePASSporT(hdr + "." + b64(c) + ".c2ln"); !errors.Is(err, ErrBadPASSporT) {
			t.Errorf("%s: %v", c, err)
		}
	}
}

func TestVerstat(t *testing.T) {
	cases := map[string]Verstat{
		"TN-Validation-Passed":             {Status: "passed"},
		"TN-Validation-Passed-B":           {Status: "passed", Attest: "B"},
		"TN-Validation-Failed-C":           {Status: "failed", Attest: "C"},
		"No-TN-Validation":                 {Status: "none"},
		"TN-Validation-Passed-A-Diverted":  {Status: "passed", Attest: "A"},
		"tn-validation-passed-passthrough": {Status: "passed"},
		"Bogus":                            {},
	}
	for in, want := range cases {
		got := ParseVerstat(in)
		if got.Status != want.Status || got.Attest != want.Attest {
			t.Errorf("%s: %+v", in, got)
		}
	}
}

func TestRequestVerstatPriority(t *testing.T) {
	raw := "INVITE sip:+15557654321@pbx.example SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n" +
		"From: <sip:+15551230001@carrier.example;verstat=No-TN-Validation>;tag=1\r\n" +
		"To: <sip:+15557654321@pbx.example>\r\n" +
		"P-Asserted-Identity: <sip:+15551230001;verstat=TN-Validation-Failed@carrier.example;user=phone>, <tel:+15551230001;verstat=TN-Validation-Passed-B>\r\n" +
		"Call-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	req, err := ParseRequest([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if req.Verstat == nil || req.Verstat.Status != "passed" || req.Verstat.Attest != "B" || req.Verstat.Source != "pai-tel" {
		t.Fatalf("verstat %+v", req.Verstat)
	}
	if len(req.PAIUsers) != 2 || req.FromUser != "+15551230001" || req.RURIUser != "+15557654321" {
		t.Fatalf("request %+v", req)
	}
	if _, err := ParseRequest([]byte("SIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n")); !errors.Is(err, ErrNotRequest) {
		t.Fatalf("response: %v", err)
	}
}

func TestCanonicalTN(t *testing.T) {
	for in, want := range map[string]string{"+1 (555) 123-0001": "15551230001", "15551230001;npdi": "15551230001", "*72#": "*72#", "alice": "", "1+2": ""} {
		if got := CanonicalTN(in); got != want {
			t.Errorf("CanonicalTN(%q) = %q, want %q", in, got, want)
		}
	}
	if !sameTN("5551230001", "+15551230001", "1") || sameTN("5551230001", "+15551230001", "") {
		t.Fatal("country code matching")
	}
}
