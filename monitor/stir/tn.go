package stir

import "strings"

// CanonicalTN canonicalises a telephone number for comparison (RFC 8224
// §8.3): visual separators and a leading "+" are dropped; digits, '#' and
// '*' are kept. It returns "" for anything that is not a telephone number
// (letters, an empty string).
func CanonicalTN(s string) string {
	if i := strings.IndexByte(s, ';'); i >= 0 { // tel/user parameters
		s = s[:i]
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '#', c == '*':
			b.WriteByte(c)
		case c == '+' && b.Len() == 0:
		case c == '-', c == '.', c == '(', c == ')', c == ' ':
		default:
			return ""
		}
	}
	return b.String()
}

// sameTN compares two numbers canonically. With a country code, a national
// number also matches its international form (cc + national).
func sameTN(a, b, cc string) bool {
	a, b = CanonicalTN(a), CanonicalTN(b)
	if a == "" || b == "" {
		return false
	}
	return a == b || cc != "" && (cc+a == b || a == cc+b)
}

// addrURI is a SIP or tel URI taken from a header value, split into the
// parts the verifier reads.
type addrURI struct {
	scheme     string // sip, sips, tel
	user       string // user part (sip) or number (tel), without parameters
	userParams string // parameters inside a sip user part ("+1555;verstat=X")
	params     string // URI parameters (after the host, or after a tel number)
}

// parseAddr reads the URI out of a name-addr ("Name" <uri>;params) or a bare
// addr-spec. It never fails; unknown schemes give an empty user.
func parseAddr(v string) addrURI {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		v = v[i+1:]
		if j := strings.IndexByte(v, '>'); j >= 0 {
			v = v[:j]
		}
	}
	scheme, rest, ok := strings.Cut(strings.TrimSpace(v), ":")
	if !ok {
		return addrURI{}
	}
	a := addrURI{scheme: strings.ToLower(scheme)}
	switch a.scheme {
	case "tel":
		a.user, a.params, _ = strings.Cut(rest, ";")
	case "sip", "sips":
		rest, _, _ = strings.Cut(rest, "?")
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			userinfo := rest[:at]
			if i := strings.IndexByte(userinfo, ':'); i >= 0 { // password
				userinfo = userinfo[:i]
			}
			a.user, a.userParams, _ = strings.Cut(userinfo, ";")
			rest = rest[at+1:]
		}
		_, a.params, _ = strings.Cut(rest, ";")
	}
	return a
}

// param returns the named parameter from the user part, else the URI.
func (a addrURI) param(name string) (string, bool) {
	for _, ps := range [...]string{a.userParams, a.params} {
		for _, p := range strings.Split(ps, ";") {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), name) {
				return strings.TrimSpace(v), true
			}
		}
	}
	return "", false
}

// Verstat is a verstat parameter (3GPP TS 24.229 §7.2A.20) with vendor
// suffixes understood.
type Verstat struct {
	Raw    string `json:"raw"`
	Status string `json:"status"`           // passed, failed, none, or "" when unrecognised
	Attest string `json:"attest,omitempty"` // A, B or C from a vendor suffix (-A/-B/-C)
	Source string `json:"source,omitempty"` // pai-tel, pai-sip or from
}

// ParseVerstat reads a verstat value such as TN-Validation-Passed,
// TN-Validation-Passed-B (Telnyx), TN-Validation-Failed-C (Twilio) or
// No-TN-Validation.
func ParseVerstat(s string) Verstat {
	v := Verstat{Raw: s}
	var rest string
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "tn-validation-passed"):
		v.Status, rest = "passed", s[len("tn-validation-passed"):]
	case strings.HasPrefix(lower, "tn-validation-failed"):
		v.Status, rest = "failed", s[len("tn-validation-failed"):]
	case strings.HasPrefix(lower, "no-tn-validation"):
		v.Status, rest = "none", s[len("no-tn-validation"):]
	default:
		return v
	}
	for _, part := range strings.Split(rest, "-") {
		switch strings.ToUpper(part) {
		case "A", "B", "C":
			v.Attest = strings.ToUpper(part)
			return v
		}
	}
	return v
}
