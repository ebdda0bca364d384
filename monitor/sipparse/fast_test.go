package sipparse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipmsg"
)

// agree checks the fast path against sipgo's whole-message parse on one
// message: where the fast path answers, sipgo must parse the message and
// give the same Info; Parse must give sipgo's verdict either way.
func agree(t testing.TB, raw []byte) (fastOK bool) {
	t.Helper()
	want, wantErr := full(raw)
	if !looksLikeSIP(raw) {
		if _, err := Parse(raw); !errors.Is(err, ErrNotSIP) {
			t.Fatalf("%q: Parse %v, want ErrNotSIP", raw, err)
		}
		return false
	}
	got, ok := fast(raw)
	if ok {
		if wantErr != nil {
			t.Fatalf("%q: the fast path parsed what sipgo refuses (%v): %+v", raw, wantErr, got)
		}
		if *got != *want {
			t.Fatalf("%q:\nfast  %+v\nsipgo %+v", raw, *got, *want)
		}
	}
	info, err := Parse(raw)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("%q: Parse error %v, sipgo %v", raw, err, wantErr)
	}
	if err == nil && *info != *want {
		t.Fatalf("%q: Parse %+v, sipgo %+v", raw, *info, *want)
	}
	into := sipmsg.Info{CallID: "left"}
	if err := ParseInto(raw, &into); (err == nil) != (wantErr == nil) || err == nil && into != *want || err != nil && into.CallID != "left" {
		t.Fatalf("%q: ParseInto %+v (%v), sipgo %+v (%v)", raw, into, err, want, wantErr)
	}
	return ok
}

// TestFastPathAgreesOnTheNight: every SIP message of a simulated night
// (every kind the fold sees: INVITE to BYE, REGISTER, OPTIONS, STIR
// Identity, P-Asserted-Identity) parses the same through the fast path
// and through sipgo, and the fast path takes all but REGISTER 2xx.
func TestFastPathAgreesOnTheNight(t *testing.T) {
	o := sim.DefaultOptions()
	o.Numbers = 300
	night := sim.New(o)
	n, taken, regOK := 0, 0, 0
	for {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if ev.Kind != monitor.KindSIP || ev.SIP == nil {
			continue
		}
		n++
		if agree(t, ev.SIP.Raw) {
			taken++
		} else if info, err := full(ev.SIP.Raw); err == nil && !info.Request && info.Method == "REGISTER" && info.Code/100 == 2 {
			regOK++
		}
	}
	if n < 1000 {
		t.Fatalf("only %d SIP messages in the night", n)
	}
	if taken+regOK != n {
		t.Fatalf("the fast path took %d of %d messages (%d REGISTER 2xx left to sipgo)", taken, n, regOK)
	}
	t.Logf("%d messages, %d through the fast path", n, taken)
}

// TestFastPathAgreesOnFiles: the SIP messages kept in testdata (the STIR
// test vectors) and the fuzz corpus.
func TestFastPathAgreesOnFiles(t *testing.T) {
	files, _ := filepath.Glob("../stir/testdata/*.sip")
	more, _ := filepath.Glob("../stir/testdata/*/*.sip")
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no SIP messages in ../stir/testdata")
	}
	taken := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if agree(t, raw) {
			taken++
		}
	}
	if taken == 0 {
		t.Fatalf("the fast path took none of %d files", len(files))
	}
}

// TestFastPathLeavesToSipgo: what the fast path must not decide alone.
func TestFastPathLeavesToSipgo(t *testing.T) {
	const head = "INVITE sip:+15550100001@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK1\r\n" +
		"From: <sip:+15550199999@192.0.2.2>;tag=a\r\nTo: <sip:+15550100001@192.0.2.1>\r\nCall-ID: s1\r\nCSeq: 1 INVITE\r\n"
	for name, raw := range map[string]string{
		"folded header":       head + "Subject: a\r\n b\r\nContent-Length: 0\r\n\r\n",
		"no Call-ID":          "INVITE sip:a@b SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n",
		"short body":          head + "Content-Length: 10\r\n\r\nabc",
		"bad Via":             "INVITE sip:a@b SIP/2.0\r\nVia: x\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
		"bare LF":             "INVITE sip:a@b SIP/2.0\nCall-ID: c\nCSeq: 1 INVITE\n\n",
		"code out of range":   "SIP/2.0 099 Odd\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
		"REGISTER 2xx":        "SIP/2.0 200 OK\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nContact: <sip:a@b>;expires=60\r\n\r\n",
		"bad Content-Length":  head + "Content-Length: x\r\n\r\n",
		"CSeq without method": "INVITE sip:a@b SIP/2.0\r\nCall-ID: c\r\nCSeq: 1\r\n\r\n",
	} {
		if _, ok := fast([]byte(raw)); ok {
			t.Errorf("%s: the fast path decided alone", name)
		}
		agree(t, []byte(raw))
	}
	var zero sipmsg.Info
	if info, ok := fast([]byte(head + "Content-Length: 0\r\n\r\n")); !ok || *info == zero {
		t.Fatalf("a plain INVITE left to sipgo: %v", info)
	}
}

// FuzzFastPathAgrees holds the fast path to sipgo's answer on any bytes
// (corpus in testdata/fuzz/FuzzFastPathAgrees: the night's kinds of
// message, STIR INVITEs, and sipgo's torture messages).
func FuzzFastPathAgrees(f *testing.F) {
	f.Add([]byte("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\nFrom: \"A\" <sip:+15551230001@192.0.2.1>;tag=1\r\n" +
		"To: <sip:+15551230002@192.0.2.2>;tag=2\r\nCall-ID: abc\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		agree(t, raw)
	})
}

// BenchmarkParse is Parse (the fast path, sipgo for what it leaves) against
// sipgo's whole message, on the simulated night's messages in turn.
func BenchmarkParse(b *testing.B) {
	o := sim.DefaultOptions()
	o.Numbers = 2000
	night := sim.New(o)
	var raws [][]byte
	for len(raws) < 20_000 {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if ev.Kind == monitor.KindSIP && ev.SIP != nil {
			raws = append(raws, ev.SIP.Raw)
		}
	}
	for _, c := range []struct {
		name  string
		parse func([]byte) (*sipmsg.Info, error)
	}{{"fast", Parse}, {"sipgo", full}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := c.parse(raws[i%len(raws)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// TestPlainHeadersAgree: From, To and Via shapes near the edge of what
// the fast path reads itself (fastaddr.go) give sipgo's answer.
func TestPlainHeadersAgree(t *testing.T) {
	const rest = "Call-ID: x1\r\nCSeq: 5 INVITE\r\nContent-Length: 0\r\n\r\n"
	for _, h := range []string{
		"From: <sip:+15551230001@192.0.2.1>;tag=a;tag=b",
		"From: <sip:+15551230001@192.0.2.1>;tag=",
		"From: \"Alice Smith\" <sip:alice@example.com:5061;user=phone;verstat=TN-Validation-Passed>;tag=9",
		"From: Alice <sip:+1555;npdi;rn=+1556@h>;tag=1",
		"From: sip:+15551230001@192.0.2.1;tag=bare",
		"From: sip:+15551230001@192.0.2.1",
		"From: SIP:+15551230001@192.0.2.1;tag=up",
		"From: <sip:bob@h>tag=nosemi",
		"From: <sip:bob@h>;;tag=x;",
		"From: \"A;B\" <sip:a@h>;tag=q",
		"From: x\"A\" <sip:a@h>;tag=q",
		"From: <sip:a:pw@h>;tag=p",
		"From: <sip:a@[2001:db8::1]>;tag=6",
		"From: <tel:+15551230001>;tag=t",
		"From: <sip:a@h?Subject=x>;tag=h",
		"From: <sip:a@h:99999999>;tag=port",
		"To: <sip:+15551230002@198.51.100.2>",
		"To: <sip:+15551230002@198.51.100.2>;tag=z;x",
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport",
		"Via: SIP/2.0/TCP h;rport;branch=z9hG4bK2;branch=z9hG4bK3",
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK4, SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK5",
		"Via: SIP/2.0/UDP  192.0.2.1;branch=two-spaces",
		"Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=v6",
		"Via: SIP/2.0/UDP h:x;branch=badport",
		"v: SIP/2.0/UDP h;branch=compact\r\nVia: SIP/2.0/UDP h2;branch=second",
		"f: <sip:c@h>;tag=compact\r\nFrom: <sip:d@h>;tag=last",
		"Contact: <sip:+15551230001@192.0.2.1:5060;transport=udp>",
		"Contact: \"A\" <sip:a@h>;expires=60;q=0.5",
		"m: sip:a@h;expires=60",
		"Contact: *",
		"Contact: <sip:a@h>, <sip:b@h>",
		"Contact: <sip:a@h>,",
		"Contact: <sip:a,b@h>",
		"Contact: <sip:a@h>;x=\"q,r\"",
		"Contact: <sip:a@[2001:db8::1]>",
		"Contact: <tel:+15551230001>",
		"Contact: <sip:a@h",
		"Contact: ",
	} {
		raw := "INVITE sip:+15551230002@198.51.100.2 SIP/2.0\r\n" + h + "\r\n" + rest
		agree(t, []byte(raw))
	}
}

// TestPlainRequestLineAgrees: request URIs near the edge of what the fast
// path reads itself (plainURI), methods and reason phrases it does not
// copy, and CSeq shapes, give sipgo's answer.
func TestPlainRequestLineAgrees(t *testing.T) {
	const rest = "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x1\r\nCSeq: 5 %s\r\nContent-Length: 0\r\n\r\n"
	for _, line := range []string{
		"INVITE sip:+15551230002@198.51.100.2 SIP/2.0",
		"INVITE sip:+15551230002@198.51.100.2:5080;user=phone SIP/2.0",
		"invite sip:bob@h SIP/2.0",
		"Invite sip:bob@h;transport=tcp;lr SIP/2.0",
		"FOO sip:bob@h SIP/2.0",
		"OPTIONS sip:h SIP/2.0",
		"OPTIONS sip:h:5060 SIP/2.0",
		"INVITE sips:bob@h SIP/2.0",
		"INVITE SIP:bob@h SIP/2.0",
		"INVITE sip:bob@h?Subject=x SIP/2.0",
		"INVITE sip:bob@[2001:db8::1]:5060 SIP/2.0",
		"INVITE sip:bob:pw@h SIP/2.0",
		"INVITE sip:+1555;npdi;rn=+1556@h;user=phone SIP/2.0",
		"INVITE sip:bob@h;;x SIP/2.0",
		"INVITE sip:bob@h;x=\"q\" SIP/2.0",
		"INVITE sip:@h SIP/2.0",
		"INVITE tel:+15551230002 SIP/2.0",
		"INVITE * SIP/2.0",
		"SIP/2.0 200 OK",
		"SIP/2.0 183 Session Progress",
		"SIP/2.0 100 trying",
		"SIP/2.0 486 Busy Here",
	} {
		for _, cseq := range []string{"INVITE", "BYE", "invite", "FOO", " INVITE"} {
			raw := line + "\r\n" + fmt.Sprintf(rest, cseq)
			agree(t, []byte(raw))
		}
	}
}
