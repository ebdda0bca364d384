package probe

import "testing"

func TestRedactCredentials(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"authorization",
			"REGISTER sip:a SIP/2.0\r\nAuthorization: Digest username=\"alice\", response=\"a826fb\", nonce=\"n\"\r\nContent-Length: 0\r\n\r\n",
			"REGISTER sip:a SIP/2.0\r\nAuthorization: Digest username=\"alice\", response=\"<redacted>\", nonce=\"n\"\r\nContent-Length: 0\r\n\r\n"},
		{"proxy, lower case, unquoted, spaces",
			"INVITE sip:a SIP/2.0\r\nproxy-authorization: Digest RESPONSE = a826fb,username=\"alice\"\r\n\r\n",
			"INVITE sip:a SIP/2.0\r\nproxy-authorization: Digest RESPONSE = \"<redacted>\",username=\"alice\"\r\n\r\n"},
		{"folded onto a continuation line",
			"REGISTER sip:a SIP/2.0\r\nAuthorization: Digest username=\"alice\",\r\n  response=\"a826fb\"\r\nVia: x\r\n\r\n",
			"REGISTER sip:a SIP/2.0\r\nAuthorization: Digest username=\"alice\",\r\n  response=\"<redacted>\"\r\nVia: x\r\n\r\n"},
		{"other headers and the body are untouched",
			"MESSAGE sip:a SIP/2.0\r\nSubject: response=1 authorization\r\nContent-Length: 10\r\n\r\nresponse=2",
			"MESSAGE sip:a SIP/2.0\r\nSubject: response=1 authorization\r\nContent-Length: 10\r\n\r\nresponse=2"},
		{"cnonce is not a response",
			"REGISTER sip:a SIP/2.0\r\nAuthorization: Digest cnonce=\"c\", qop=auth, response=\"ff\"\r\n\r\n",
			"REGISTER sip:a SIP/2.0\r\nAuthorization: Digest cnonce=\"c\", qop=auth, response=\"<redacted>\"\r\n\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := redactCredentials(c.in); got != c.want {
				t.Fatalf("got\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}
