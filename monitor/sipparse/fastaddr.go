package sipparse

import "bytes"

// The plain shapes of From, To and Via that the wire mostly carries,
// read without sipgo. Each reader answers only for values made of the
// characters below, where sipgo's parsers are known to read them the same
// way and never fail; anything else (IPv6, quoted escapes, URI headers,
// commas, spaces inside) goes to sipgo's parser for that header.

// tokenByte: what a parameter's name or value, or a URI's host, may be
// made of here.
func tokenByte(c byte) bool { return byteClass[c]&classToken != 0 }

// hostByte: what a URI's host may be made of here: a token byte, but not
// an asterisk, a percent sign or an apostrophe.
func hostByte(c byte) bool { return byteClass[c]&classHost != 0 }

// byteClass is tokenByte and hostByte as one table: a lookup a byte.
var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
			b == '-' || b == '_' || b == '.' || b == '!' || b == '~' || b == '+' {
			t[c] = classToken | classHost
		}
		if b == '*' || b == '\'' || b == '%' {
			t[c] = classToken
		}
	}
	return t
}()

const (
	classToken = 1 << iota
	classHost
)

// plainParams reads ";k[=v]" parameters (s starts with ';', or is empty)
// and returns the last value of key, as sipgo's HeaderParams keeps it.
func plainParams(s []byte, key string) (val []byte, found, ok bool) {
	for len(s) > 0 {
		if s[0] != ';' {
			return nil, false, false
		}
		s = s[1:]
		end := bytes.IndexByte(s, ';')
		if end < 0 {
			end = len(s)
		}
		seg := s[:end]
		s = s[end:]
		k, v, _ := bytes.Cut(seg, []byte{'='})
		if len(k) == 0 || !allToken(k) || !allToken(v) {
			return nil, false, false
		}
		if string(k) == key {
			val, found = v, true
		}
	}
	return val, found, true
}

func allToken(b []byte) bool {
	for _, c := range b {
		if !tokenByte(c) {
			return false
		}
	}
	return true
}

// plainHost checks host[:port] and returns what follows it.
func plainHost(s []byte) (rest []byte, ok bool) {
	i := 0
	for i < len(s) && hostByte(s[i]) {
		i++
	}
	if i == 0 {
		return nil, false
	}
	if i < len(s) && s[i] == ':' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i+1 || j-i-1 > 5 {
			return nil, false
		}
		i = j
	}
	return s[i:], true
}

// plainAddr reads a From or To value: `[display] <sip:user@host[:port][;params]>[;params]`
// or `sip:user@host[:port][;params]`. What it returns is part of v.
func plainAddr(v []byte) (a addr, ok bool) {
	uri, params := v, []byte(nil)
	if i := bytes.IndexByte(v, '<'); i >= 0 {
		if !plainDisplay(v[:i]) {
			return addr{}, false
		}
		j := bytes.IndexByte(v[i+1:], '>')
		if j < 0 {
			return addr{}, false
		}
		uri, params = v[i+1:i+1+j], v[i+2+j:]
	} else {
		if bytes.IndexByte(v, '"') >= 0 {
			return addr{}, false
		}
		if k := bytes.IndexByte(v, ';'); k >= 0 {
			uri, params = v[:k], v[k:]
		}
	}
	u, uriParams, ok := plainSIPURI(uri)
	if !ok {
		return addr{}, false
	}
	a.user = u
	if a.verstat, _, ok = plainParams(uriParams, "verstat"); !ok {
		return addr{}, false
	}
	if a.tag, _, ok = plainParams(params, "tag"); !ok {
		return addr{}, false
	}
	return a, true
}

// plainSIPURI reads `sip:user@host[:port]` and returns its user and what
// follows the host (its parameters, checked by the caller).
func plainSIPURI(uri []byte) (user, rest []byte, ok bool) {
	rest, found := bytes.CutPrefix(uri, []byte("sip:"))
	at := bytes.IndexByte(rest, '@')
	if !found || at <= 0 || rest[0] == '/' {
		return nil, nil, false
	}
	for _, c := range rest[:at] {
		if c == '[' || c == ':' || c == '/' {
			return nil, nil, false
		}
	}
	user = rest[:at]
	if rest, ok = plainHost(rest[at+1:]); !ok {
		return nil, nil, false
	}
	return user, rest, true
}

// plainURI reads a request URI of the plain shape `sip:user@host[:port][;params]`
// and returns its user; false for anything else (sipgo's ParseUri reads it).
func plainURI(uri []byte) (user []byte, ok bool) {
	user, params, ok := plainSIPURI(uri)
	if !ok {
		return nil, false
	}
	if _, _, ok = plainParams(params, ""); !ok {
		return nil, false
	}
	return user, true
}

// plainDisplay: nothing, a display name without '"' or ';', or one
// quoted without escapes, with only blanks around the quotes.
func plainDisplay(d []byte) bool {
	q := bytes.IndexByte(d, '"')
	if q < 0 {
		return bytes.IndexByte(d, ';') < 0
	}
	if len(bytes.Trim(d[:q], " \t")) != 0 {
		return false
	}
	e := bytes.IndexByte(d[q+1:], '"')
	if e < 0 || bytes.IndexByte(d[q+1:q+1+e], '\\') >= 0 {
		return false
	}
	return len(bytes.Trim(d[q+2+e:], " \t")) == 0
}

// plainVia reads a Via value `SIP/2.0/TRANSPORT host[:port][;params]`
// and returns its branch (part of v).
func plainVia(v []byte) (branch []byte, ok bool) {
	rest, found := bytes.CutPrefix(v, []byte("SIP/2.0/"))
	sp := bytes.IndexByte(rest, ' ')
	if !found || sp <= 0 || !allLetters(rest[:sp]) {
		return nil, false
	}
	params, ok := plainHost(rest[sp+1:])
	if !ok {
		return nil, false
	}
	branch, _, ok = plainParams(params, "branch")
	return branch, ok
}

func allLetters(b []byte) bool {
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
