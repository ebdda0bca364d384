// Package termsafe makes text that came from the network safe to put on a
// terminal. A SIP reason phrase, a header, a PASSporT claim or a URL is
// whatever a caller chose to send: left raw, an escape sequence in it
// could clear the screen, set the window title (OSC 0), write to the
// clipboard (OSC 52), overwrite a line with a bare CR, or reorder what the
// operator reads with a bidi override (U+202E). Every terminal path, the
// CLI's and the screen's, passes such text through Line or Text.
//
// Nothing is dropped: a control character is shown as its escape (\x1b,
// \u009b, \u202e), so the operator sees that the sender put it there.
package termsafe

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Line renders s for one line of a terminal: every C0 and C1 control
// character (newline and tab included), DEL, a bidi control and a byte
// that is not UTF-8 is shown escaped. Text without any comes back as it is,
// without a copy.
func Line(s string) string { return render(s, false) }

// Text is Line for text of several lines, such as a whole SIP message:
// newlines stay, CR before a newline goes (SIP lines end in CRLF), and a
// tab becomes a space. Any other control character is shown escaped, a
// bare CR included.
func Text(s string) string { return render(s, true) }

func render(s string, multiline bool) string {
	i := firstUnsafe(s, multiline)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case multiline && c == '\n':
				b.WriteByte('\n')
			case multiline && c == '\r' && i+1 < len(s) && s[i+1] == '\n':
				// CRLF: the newline follows
			case multiline && c == '\t':
				b.WriteByte(' ')
			case c < 0x20 || c == 0x7f:
				b.WriteString(`\x`)
				b.WriteString(hex2(c))
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case unsafeRune(r):
			b.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(strings.Repeat("0", 4-len(h)))
			b.WriteString(h)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe is the index of the first byte render must change, or len(s).
func firstUnsafe(s string, multiline bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				if !multiline || c != '\n' {
					return i
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			return i
		}
		i += size
	}
	return len(s)
}

// unsafeRune: a C1 control, or a character that changes the direction or
// order of what follows (Unicode bidi controls, UAX #9 §2).
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1: CSI (U+009B) and OSC (U+009D) among them
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f: // ALM, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return false
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}

// IsControl says whether a terminal could obey r rather than show it: a C0
// or C1 control, DEL, or a bidi control.
func IsControl(r rune) bool { return r < 0x20 || r == 0x7f || unsafeRune(r) }

// Controls lists every code point IsControl reports, for tests that feed
// them all through an output path.
func Controls() []rune {
	var rs []rune
	for r := rune(0); r <= 0x206f; r++ {
		if IsControl(r) {
			rs = append(rs, r)
		}
	}
	return rs
}

// JSON makes encoding/json's output safe for a terminal without changing
// what it decodes to: encoding/json escapes C0 controls but writes DEL, C1
// controls and bidi controls raw, and here each becomes a \uXXXX escape.
// They can only occur inside JSON strings, where the escape means the same
// character. b must be JSON (an encoder's output).
func JSON(b []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				out = append(append(out, b[last:i]...), `\u007f`...)
				last = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if unsafeRune(r) {
			h := strconv.FormatInt(int64(r), 16)
			out = append(append(out, b[last:i]...), `\u`...)
			out = append(append(out, strings.Repeat("0", 4-len(h))...), h...)
			last = i + size
		}
		i += size
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// JSONWriter is w with JSON applied to each write: wrap an encoder's
// writer with it (json.NewEncoder(termsafe.JSONWriter{W: w})). An
// encoder writes whole values, so no character is split between writes.
type JSONWriter struct{ W io.Writer }

func (j JSONWriter) Write(p []byte) (int, error) {
	if _, err := j.W.Write(JSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
