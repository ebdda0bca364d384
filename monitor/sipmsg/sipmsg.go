// Package sipmsg is the summary of a SIP message that the fold reads, and
// E.164 normalisation of the numbers in it. It imports nothing of ours and
// no SIP stack, so the fold and everything that imports it (store, tui)
// build without one; monitor/sipparse fills an Info from a message's bytes.
package sipmsg

import "strings"

// Info is the part of a SIP message the fold reads (sipparse.Parse
// fills it from the message's bytes).
type Info struct {
	Request  bool
	Method   string // the request's method, or a response's CSeq method
	Code     int    // response status code (0 for requests)
	Reason   string // response reason phrase
	CallID   string
	CSeq     uint32
	Branch   string // top Via branch
	FromTag  string
	ToTag    string
	RURIUser string // request URI user part
	FromUser string
	ToUser   string
	PAIUser  string // P-Asserted-Identity user part
	Verstat  string // verstat parameter from P-Asserted-Identity or From
	Attest   string // attest claim of the first Identity header (decoded, not verified)
	Identity int    // how many Identity (or compact y) headers the message carries
	Expires  int    // granted expiry (seconds) in a REGISTER 2xx; -1 when absent
	Sweep    string // X-Cutover-Sweep: the sweep a test call belongs to (monitor.SweepHeader)
}

// NormalizeE164 turns a SIP user part or dialled string into E.164
// ("+15551230001"). National numbers get defaultCountry prepended (NANP:
// ten digits, or eleven starting with 1). It returns "" for anything that
// is not a telephone number.
func NormalizeE164(user, defaultCountry string) string {
	if i := strings.IndexAny(user, ";@"); i >= 0 {
		user = user[:i]
	}
	plus := false
	var b strings.Builder
	b.Grow(len(user) + 2)
	for i := 0; i < len(user); i++ {
		c := user[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == '+' && b.Len() == 0:
			plus = true
		case c == '-' || c == '.' || c == '(' || c == ')' || c == ' ':
		default:
			return ""
		}
	}
	d := b.String()
	switch {
	case len(d) < 7 || len(d) > 15:
		return ""
	case plus:
		return "+" + d
	case strings.HasPrefix(d, "00"):
		return "+" + d[2:]
	case defaultCountry == "1" && len(d) == 11 && d[0] == '1':
		return "+" + d
	case defaultCountry == "1" && len(d) == 10:
		return "+1" + d
	case defaultCountry != "" && defaultCountry != "1" && strings.HasPrefix(d, "0"):
		return "+" + defaultCountry + d[1:]
	case defaultCountry != "" && strings.HasPrefix(d, defaultCountry):
		return "+" + d
	}
	return "+" + d
}
