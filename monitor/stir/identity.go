package stir

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadIdentity is wrapped by every error ParseIdentity returns.
var ErrBadIdentity = errors.New("malformed Identity header")

// Identity is one parsed Identity header value (RFC 8224 §4):
// a PASSporT in JWS compact serialisation followed by parameters.
type Identity struct {
	Raw     string // the value as received, unfolded
	Token   string // header.claims.signature (header and claims empty in compact form)
	Compact bool   // the compact PASSporT form "..signature" (RFC 8225 §7)
	Info    string // the URI inside info=<...>, "" when absent
	Alg     string // alg parameter, "" when absent
	Ppt     string // ppt parameter, "" when absent

	// Params holds every parameter by lower-case name, unquoted and with
	// angle brackets removed (info, alg, ppt and any extension).
	Params map[string]string
}

// splitList splits a header value on commas outside angle brackets and
// quotes, unfolding and trimming each element and dropping blank ones.
func splitList(value string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(value); i++ {
		switch c := value[i]; {
		case c == '"' && (i == 0 || value[i-1] != '\\'):
			quoted = !quoted
		case quoted:
		case c == '<':
			depth++
		case c == '>' && depth > 0:
			depth--
		case c == ',' && depth == 0:
			out = appendNonBlank(out, value[start:i])
			start = i + 1
		}
	}
	return appendNonBlank(out, value[start:])
}

func appendNonBlank(out []string, s string) []string {
	if s = strings.TrimSpace(unfold(s)); s != "" {
		out = append(out, s)
	}
	return out
}

// unfold removes line folding (CRLF followed by whitespace) and stray line breaks.
func unfold(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", "", "\r", "", "\n", "").Replace(s)
}

// ParseIdentity parses one Identity header value. It accepts both PASSporT
// forms, quoted or bare parameter values, and tolerates folding whitespace
// inside the token. It never panics.
func ParseIdentity(value string) (Identity, error) {
	id := Identity{Raw: strings.TrimSpace(unfold(value))}
	tok, params, _ := strings.Cut(id.Raw, ";")
	tok = strings.Join(strings.Fields(tok), "")
	if tok == "" {
		return id, fmt.Errorf("%w: empty PASSporT", ErrBadIdentity)
	}
	if err := checkToken(tok); err != nil {
		return id, err
	}
	id.Token = tok
	id.Compact = strings.HasPrefix(tok, "..")
	p, err := parseParams(params)
	if err != nil {
		return id, err
	}
	id.Params = p
	id.Info, id.Alg, id.Ppt = p["info"], p["alg"], p["ppt"]
	return id, nil
}

// checkToken insists on three base64url segments: all non-empty (full
// form) or only the signature (compact form).
func checkToken(tok string) error {
	for i := 0; i < len(tok); i++ {
		if !isB64URL(tok[i]) && tok[i] != '.' {
			return fmt.Errorf("%w: character %q in PASSporT", ErrBadIdentity, tok[i])
		}
	}
	seg := strings.Split(tok, ".")
	if len(seg) != 3 {
		return fmt.Errorf("%w: PASSporT has %d segments, want 3", ErrBadIdentity, len(seg))
	}
	switch {
	case seg[2] == "":
		return fmt.Errorf("%w: PASSporT has no signature", ErrBadIdentity)
	case seg[0] == "" && seg[1] == "":
		return nil // compact form
	case seg[0] == "" || seg[1] == "":
		return fmt.Errorf("%w: PASSporT has an empty header or claims segment", ErrBadIdentity)
	}
	return nil
}

func isB64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// parseParams reads ";name=value" pairs; values may be <uri>, "quoted" or tokens.
func parseParams(s string) (map[string]string, error) {
	out := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; {
		var item string
		item, s = nextParam(s)
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, hasVal := strings.Cut(item, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" || strings.ContainsAny(name, " \t<>\"") {
			return nil, fmt.Errorf("%w: bad parameter %q", ErrBadIdentity, item)
		}
		v, err := paramValue(strings.TrimSpace(val), hasVal)
		if err != nil {
			return nil, fmt.Errorf("%w: parameter %s: %v", ErrBadIdentity, name, err)
		}
		if _, dup := out[name]; !dup {
			out[name] = v
		}
	}
	return out, nil
}

// nextParam returns the text up to the next ';' outside <> and quotes.
func nextParam(s string) (item, rest string) {
	inURI, quoted := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"' && !inURI:
			quoted = !quoted
		case quoted:
		case c == '<':
			inURI = true
		case c == '>':
			inURI = false
		case c == ';' && !inURI:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func paramValue(v string, hasVal bool) (string, error) {
	switch {
	case !hasVal:
		return "", nil
	case strings.HasPrefix(v, "<"):
		if len(v) < 2 || !strings.HasSuffix(v, ">") {
			return "", errors.New("unterminated <URI>")
		}
		return strings.TrimSpace(v[1 : len(v)-1]), nil
	case strings.HasPrefix(v, `"`):
		if len(v) < 2 || !strings.HasSuffix(v, `"`) || strings.HasSuffix(v, `\"`) && !strings.HasSuffix(v, `\\"`) {
			return "", errors.New("unterminated quoted string")
		}
		return unquote(v[1 : len(v)-1]), nil
	case strings.ContainsAny(v, "<>\" \t"):
		return "", fmt.Errorf("bad value %q", v)
	}
	return v, nil
}

func unquote(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
