package sipparse

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// isName compares a header name with its long and compact forms, ignoring
// ASCII case (sipgo lowers names the same way).
func isName(name []byte, long, compact string) bool {
	if len(name) == len(long) {
		return asciiEqualFold(name, long)
	}
	return compact != "" && len(name) == 1 && asciiEqualFold(name, compact)
}

// hdrNames is what the fast path read header by header before hdrOf,
// in its order: the reference hdrOf is held to.
var hdrNames = []struct {
	long, compact string
	h             hdr
}{
	{"call-id", "i", hdrCallID}, {"cseq", "", hdrCSeq}, {"content-length", "l", hdrContentLength},
	{"content-type", "c", hdrContentType}, {"max-forwards", "", hdrMaxForwards}, {"from", "f", hdrFrom},
	{"to", "t", hdrTo}, {"contact", "m", hdrContact}, {"via", "v", hdrVia}, {"p-asserted-identity", "", hdrPAI},
	{"identity", "", hdrIdentity}, {"y", "", hdrY}, {"x-cutover-sweep", "", hdrSweep},
}

func hdrByIsName(name []byte) hdr {
	for _, n := range hdrNames {
		if isName(name, n.long, n.compact) {
			return n.h
		}
	}
	return hdrOther
}

// TestHdrOfAgreesWithIsName: hdrOf names every header as the chain of
// isName comparisons did: each name in random ASCII case, every one- and
// two-byte name, and names one byte off.
func TestHdrOfAgreesWithIsName(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 7))
	check := func(name []byte) {
		if got, want := hdrOf(name), hdrByIsName(name); got != want {
			t.Fatalf("%q: hdrOf %d, isName %d", name, got, want)
		}
	}
	for c := 0; c < 256; c++ {
		check([]byte{byte(c)})
		for d := 0; d < 256; d++ {
			check([]byte{byte(c), byte(d)})
		}
	}
	for _, n := range hdrNames {
		for _, form := range []string{n.long, n.compact, "Long-" + n.long} {
			for range 200 {
				b := []byte(form)
				for i := range b {
					if rng.IntN(2) == 0 {
						b[i] = strings.ToUpper(string(b[i]))[0]
					}
				}
				check(b)
				if len(b) > 0 {
					b[rng.IntN(len(b))] = byte(rng.IntN(256))
					check(b)
				}
			}
		}
	}
}
