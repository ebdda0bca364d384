package termsafe

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLineEscapesWhatATerminalWouldObey(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Service Unavailable", "Service Unavailable"},
		{"Überlastet", "Überlastet"},
		{"\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},                         // clear screen
		{"\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},                   // OSC 0: window title
		{"\x1b]52;c;ZXZpbA==\x07", `\x1b]52;c;ZXZpbA==\x07`},       // OSC 52: clipboard
		{"Busy\rFAKE 200 OK", `Busy\x0dFAKE 200 OK`},               // bare CR overwrites the line
		{"a\nb\tc\x7f", `a\x0ab\x09c\x7f`},                         // newline, tab, DEL
		{"\u009b31m", `\u009b31m`},                                 // C1 CSI
		{"evil\u202etxt.exe", `evil\u202etxt.exe`},                 // RLO
		{"\u2066x\u2069\u200f\u061c", `\u2066x\u2069\u200f\u061c`}, // isolates, RLM, ALM
		{"bad\xffutf8", `bad\xffutf8`},                             // not UTF-8
	}
	for _, c := range cases {
		if got := Line(c.in); got != c.want {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTextKeepsLinesOnly(t *testing.T) {
	in := "SIP/2.0 486 Busy\r\nVia: x\r\nX-Evil: a\rb\x1b[31m\tc\r\n\r\n"
	want := "SIP/2.0 486 Busy\nVia: x\nX-Evil: a\\x0db\\x1b[31m c\n\n"
	if got := Text(in); got != want {
		t.Fatalf("Text = %q, want %q", got, want)
	}
}

func TestCleanTextIsNotCopied(t *testing.T) {
	s := "INVITE sip:+15551234567@example.com SIP/2.0"
	if n := testing.AllocsPerRun(100, func() { _ = Line(s) }); n != 0 {
		t.Fatalf("Line of clean text allocates %.0f times", n)
	}
}

// TestEveryControlCodePoint feeds every C0 and C1 control, DEL and every
// bidi control through Line and Text: none comes out raw.
func TestEveryControlCodePoint(t *testing.T) {
	for _, r := range Controls() {
		s := "a" + string(r) + "b"
		for name, f := range map[string]func(string) string{"Line": Line, "Text": Text} {
			out := f(s)
			if name == "Text" && (r == '\n' || r == '\t') {
				continue
			}
			if strings.ContainsRune(out, r) {
				t.Errorf("%s(%q) = %q keeps U+%04X raw", name, s, out, r)
			}
		}
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "ok", "\x1b[2J", "a\r\nb", "\u202e", "\xff\xfe", "\u009b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, out := range map[string]string{"Line": Line(s), "Text": Text(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q is not UTF-8", name, s, out)
			}
			for _, r := range out {
				if r == '\n' && name == "Text" {
					continue
				}
				if IsControl(r) {
					t.Fatalf("%s(%q) = %q keeps U+%04X", name, s, out, r)
				}
			}
			if firstUnsafe(s, name == "Text") == len(s) && out != s {
				t.Fatalf("%s changed clean text %q to %q", name, s, out)
			}
		}
	})
}

// JSON escapes what encoding/json leaves raw and still decodes to the
// same string.
func TestJSONEscapesWhatTheEncoderLeaves(t *testing.T) {
	var in strings.Builder
	for _, r := range Controls() {
		in.WriteString("a" + string(r))
	}
	in.WriteString("é€😀")
	var buf strings.Builder
	if err := json.NewEncoder(JSONWriter{W: &buf}).Encode(map[string]string{"reason": in.String()}); err != nil {
		t.Fatal(err)
	}
	for _, r := range buf.String() {
		if r != '\n' && IsControl(r) {
			t.Fatalf("U+%04X raw in %q", r, buf.String())
		}
	}
	var back map[string]string
	if err := json.Unmarshal([]byte(buf.String()), &back); err != nil || back["reason"] != in.String() {
		t.Fatalf("decodes to %q (%v), want %q", back["reason"], err, in.String())
	}
}
