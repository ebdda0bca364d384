package capture

import "bytes"

// maxMessage is the largest SIP message the TCP framing accepts; a larger
// one is dropped (counted as Oversize) and the stream resyncs.
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
	frameBad                         // not a SIP message here, or a malformed length
	frameTooBig                      // a SIP message over maxMessage
)

// frameHint is what framing learnt about the message at the front of a
// stream while it waited for more bytes, so that a message arriving in
// small segments is searched once, not once per segment.
type frameHint struct {
	searched int // bytes already searched for the end of the headers (the start line is SIP)
	total    int // the message's whole length, once its headers are read
}

// frame finds the end of the SIP message that starts b, by the end of its
// headers and its Content-Length (RFC 3261 18.3: mandatory on streams; a
// missing one means no body).
func frame(b []byte) (int, frameStatus) {
	var h frameHint
	n, st, _ := frameFrom(b, &h)
	return n, st
}

// frameFrom is frame for a message that may have been looked at before:
// h carries what was learnt (and is updated); searched is how many bytes
// this call searched for the end of the headers.
func frameFrom(b []byte, h *frameHint) (n int, st frameStatus, searched int) {
	if h.total > 0 {
		if len(b) < h.total {
			return 0, frameNeedMore, 0
		}
		return h.total, frameOK, 0
	}
	if h.searched == 0 {
		yes, decided := startLine(b)
		if !decided {
			return 0, frameNeedMore, 0
		}
		if !yes {
			return 0, frameBad, 0
		}
	}
	from := max(0, h.searched-3) // a separator may straddle the old end
	hdrEnd, sepLen := headerEnd(b[from:])
	searched = len(b) - from
	if hdrEnd < 0 {
		if len(b) > maxMessage {
			return 0, frameTooBig, searched
		}
		h.searched = len(b)
		return 0, frameNeedMore, searched
	}
	hdrEnd += from
	cl, ok := contentLength(b[:hdrEnd])
	if !ok {
		return 0, frameBad, searched
	}
	if cl > maxMessage {
		return 0, frameTooBig, searched
	}
	n = hdrEnd + sepLen + cl
	h.total = n
	if len(b) < n {
		return 0, frameNeedMore, searched
	}
	return n, frameOK, searched
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
