package capture

import (
	"maps"
	"testing"
)

// Tally counts requests by method and responses by code, the first reason
// phrase of each code kept, whatever the method.
func TestTallyCounts(t *testing.T) {
	tl := NewTally()
	for _, m := range []string{
		"INVITE sip:a@b SIP/2.0\r\n\r\n", "INVITE sip:c@d SIP/2.0\r\n\r\n", "X-ODD sip:a@b SIP/2.0\r\n\r\n",
		"SIP/2.0 200 OK\r\n\r\n", "SIP/2.0 200 Fine\r\n\r\n", "SIP/2.0 486 Busy Here\r\n\r\n",
	} {
		tl.Add([]byte(m))
	}
	if want := map[string]uint64{"INVITE": 2, "X-ODD": 1}; !maps.Equal(tl.Requests, want) {
		t.Errorf("requests %v, want %v", tl.Requests, want)
	}
	if want := map[int]uint64{200: 2, 486: 1}; !maps.Equal(tl.Responses, want) {
		t.Errorf("responses %v, want %v", tl.Responses, want)
	}
	if want := map[int]string{200: "OK", 486: "Busy Here"}; !maps.Equal(tl.Reasons, want) {
		t.Errorf("reasons %v, want %v", tl.Reasons, want)
	}
}

// A request of a known method is counted without an allocation (the
// method was copied into a new string each time: one allocation).
func TestTallyAddAllocatesNothing(t *testing.T) {
	tl := NewTally()
	req := []byte("INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n")
	if n := testing.AllocsPerRun(1000, func() { tl.Add(req) }); n != 0 {
		t.Errorf("%.2f allocations a request", n)
	}
	if tl.Requests["INVITE"] != 1001 {
		t.Errorf("%d INVITEs counted of 1001", tl.Requests["INVITE"])
	}
}
