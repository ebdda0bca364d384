package capture

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cutover/cutover/monitor/sipparse"
	"github.com/cutover/cutover/monitor/termsafe"
)

// Tally counts SIP messages by request method and response code from their
// start lines, the way `tshark -q -z sip,stat` reports a capture.
type Tally struct {
	Requests  map[string]uint64
	Responses map[int]uint64 // by status code
	Reasons   map[int]string // the first reason phrase seen for each code
}

// NewTally returns an empty tally.
func NewTally() *Tally {
	return &Tally{Requests: map[string]uint64{}, Responses: map[int]uint64{}, Reasons: map[int]string{}}
}

// Add counts one message.
func (t *Tally) Add(raw []byte) {
	line := raw
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, "\r")
	if bytes.HasPrefix(line, sipVersion) && len(line) >= 11 {
		code := int(line[8]-'0')*100 + int(line[9]-'0')*10 + int(line[10]-'0')
		t.Responses[code]++
		if _, ok := t.Reasons[code]; !ok && len(line) > 12 {
			t.Reasons[code] = string(line[12:])
		}
		return
	}
	if sp := bytes.IndexByte(line, ' '); sp > 0 {
		t.Requests[sipparse.MethodName(line[:sp])]++ // a known method is not copied
	}
}

// Total is the number of messages counted.
func (t *Tally) Total() uint64 {
	var n uint64
	for _, c := range t.Requests {
		n += c
	}
	for _, c := range t.Responses {
		n += c
	}
	return n
}

// String lays the tally out like tshark's sip,stat: responses by code, then
// requests by method. Reason phrases and methods are what the network sent:
// their control characters are shown escaped (termsafe).
func (t *Tally) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP messages: %d\n", t.Total())
	for _, code := range slices.Sorted(maps.Keys(t.Responses)) {
		fmt.Fprintf(&b, "  SIP/2.0 %d %-28s: %d\n", code, termsafe.Line(t.Reasons[code]), t.Responses[code])
	}
	for _, m := range slices.Sorted(maps.Keys(t.Requests)) {
		fmt.Fprintf(&b, "  %-41s: %d\n", termsafe.Line(m), t.Requests[m])
	}
	return b.String()
}
