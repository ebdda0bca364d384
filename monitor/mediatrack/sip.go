package mediatrack

import (
	"bytes"
	"strconv"

	"github.com/cutover/cutover/monitor"
)

// sipView is what the tracker reads of a SIP message: a few headers and the
// SDP body (which aliases the message).
type sipView struct {
	request bool
	method  string // the request's method, or a response's CSeq method
	code    int    // response status code
	callID  string
	fromTag string
	toTag   bool // the To header has a tag: the request is in a dialog
	sdp     []byte
}

// viewOf reads m once: a message the fold's parser has read already
// (m.Info, monitor/sipparse) is taken from it, and only its Content-Type
// and Content-Length are looked for, to find its SDP; one not parsed yet
// is scanned whole (scanSIP). ok is false for a message the tracker
// ignores: not SIP, a request of a method that never concerns media, or no
// Call-ID or CSeq.
func viewOf(m *monitor.SIPMessage) (v sipView, ok bool) {
	in := m.Info
	if in == nil {
		return scanSIP(m.Raw)
	}
	if in.Request && !mediaMethod(in.Method) {
		return v, false
	}
	v = sipView{request: in.Request, method: in.Method, code: in.Code, callID: in.CallID, fromTag: in.FromTag, toTag: in.ToTag != ""}
	_, rest, found := bytes.Cut(m.Raw, []byte{'\n'})
	if !found || v.callID == "" || v.method == "" {
		return v, false
	}
	var h headers
	h.walk(rest, nil)
	v.sdp = h.sdp()
	return v, true
}

// Limits on the SIP scan: a message's headers are walked once; a multipart
// body is searched through at most maxParts parts.
const (
	maxHeaders = 256
	maxParts   = 16
)

// scanSIP reads raw's start line, Call-ID, CSeq, From, To, Content-Type,
// Content-Length and its SDP body (a part of a multipart body whose
// Content-Type is application/sdp). ok is false when raw is not a SIP
// message or lacks Call-ID or CSeq.
func scanSIP(raw []byte) (v sipView, ok bool) {
	line, rest, found := bytes.Cut(raw, []byte{'\n'})
	if !found {
		return v, false
	}
	line = bytes.TrimRight(line, "\r")
	if !startLine(line, &v) {
		return v, false
	}
	var h headers
	h.walk(rest, &v)
	if len(h.callID) == 0 || len(v.method) == 0 {
		return v, false
	}
	v.callID, v.fromTag = string(h.callID), string(h.fromTag)
	v.sdp = h.sdp()
	return v, true
}

// headers is what walk finds in a message's headers.
type headers struct {
	ctype, body     []byte
	clen            int
	callID, fromTag []byte
}

// walk reads the header lines of rest (the message after its start line,
// at most maxHeaders lines) up to the blank line; what follows it is the
// body. With v, Call-ID, CSeq, From and To are read too (into v and h);
// without, only the lines that may be Content-Type or Content-Length (by
// their first byte) are looked at.
func (h *headers) walk(rest []byte, v *sipView) {
	h.clen = -1
	for n := 0; len(rest) > 0 && n < maxHeaders; n++ {
		if c := rest[0]; v == nil && c != '\n' && !contentByte(c) {
			// Neither blank nor Content-*: on to the next line.
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				rest = nil
				break
			}
			rest = rest[i+1:]
			continue
		}
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte{'\n'})
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break // the blank line: rest is the body
		}
		if v == nil && !contentByte(line[0]) {
			continue
		}
		name, val, found := bytes.Cut(line, []byte{':'})
		if !found {
			continue
		}
		name, val = bytes.TrimSpace(name), bytes.TrimSpace(val)
		switch {
		case isHeader(name, "Content-Type", "c"):
			h.ctype = val
		case isHeader(name, "Content-Length", "l"):
			if n, err := strconv.Atoi(string(val)); err == nil && n >= 0 {
				h.clen = n
			}
		case v == nil:
		case isHeader(name, "Call-ID", "i"):
			h.callID = val
		case isHeader(name, "CSeq", ""):
			_, m, _ := bytes.Cut(val, []byte{' '})
			m = bytes.TrimSpace(m)
			if !v.request {
				v.method = string(m)
			}
		case isHeader(name, "From", "f"):
			h.fromTag = tagParam(val)
		case isHeader(name, "To", "t"):
			v.toTag = tagParam(val) != nil
		}
	}
	h.body = rest
}

// contentByte: a header line starting with c may be Content-Type (or its
// compact c), one with l Content-Length (or l); a blank or a byte past
// ASCII may be space that TrimSpace takes off the name.
func contentByte(c byte) bool {
	switch c {
	case 'c', 'C', 'l', 'L', ' ', '\t', '\v', '\f', '\r':
		return true
	}
	return c >= 0x80
}

// sdp is the SDP in the body (cut to Content-Length), or nil.
func (h *headers) sdp() []byte {
	body := h.body
	if h.clen >= 0 && h.clen < len(body) {
		body = body[:h.clen]
	}
	return sdpOf(h.ctype, body, 0)
}

// startLine reads "METHOD uri SIP/2.0" or "SIP/2.0 code reason"; false
// for a request of a method that never concerns media.
func startLine(line []byte, v *sipView) bool {
	if rest, ok := bytes.CutPrefix(line, []byte("SIP/2.0 ")); ok {
		if len(rest) < 3 {
			return false
		}
		code, err := strconv.Atoi(string(rest[:3]))
		if err != nil || code < 100 || code > 699 {
			return false
		}
		v.code = code
		return true
	}
	method, _, ok := bytes.Cut(line, []byte{' '})
	if !ok || len(method) == 0 || !bytes.HasSuffix(line, []byte(" SIP/2.0")) {
		return false
	}
	if !mediaMethod(string(method)) {
		return false
	}
	v.request, v.method = true, string(method)
	return true
}

// mediaMethod: the requests that can carry an offer or answer (RFC 3264,
// 3262, 3311) or end a call. The rest (OPTIONS, REGISTER, SUBSCRIBE,
// NOTIFY, MESSAGE, INFO...) are not scanned further.
func mediaMethod(m string) bool {
	switch m {
	case "INVITE", "ACK", "BYE", "CANCEL", "UPDATE", "PRACK":
		return true
	}
	return false
}

func isHeader(name []byte, long, compact string) bool {
	return bytes.EqualFold(name, []byte(long)) || (compact != "" && len(name) == 1 && bytes.EqualFold(name, []byte(compact)))
}

// tagParam finds the tag parameter of a From or To value (after the
// name-addr's closing '>' when there is one), or nil.
func tagParam(val []byte) []byte {
	if i := bytes.LastIndexByte(val, '>'); i >= 0 {
		val = val[i+1:]
	}
	for len(val) > 0 {
		var p []byte
		_, val, _ = bytes.Cut(val, []byte{';'})
		p, _, _ = bytes.Cut(val, []byte{';'})
		name, tag, found := bytes.Cut(bytes.TrimSpace(p), []byte{'='})
		if found && bytes.EqualFold(bytes.TrimSpace(name), []byte("tag")) {
			return bytes.TrimSpace(tag)
		}
	}
	return nil
}

// sdpOf returns the SDP in a body of Content-Type ctype: the body itself
// for application/sdp, the first application/sdp part of a multipart body
// (RFC 2046 §5.1; nested multiparts are followed once), else nil.
func sdpOf(ctype, body []byte, depth int) []byte {
	typ, params, _ := bytes.Cut(ctype, []byte{';'})
	typ = bytes.TrimSpace(typ)
	if bytes.EqualFold(typ, []byte("application/sdp")) {
		return body
	}
	if depth > 1 || len(typ) < 10 || !bytes.EqualFold(typ[:10], []byte("multipart/")) {
		return nil
	}
	boundary := paramValue(params, "boundary")
	if len(boundary) == 0 {
		return nil
	}
	delim := append([]byte("--"), boundary...)
	parts := bytes.Split(body, delim)
	for i, p := range parts {
		if i == 0 || i > maxParts || bytes.HasPrefix(p, []byte("--")) {
			continue // the preamble, past the limit, or the close delimiter
		}
		hdrs, pbody := splitPart(p)
		var pct []byte
		for len(hdrs) > 0 {
			var line []byte
			line, hdrs, _ = bytes.Cut(hdrs, []byte{'\n'})
			name, val, found := bytes.Cut(bytes.TrimRight(line, "\r"), []byte{':'})
			if found && isHeader(bytes.TrimSpace(name), "Content-Type", "c") {
				pct = bytes.TrimSpace(val)
			}
		}
		if sdp := sdpOf(pct, pbody, depth+1); sdp != nil {
			return sdp
		}
	}
	return nil
}

// splitPart cuts a multipart part (after its delimiter line) into its
// headers and body; the CRLF before the next delimiter belongs to it.
func splitPart(p []byte) (hdrs, body []byte) {
	_, p, _ = bytes.Cut(p, []byte{'\n'}) // the rest of the delimiter line
	if i := bytes.Index(p, []byte("\r\n\r\n")); i >= 0 {
		hdrs, body = p[:i], p[i+4:]
	} else if i := bytes.Index(p, []byte("\n\n")); i >= 0 {
		hdrs, body = p[:i], p[i+2:]
	} else {
		return p, nil
	}
	body = bytes.TrimSuffix(body, []byte("\n"))
	return hdrs, bytes.TrimSuffix(body, []byte("\r"))
}

// paramValue finds name=value in a ";"-separated parameter list, unquoted.
func paramValue(params []byte, name string) []byte {
	for len(params) > 0 {
		var p []byte
		p, params, _ = bytes.Cut(params, []byte{';'})
		k, v, found := bytes.Cut(bytes.TrimSpace(p), []byte{'='})
		if found && bytes.EqualFold(bytes.TrimSpace(k), []byte(name)) {
			return bytes.Trim(bytes.TrimSpace(v), `"`)
		}
	}
	return nil
}
