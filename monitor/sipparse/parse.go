// Package sipparse reads SIP messages with sipgo into the summary the fold
// reads (sipmsg.Info). It is kept apart from sipmsg so that the fold, the
// store and the screen do not link a SIP stack.
package sipparse

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cutover/cutover/monitor/sipmsg"
	"github.com/emiago/sipgo/sip"
)

// ErrNotSIP is returned by Parse for bytes that are not a SIP message.
var ErrNotSIP = errors.New("not a SIP message")

// Parse summarises one SIP message. Bytes that are not a SIP message give
// ErrNotSIP; a message that does not parse gives another error.
func Parse(raw []byte) (*sipmsg.Info, error) {
	info := new(sipmsg.Info)
	if err := ParseInto(raw, info); err != nil {
		return nil, err
	}
	return info, nil
}

// ParseInto is Parse into the caller's *info (a reader that allocates a
// message and its summary together); *info is set only without an error.
func ParseInto(raw []byte, info *sipmsg.Info) error {
	// sipgo is lenient enough to "parse" binary junk; insist on a SIP start line first.
	if !looksLikeSIP(raw) {
		return ErrNotSIP
	}
	if fastInto(raw, info) {
		return nil
	}
	whole, err := full(raw)
	if err != nil {
		return err
	}
	*info = *whole
	return nil
}

// full is Parse through sipgo's whole message: for what the fast path
// leaves to it (fast.go), and the reference FuzzFastPathAgrees holds the
// fast path to.
func full(raw []byte) (*sipmsg.Info, error) {
	msg, err := sip.ParseMessage(raw)
	if err != nil {
		return nil, fmt.Errorf("parse SIP: %w", err)
	}
	info := &sipmsg.Info{Expires: -1}
	switch m := msg.(type) {
	case *sip.Request:
		info.Request = true
		info.Method = string(m.Method)
		info.RURIUser = m.Recipient.User
	case *sip.Response:
		if m.StatusCode < 100 || m.StatusCode > 699 { // RFC 3261 §7.2: three digits, 1xx to 6xx
			return nil, fmt.Errorf("parse SIP: status code %d out of range", m.StatusCode)
		}
		info.Code = m.StatusCode
		info.Reason = m.Reason
	default:
		return nil, ErrNotSIP
	}
	cid := msg.CallID()
	cseq := msg.CSeq()
	if cid == nil || cseq == nil {
		return nil, fmt.Errorf("parse SIP: missing Call-ID or CSeq")
	}
	info.CallID = string(*cid)
	info.CSeq = cseq.SeqNo
	if !info.Request {
		info.Method = string(cseq.MethodName)
	}
	if via := msg.Via(); via != nil {
		info.Branch, _ = via.Params.Get("branch")
	}
	if from := msg.From(); from != nil {
		info.FromUser = from.Address.User
		info.FromTag, _ = from.Params.Get("tag")
		if v, ok := from.Address.UriParams.Get("verstat"); ok {
			info.Verstat = v
		}
	}
	if to := msg.To(); to != nil {
		info.ToUser = to.Address.User
		info.ToTag, _ = to.Params.Get("tag")
	}
	if pai := firstHeader(msg, "P-Asserted-Identity"); pai != nil {
		user, verstat := paiUser(pai.Value())
		info.PAIUser = user
		if verstat != "" {
			info.Verstat = verstat
		}
	}
	for _, name := range [...]string{"Identity", "y"} {
		for _, h := range msg.GetHeaders(name) {
			if info.Identity == 0 {
				info.Attest = attestOf([]byte(h.Value()))
			}
			info.Identity++
		}
	}
	if h := firstHeader(msg, "X-Cutover-Sweep"); h != nil && info.Request { // monitor.SweepHeader
		info.Sweep = sweepID(h.Value())
	}
	if !info.Request && info.Method == "REGISTER" && info.Code >= 200 && info.Code < 300 {
		info.Expires = grantedExpires(msg)
	}
	return info, nil
}

var sipVersion = []byte("SIP/2.0")

// looksLikeSIP checks the start line: "SIP/2.0 NNN ..." or "METHOD uri SIP/2.0".
func looksLikeSIP(raw []byte) bool {
	end := bytes.IndexByte(raw, '\n')
	if end < 0 {
		return false
	}
	line := bytes.TrimRight(raw[:end], "\r")
	if bytes.HasPrefix(line, sipVersion) {
		return len(line) >= 11 && line[7] == ' '
	}
	if !bytes.HasSuffix(line, sipVersion) || len(line) < 12 {
		return false
	}
	for _, c := range line[:bytes.IndexByte(line, ' ')+1] {
		if c != ' ' && (c < 'A' || c > 'Z') && c != '-' {
			return false
		}
	}
	return bytes.IndexByte(line, ' ') > 0
}

// paiUser pulls the user part and verstat out of a P-Asserted-Identity value
// such as `"Alice" <sip:+15551230001;verstat=TN-Validation-Passed@host;user=phone>`.
func paiUser(v string) (user, verstat string) {
	if i := strings.IndexByte(v, ','); i >= 0 { // several identities: the first will do
		v = v[:i]
	}
	if i := strings.IndexByte(v, '<'); i >= 0 {
		v = v[i+1:]
		if j := strings.IndexByte(v, '>'); j >= 0 {
			v = v[:j]
		}
	}
	v = strings.TrimSpace(v)
	if len(v) > 4 && strings.EqualFold(v[:4], "tel:") { // tel:+1555...;verstat=...
		user, params, _ := strings.Cut(v[4:], ";")
		for _, p := range strings.Split(params, ";") {
			if k, val, _ := strings.Cut(p, "="); strings.EqualFold(k, "verstat") {
				verstat = val
			}
		}
		return user, verstat
	}
	var uri sip.Uri
	if err := sip.ParseUri(v, &uri); err != nil {
		return "", ""
	}
	user = uri.User
	if i := strings.Index(user, ";verstat="); i >= 0 { // verstat inside the user part (tel-style)
		verstat = user[i+len(";verstat="):]
		if j := strings.IndexByte(verstat, ';'); j >= 0 {
			verstat = verstat[:j]
		}
		user = user[:i]
	}
	if vs, ok := uri.UriParams.Get("verstat"); ok {
		verstat = vs
	}
	return user, verstat
}

// attestOf decodes (without verifying) the attest claim of an Identity
// header value. Verification happens at ingest (monitor/stir); this is what
// the fold can tell from the bytes alone.
func attestOf(identity []byte) string {
	tok := identity
	if i := bytes.IndexByte(tok, ';'); i >= 0 {
		tok = tok[:i]
	}
	tok = bytes.TrimSpace(tok)
	dot := bytes.IndexByte(tok, '.')
	if dot < 0 {
		return ""
	}
	payload := tok[dot+1:]
	end := bytes.IndexByte(payload, '.')
	if end <= 0 || bytes.IndexByte(payload[end+1:], '.') >= 0 {
		return "" // not header.payload.signature, or no payload
	}
	var buf [512]byte
	claims := buf[:0]
	if n := base64.RawURLEncoding.DecodedLen(end); n > len(buf) {
		claims = make([]byte, 0, n)
	}
	claims, err := base64.RawURLEncoding.AppendDecode(claims, payload[:end])
	if err != nil {
		return ""
	}
	return claimAttest(claims)
}

// grantedExpires reads the registrar's granted expiry from a REGISTER 2xx:
// the Contact's expires parameter, else the Expires header; -1 if neither.
func grantedExpires(msg sip.Message) int {
	if c := firstHeader(msg, "Contact"); c != nil {
		v := c.Value()
		if i := indexFold(v, "expires="); i >= 0 {
			n := 0
			digits := v[i+len("expires="):]
			for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
				n++
			}
			if s, err := strconv.Atoi(digits[:n]); err == nil {
				return s
			}
		}
	}
	if e := firstHeader(msg, "Expires"); e != nil {
		if s, err := strconv.Atoi(strings.TrimSpace(e.Value())); err == nil {
			return s
		}
	}
	return -1
}

// indexFold is strings.Index ignoring ASCII case. Lowering the whole value
// first (strings.ToLower) would move the offsets of bytes that are not
// UTF-8, and a Contact from the wire may hold any.
func indexFold(s, lower string) int {
	for i := 0; i+len(lower) <= len(s); i++ {
		if asciiEqualFold([]byte(s[i:i+len(lower)]), lower) {
			return i
		}
	}
	return -1
}

func firstHeader(msg sip.Message, name string) sip.Header {
	if hs := msg.GetHeaders(name); len(hs) > 0 {
		return hs[0]
	}
	return nil
}

// sweepIDMax bounds a sweep ID taken from the wire.
const sweepIDMax = 64

// sweepID keeps a sweep header's value only when it looks like an ID the
// prober sets (letters, digits, '-', '_', '.', at most sweepIDMax): the
// value reaches the screen and the recording's verdicts.
func sweepID(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > sweepIDMax {
		return ""
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return ""
		}
	}
	return v
}
