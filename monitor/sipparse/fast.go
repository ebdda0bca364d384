package sipparse

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/cutover/cutover/monitor/sipmsg"
	"github.com/emiago/sipgo/sip"
)

// The fast path reads a message's lines itself and builds no sip.Message:
// it skips every header the fold does not read, parses Call-ID, CSeq,
// Content-Length, Content-Type and Max-Forwards itself, and hands only the
// address headers (Via, From, To, Contact, Route, ...) to sipgo's own
// header parsers, one line at a time. It follows sipgo's rules (the last
// From, To, Call-ID and CSeq win; the first Via; a header sipgo parses and
// refuses makes the message malformed), and where a message is unusual
// (folded header lines, an error of any kind, a REGISTER 2xx whose
// expiry is read from Contact) it says so and Parse asks sipgo for the
// whole message. FuzzFastPathAgrees holds the two to the same Info.

// fastScan is the state of one fast parse. What it keeps of the message
// (the byte slices) are pieces of it, or of sipgo's reading of a header;
// finish makes the strings the summary keeps out of them in one go.
type fastScan struct {
	info                   sipmsg.Info
	hdrs                   []sip.Header
	ruriUser, callID       []byte
	from, to               addr
	branch                 []byte
	haveVia                bool
	haveCID, haveCSeq      bool
	contentLength          int64 // -1: no Content-Length header
	pai, ident1, y1, sweep []byte
	havePAI, haveSweep     bool
	identities, ys         int
}

// addr is what the fold reads of a From or To header.
type addr struct{ user, tag, verstat []byte }

// fast parses raw (which passed looksLikeSIP) without building a
// sip.Message. ok is false when sipgo must decide: the message is unusual
// or malformed.
func fast(raw []byte) (info *sipmsg.Info, ok bool) {
	info = new(sipmsg.Info)
	if !fastInto(raw, info) {
		return nil, false
	}
	return info, true
}

// fastInto is fast into *out, which it sets only when ok.
func fastInto(raw []byte, out *sipmsg.Info) (ok bool) {
	if len(raw) > sip.ParseMaxMessageLength {
		return false
	}
	s := fastScan{info: sipmsg.Info{Expires: -1}, contentLength: -1}
	line, n, ok := crlfLine(raw)
	if !ok || !s.startLine(line) {
		return false
	}
	total := n
	for {
		line, n, ok := crlfLine(raw[total:])
		if !ok {
			return false
		}
		total += n
		if len(line) == 0 {
			break
		}
		if total < len(raw) && (raw[total] == ' ' || raw[total] == '\t') {
			return false // a folded header: sipgo joins the lines
		}
		if !s.header(line) {
			return false
		}
	}
	if !s.body(len(raw), total) || !s.finish() {
		return false
	}
	*out = s.info
	return true
}

// crlfLine is sipgo's nextLine for the fast path: a line ends in CRLF; a
// CR without LF, or no CR at all, sends the message to sipgo.
func crlfLine(data []byte) (line []byte, n int, ok bool) {
	i := bytes.IndexByte(data, '\r')
	if i < 0 || i+1 >= len(data) || data[i+1] != '\n' {
		return nil, 0, false
	}
	return data[:i], i + 2, true
}

// startLine reads "METHOD uri SIP/2.0" or "SIP/2.0 NNN reason" as sipgo's
// parseLine does (split at the first two spaces; a request first).
func (s *fastScan) startLine(line []byte) bool {
	i := bytes.IndexByte(line, ' ')
	if i < 0 {
		return false
	}
	j := bytes.IndexByte(line[i+1:], ' ')
	if j < 0 {
		return false
	}
	p0, p1, p2 := line[:i], line[i+1:i+1+j], line[i+2+j:]
	switch {
	case len(p2) >= 3 && bytes.IndexByte(p2, ' ') < 0 && isSIPScheme(p2[:3]):
		if user, ok := plainURI(p1); ok {
			s.ruriUser = user
		} else {
			var uri sip.Uri
			if sip.ParseUri(string(p1), &uri) != nil || uri.Wildcard {
				return false
			}
			s.ruriUser = []byte(uri.User)
		}
		s.info.Request = true
		s.info.Method = upperMethod(p0)
	case len(p0) >= 3 && isSIPScheme(p0[:3]):
		code, err := strconv.ParseUint(string(p1), 10, 16)
		if err != nil || code < 100 || code > 699 {
			return false
		}
		s.info.Code = int(code)
		s.info.Reason = reasonPhrase(p2)
	default:
		return false
	}
	return true
}

func isSIPScheme(b []byte) bool { return string(b) == "sip" || string(b) == "SIP" }

// sipgoParsed names the headers sipgo's default parser types (its
// DefaultHeadersParser): the fast path hands the address ones to it and
// parses the rest itself, as sipgo would.
var sipgoParsed = sip.HeadersParser(sip.DefaultHeadersParser())

// sipgoLens marks the lengths of the names in sipgoParsed: a header whose
// name has none of them is skipped without a lookup.
var sipgoLens = func() (l [25]bool) {
	for name := range sipgoParsed {
		if len(name) < len(l) {
			l[len(name)] = true
		}
	}
	return l
}()

// header reads one header line (not folded).
func (s *fastScan) header(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return false
	}
	name := bytes.TrimSpace(line[:colon])
	value := bytes.TrimSpace(line[colon+1:])
	if len(name) > 24 {
		return true // longer than any header we read or sipgo types
	}
	switch hdrOf(name) {
	case hdrCallID: // value is trimmed as strings.TrimSpace trims
		s.callID, s.haveCID = value, true
		return len(value) > 0
	case hdrCSeq:
		return s.cseq(value)
	case hdrContentLength:
		v, err := strconv.ParseUint(strings.TrimSpace(string(value)), 10, 32)
		s.contentLength = int64(v)
		return err == nil
	case hdrContentType:
		return len(bytes.TrimSpace(value)) > 0
	case hdrMaxForwards:
		_, err := strconv.ParseUint(string(value), 10, 32)
		return err == nil
	case hdrFrom:
		if a, ok := plainAddr(value); ok {
			s.from = a
			return true
		}
		return s.sipgoHeader(name, line)
	case hdrTo:
		if a, ok := plainAddr(value); ok {
			s.to = a
			return true
		}
		return s.sipgoHeader(name, line)
	case hdrContact:
		// sipgo reads one Contact up to a comma outside quotes and
		// brackets with From's parser: a plain one it reads, and the
		// fold reads nothing of it.
		if _, ok := plainAddr(value); ok && bytes.IndexByte(value, ',') < 0 {
			return true
		}
		return s.sipgoHeader(name, line)
	case hdrVia:
		if branch, ok := plainVia(value); ok {
			if !s.haveVia {
				s.branch, s.haveVia = branch, true
			}
			return true
		}
		return s.sipgoHeader(name, line)
	case hdrPAI:
		if !s.havePAI {
			s.pai, s.havePAI = value, true
		}
	case hdrIdentity:
		if s.identities == 0 {
			s.ident1 = value
		}
		s.identities++
	case hdrY:
		if s.ys == 0 {
			s.y1 = value
		}
		s.ys++
	case hdrSweep:
		if !s.haveSweep {
			s.sweep, s.haveSweep = value, true
		}
	default:
		return s.sipgoHeader(name, line)
	}
	return true
}

// sipgoHeader hands a header sipgo types (Via, From, To, Contact, Route,
// Record-Route, Refer-To, Referred-By) to sipgo's parser for it; any other
// header is skipped, as sipgo keeps it as text the fold never reads.
func (s *fastScan) sipgoHeader(name, line []byte) bool {
	if !sipgoLens[len(name)] {
		return true
	}
	var lower [24]byte
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	if _, typed := sipgoParsed[string(lower[:len(name)])]; !typed {
		return true
	}
	var err error
	s.hdrs, err = sipgoParsed.ParseHeader(s.hdrs[:0], line)
	if err != nil {
		return false
	}
	for _, h := range s.hdrs {
		switch h := h.(type) {
		case *sip.ViaHeader:
			if !s.haveVia {
				branch, _ := h.Params.Get("branch")
				s.branch, s.haveVia = []byte(branch), true
			}
		case *sip.FromHeader:
			tag, _ := h.Params.Get("tag")
			verstat, _ := h.Address.UriParams.Get("verstat")
			s.from = addr{[]byte(h.Address.User), []byte(tag), []byte(verstat)}
		case *sip.ToHeader:
			tag, _ := h.Params.Get("tag")
			s.to = addr{user: []byte(h.Address.User), tag: []byte(tag)}
		}
	}
	return true
}

// cseq is sipgo's parseCSeqHeader.
func (s *fastScan) cseq(v []byte) bool {
	ind := bytes.IndexAny(v, " \t")
	if ind < 1 || len(v)-ind < 2 {
		return false
	}
	n, err := strconv.ParseUint(string(v[:ind]), 10, 32)
	if err != nil || n > 2147483647 {
		return false
	}
	s.info.CSeq, s.haveCSeq = uint32(n), true
	if !s.info.Request {
		s.info.Method = MethodName(v[ind+1:])
	}
	return true
}

// MethodName is m as a string, without a copy for the methods of RFC
// 3261 and its extensions (the messages' common case).
func MethodName(m []byte) string {
	if k, ok := knownMethod(m); ok {
		return k
	}
	return string(m)
}

// upperMethod is a request's method in upper case, as sipgo reads it.
func upperMethod(m []byte) string {
	if k, ok := knownMethod(m); ok {
		return k
	}
	return strings.ToUpper(string(m))
}

func knownMethod(m []byte) (string, bool) {
	for _, k := range knownMethods {
		if string(m) == k {
			return k, true
		}
	}
	return "", false
}

var knownMethods = [...]string{"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK", "UPDATE",
	"INFO", "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH"}

// reasonPhrase is a reason phrase as a string, without a copy for the
// common ones.
func reasonPhrase(p []byte) string {
	switch string(p) {
	case "OK":
		return "OK"
	case "Trying":
		return "Trying"
	case "Ringing":
		return "Ringing"
	case "Session Progress":
		return "Session Progress"
	}
	return string(p)
}

// body checks the body against Content-Length as sipgo's Parse does: a
// body shorter than it says is an incomplete message.
func (s *fastScan) body(size, headerLen int) bool {
	if s.contentLength <= 0 {
		return true
	}
	if s.contentLength > int64(sip.ParseMaxMessageLength-headerLen) {
		return false
	}
	return int64(size-headerLen) >= s.contentLength
}

// finish fills what the headers left for the end, as Parse does from sipgo's message.
func (s *fastScan) finish() bool {
	in := &s.info
	if !s.haveCID || !s.haveCSeq {
		return false
	}
	if !in.Request && in.Method == "REGISTER" && in.Code >= 200 && in.Code < 300 {
		return false // the granted expiry is read from sipgo's Contact
	}
	if !s.haveSweep || !in.Request {
		s.sweep = nil
	}
	// One string for all the summary keeps of the message, each a part of it.
	all := s.joined()
	part := func(p []byte) string {
		v := all[:len(p)]
		all = all[len(p):]
		return v
	}
	in.RURIUser, in.CallID, in.Branch = part(s.ruriUser), part(s.callID), part(s.branch)
	in.FromUser, in.FromTag, in.Verstat = part(s.from.user), part(s.from.tag), part(s.from.verstat)
	in.ToUser, in.ToTag = part(s.to.user), part(s.to.tag)
	pai, sweep := part(s.pai), part(s.sweep)
	if s.havePAI {
		user, verstat := paiUser(pai)
		in.PAIUser = user
		if verstat != "" {
			in.Verstat = verstat
		}
	}
	in.Identity = s.identities + s.ys
	switch {
	case s.identities > 0:
		in.Attest = attestOf(s.ident1)
	case s.ys > 0:
		in.Attest = attestOf(s.y1)
	}
	if s.haveSweep && in.Request {
		in.Sweep = sweepID(sweep)
	}
	return true
}

// joined is the pieces finish makes strings of, in its order, as one
// string: one allocation for them all.
func (s *fastScan) joined() string {
	pieces := [...][]byte{s.ruriUser, s.callID, s.branch, s.from.user, s.from.tag, s.from.verstat, s.to.user, s.to.tag, s.pai, s.sweep}
	n := 0
	for _, p := range pieces {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range pieces {
		b.Write(p)
	}
	return b.String()
}

func asciiEqualFold(b []byte, lower string) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
