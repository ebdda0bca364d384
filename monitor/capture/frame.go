package capture

import "bytes"

// maxMessage is the largest SIP message the TCP framing accepts; a
// Content-Length beyond it is treated as garbage and the stream resyncs.
const maxMessage = 256 << 10

var sipVersion = []byte("SIP/2.0")

// startLine reports whether b begins with a SIP start line:
// "SIP/2.0 NNN reason" or "METHOD uri SIP/2.0". decided is false when the
// first line is not complete yet and could still become one.
func startLine(b []byte) (yes, decided bool) {
	end := bytes.IndexByte(b, '\n')
	if end < 0 {
		return false, len(b) >= 256 || !plausiblePrefix(b)
	}
	line := bytes.TrimRight(b[:end], "\r")
	if bytes.HasPrefix(line, sipVersion) {
		return len(line) >= 11 && line[7] == ' ' && digit(line[8]) && digit(line[9]) && digit(line[10]), true
	}
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || len(line) < 12 || !bytes.HasSuffix(line, sipVersion) || line[len(line)-8] != ' ' {
		return false, true
	}
	return methodToken(line[:sp]), true
}

// plausiblePrefix reports whether an incomplete first line could still be a
// SIP start line, so the framing waits for more bytes instead of resyncing.
func plausiblePrefix(b []byte) bool {
	if len(b) <= len(sipVersion) && bytes.HasPrefix(sipVersion, b) {
		return true
	}
	if bytes.HasPrefix(b, sipVersion) {
		return true
	}
	sp := bytes.IndexByte(b, ' ')
	if sp < 0 {
		return methodToken(b)
	}
	return sp > 0 && methodToken(b[:sp])
}

func methodToken(b []byte) bool {
	if len(b) == 0 || len(b) > 32 {
		return false
	}
	for _, c := range b {
		if (c < 'A' || c > 'Z') && c != '-' {
			return false
		}
	}
	return true
}

func digit(c byte) bool { return c >= '0' && c <= '9' }

// frameStatus is the outcome of looking for one whole message.
type frameStatus uint8

const (
	frameOK       frameStatus = iota // a whole message of n bytes
	frameNeedMore                    // the message is not complete yet
	frameBad                         // not a SIP message here, or an impossible length
)

// frame finds the end of the SIP message that starts b, by the end of its
// headers and its Content-Length (RFC 3261 18.3: mandatory on streams; a
// missing one means no body).
func frame(b []byte) (n int, st frameStatus) {
	yes, decided := startLine(b)
	if !decided {
		return 0, frameNeedMore
	}
	if !yes {
		return 0, frameBad
	}
	hdrEnd, sepLen := headerEnd(b)
	if hdrEnd < 0 {
		if len(b) > maxMessage {
			return 0, frameBad
		}
		return 0, frameNeedMore
	}
	cl, ok := contentLength(b[:hdrEnd])
	if !ok || cl > maxMessage {
		return 0, frameBad
	}
	n = hdrEnd + sepLen + cl
	if len(b) < n {
		return 0, frameNeedMore
	}
	return n, frameOK
}

// headerEnd finds the blank line ending the headers: its offset and the
// length of the separator (CRLFCRLF, or bare LFLF from sloppy stacks).
func headerEnd(b []byte) (int, int) {
	crlf := bytes.Index(b, []byte("\r\n\r\n"))
	lf := bytes.Index(b, []byte("\n\n"))
	switch {
	case crlf < 0 && lf < 0:
		return -1, 0
	case lf < 0 || (crlf >= 0 && crlf < lf):
		return crlf, 4
	default:
		return lf, 2
	}
}

// contentLength reads Content-Length (or its compact form "l") from the
// header block; 0 when absent, ok=false when malformed.
func contentLength(h []byte) (int, bool) {
	for len(h) > 0 {
		var line []byte
		if i := bytes.IndexByte(h, '\n'); i >= 0 {
			line, h = h[:i], h[i+1:]
		} else {
			line, h = h, nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		name := bytes.TrimSpace(line[:colon])
		if !bytes.EqualFold(name, []byte("Content-Length")) && !bytes.EqualFold(name, []byte("l")) {
			continue
		}
		v := bytes.TrimSpace(line[colon+1:])
		if len(v) == 0 || len(v) > 9 {
			return 0, false
		}
		n := 0
		for _, c := range v {
			if !digit(c) {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	return 0, true
}

// nextStart finds the next offset after 0 where a SIP start line could
// begin, or -1. Used to resynchronise a stream after a gap. Candidates are
// line starts and, since a body need not end with CRLF, any capital letter
// not preceded by another; a line still incomplete counts only at a line
// start or near the end of b, where more bytes may complete it.
func nextStart(b []byte) int {
	for i := 1; i < len(b); i++ {
		lineStart := b[i-1] == '\n'
		if !lineStart && (b[i] < 'A' || b[i] > 'Z' || (b[i-1] >= 'A' && b[i-1] <= 'Z')) {
			continue
		}
		yes, decided := startLine(b[i:])
		if yes || (!decided && (lineStart || len(b)-i < 32)) {
			return i
		}
	}
	return -1
}

// skipCRLF skips keep-alive CRLFs (RFC 5626) before a message.
func skipCRLF(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}
