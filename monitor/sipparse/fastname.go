package sipparse

// hdr names a header the fast path reads itself (fast.go header).
type hdr uint8

const (
	hdrOther hdr = iota
	hdrCallID
	hdrCSeq
	hdrContentLength
	hdrContentType
	hdrMaxForwards
	hdrFrom
	hdrTo
	hdrContact
	hdrVia
	hdrPAI
	hdrIdentity
	hdrY
	hdrSweep
)

// hdrOf names a header by its name (long or compact form, any ASCII
// case, as isName compares): by its length first, then one or two
// comparisons.
func hdrOf(name []byte) hdr {
	switch len(name) {
	case 1: // the compact forms; 'X'|0x20 is 'x' for a letter and no other byte
		switch name[0] | 0x20 {
		case 'i':
			return hdrCallID
		case 'l':
			return hdrContentLength
		case 'c':
			return hdrContentType
		case 'f':
			return hdrFrom
		case 't':
			return hdrTo
		case 'm':
			return hdrContact
		case 'v':
			return hdrVia
		case 'y':
			return hdrY
		}
	case 2:
		return either(name, "to", hdrTo, "", hdrOther)
	case 3:
		return either(name, "via", hdrVia, "", hdrOther)
	case 4:
		return either(name, "cseq", hdrCSeq, "from", hdrFrom)
	case 7:
		return either(name, "call-id", hdrCallID, "contact", hdrContact)
	case 8:
		return either(name, "identity", hdrIdentity, "", hdrOther)
	case 12:
		return either(name, "content-type", hdrContentType, "max-forwards", hdrMaxForwards)
	case 14:
		return either(name, "content-length", hdrContentLength, "", hdrOther)
	case 15:
		return either(name, "x-cutover-sweep", hdrSweep, "", hdrOther)
	case 19:
		return either(name, "p-asserted-identity", hdrPAI, "", hdrOther)
	}
	return hdrOther
}

// either is a's header if name is a, b's if it is b (both of name's
// length, or "").
func either(name []byte, a string, ha hdr, b string, hb hdr) hdr {
	switch {
	case asciiEqualFold(name, a):
		return ha
	case b != "" && asciiEqualFold(name, b):
		return hb
	}
	return hdrOther
}
