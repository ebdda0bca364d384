package sipparse

import "encoding/json"

// The attest claim of a PASSporT read without encoding/json, for the
// plain JSON signers write: an object of string (without escapes),
// integer, true, false and null values, objects and arrays, nested at
// most maxClaimDepth deep. Anything else (an escape, a fraction, a key
// that is not ASCII, an attest that is not a plain string) is left to
// json.Unmarshal. FuzzClaimAttestAgrees holds the two to one answer.

// maxClaimDepth bounds the nesting the fast reading follows.
const maxClaimDepth = 16

// claimAttest is the attest claim ("A", "B", "C", or "") of a PASSporT's
// decoded claims, as jsonAttest reads it.
func claimAttest(claims []byte) string {
	if a, ok := plainClaimAttest(claims); ok {
		return a
	}
	return jsonAttest(claims)
}

// jsonAttest reads the attest claim with encoding/json.
func jsonAttest(claims []byte) string {
	var c struct {
		Attest string `json:"attest"`
	}
	if json.Unmarshal(claims, &c) != nil {
		return ""
	}
	return attestLevel(c.Attest)
}

// attestLevel is a, when it is a level, without keeping a's memory.
func attestLevel[T string | []byte](a T) string {
	switch string(a) {
	case "A":
		return "A"
	case "B":
		return "B"
	case "C":
		return "C"
	}
	return ""
}

// plainClaimAttest reads claims of the plain shape; ok is false for any
// other (valid JSON or not).
func plainClaimAttest(claims []byte) (attest string, ok bool) {
	s := claimScan{b: claims}
	s.space()
	if !s.at('{') || !s.object(0, true) {
		return "", false
	}
	if s.space(); s.i != len(s.b) {
		return "", false
	}
	return attestLevel(s.attest), true
}

// claimScan is the state of one plain reading.
type claimScan struct {
	b      []byte
	i      int
	attest []byte // the last top-level attest's value
}

func (s *claimScan) at(c byte) bool { return s.i < len(s.b) && s.b[s.i] == c }

func (s *claimScan) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// object reads {...} (s is at '{'). At the top level a key that is
// "attest" in any ASCII case (json matches keys so) takes a plain string.
func (s *claimScan) object(depth int, top bool) bool {
	s.i++
	if s.space(); s.at('}') {
		s.i++
		return true
	}
	for {
		s.space()
		if !s.at('"') {
			return false
		}
		key, ok := s.str()
		if !ok {
			return false
		}
		if s.space(); !s.at(':') {
			return false
		}
		s.i++
		s.space()
		switch {
		case !top:
			ok = s.value(depth + 1)
		case !asciiOnly(key): // json folds Unicode: "atteſt" is attest too
			return false
		case len(key) == len("attest") && asciiEqualFold(key, "attest"):
			if !s.at('"') {
				return false
			}
			s.attest, ok = s.str()
		default:
			ok = s.value(depth + 1)
		}
		if !ok {
			return false
		}
		switch s.space(); {
		case s.at(','):
			s.i++
		case s.at('}'):
			s.i++
			return true
		default:
			return false
		}
	}
}

func (s *claimScan) array(depth int) bool {
	s.i++
	if s.space(); s.at(']') {
		s.i++
		return true
	}
	for {
		s.space()
		if !s.value(depth + 1) {
			return false
		}
		switch s.space(); {
		case s.at(','):
			s.i++
		case s.at(']'):
			s.i++
			return true
		default:
			return false
		}
	}
}

func (s *claimScan) value(depth int) bool {
	if depth > maxClaimDepth || s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{':
		return s.object(depth, false)
	case c == '[':
		return s.array(depth)
	case c == '-' || c >= '0' && c <= '9':
		return s.integer()
	case c == 't':
		return s.word("true")
	case c == 'f':
		return s.word("false")
	case c == 'n':
		return s.word("null")
	}
	return false
}

// str reads a string without escapes or control characters (s is at
// '"') and returns what is between the quotes.
func (s *claimScan) str() ([]byte, bool) {
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			v := s.b[s.i+1 : j]
			s.i = j + 1
			return v, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// integer reads -?(0|[1-9][0-9]*) not followed by a fraction or exponent.
func (s *claimScan) integer() bool {
	if s.at('-') {
		s.i++
	}
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n := s.i - start
	if n == 0 || n > 1 && s.b[start] == '0' {
		return false
	}
	return !s.at('.') && !s.at('e') && !s.at('E')
}

func (s *claimScan) word(w string) bool {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return false
	}
	s.i += len(w)
	return true
}

func asciiOnly(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
