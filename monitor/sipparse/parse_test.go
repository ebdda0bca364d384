package sipparse

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	if _, err := Parse([]byte("\x02\x00HEP3 garbage")); !errors.Is(err, ErrNotSIP) {
		t.Fatalf("garbage: %v, want ErrNotSIP", err)
	}
	ok := "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\nFrom: <sip:pbx@192.0.2.1>;tag=a\r\n" +
		"To: <sip:pbx@198.51.100.10>;tag=b\r\nCall-ID: r1\r\nCSeq: 2 REGISTER\r\nContact: <sip:pbx@192.0.2.1>;expires=600\r\nContent-Length: 0\r\n\r\n"
	info, err := Parse([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if info.Request || info.Code != 200 || info.Method != "REGISTER" || info.CSeq != 2 || info.Branch != "z9hG4bK1" ||
		info.FromTag != "a" || info.ToTag != "b" || info.Expires != 600 {
		t.Fatalf("%+v", info)
	}
	pai, verstat := paiUser(`"Alice" <sip:+15551230001;verstat=TN-Validation-Passed@host;user=phone>`)
	if pai != "+15551230001" || verstat != "TN-Validation-Passed" {
		t.Fatalf("paiUser: %q %q", pai, verstat)
	}
}

// TestParseSweepHeader: a sweep's INVITE names its sweep; a value that is
// not an ID the prober would set (control bytes, too long) is dropped.
func TestParseSweepHeader(t *testing.T) {
	for value, want := range map[string]string{
		"sw-20261206-0100.a_1":  "sw-20261206-0100.a_1",
		"  sw1 ":                "sw1",
		"sw1\x1b[31m":           "",
		"has space":             "",
		strings.Repeat("x", 65): "",
	} {
		raw := "INVITE sip:+15550100001@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK1\r\n" +
			"From: <sip:+15550199999@192.0.2.2>;tag=a\r\nTo: <sip:+15550100001@192.0.2.1>\r\nCall-ID: s1\r\nCSeq: 1 INVITE\r\n" +
			"X-Cutover-Sweep: " + value + "\r\nContent-Length: 0\r\n\r\n"
		info, err := Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if info.Sweep != want {
			t.Errorf("header %q: Sweep %q, want %q", value, info.Sweep, want)
		}
	}
}

// TestParseContactExpiresNotUTF8: a REGISTER 2xx whose Contact holds a byte
// that is not UTF-8 before its expires parameter parses (it panicked: the
// offset was found in the lowered copy, whose length differs).
func TestParseContactExpiresNotUTF8(t *testing.T) {
	raw := "SIP/2.0 200 OK\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\nContact: <sip:a\xff@b>;eXpires=120\r\n\r\n"
	info, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if info.Expires != 120 {
		t.Fatalf("Expires %d, want 120", info.Expires)
	}
}
