package probe

import (
	"regexp"
	"strings"
)

// redacted replaces a digest response in what the probe publishes.
const redacted = `"<redacted>"`

// digestResponse is a response= parameter of a credentials header: its
// value, quoted or not, is the third group.
var digestResponse = regexp.MustCompile(`(?i)(^|[\s,:])(response\s*=\s*)("(?:[^"\\]|\\.)*"|[^,\s]*)`)

// redactCredentials returns raw with the response= of every Authorization
// and Proxy-Authorization header replaced by "<redacted>". With the nonce
// beside it, a digest response can be cracked offline against the
// password, and every message a probe sends is recorded; the rest of the
// header (username, realm, nonce, uri) stays for the ladder. Only the
// header section is read; folded continuation lines belong to the header
// they continue.
func redactCredentials(raw string) string {
	if !strings.Contains(strings.ToLower(raw), "authorization") {
		return raw
	}
	lines := strings.SplitAfter(raw, "\n")
	inCreds := false
	for i, line := range lines {
		bare := strings.TrimRight(line, "\r\n")
		if i > 0 && bare == "" {
			break // the body starts here
		}
		if i == 0 {
			continue // the request or status line
		}
		if bare[0] != ' ' && bare[0] != '\t' {
			name, _, _ := strings.Cut(bare, ":")
			name = strings.TrimSpace(name)
			inCreds = strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization")
		}
		if inCreds {
			lines[i] = digestResponse.ReplaceAllString(line, "${1}${2}"+redacted)
		}
	}
	return strings.Join(lines, "")
}
