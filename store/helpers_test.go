package store

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

// t0 is the night's first event time: 2025-03-14 22:00 UTC.
var t0 = time.Date(2025, 3, 14, 22, 0, 0, 0, time.UTC).UnixNano()

func testConfig() monitor.Config {
	return monitor.Config{
		Name: "acme-night",
		Trunks: []monitor.Trunk{
			{Name: "legacy-in", Role: monitor.RoleLegacy, Addrs: []monitor.TrunkAddr{
				{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Port: 5060},
			}},
			{Name: "new-in", Role: monitor.RoleNew, Addrs: []monitor.TrunkAddr{
				{Prefix: netip.MustParsePrefix("2001:db8::/32")},
			}},
		},
		Numbers: []monitor.Number{
			{E164: "+15551234567", PortRequestID: "PR-1", PortState: monitor.PortApproved, Scheduled: t0},
			{E164: "+15551234568", PortRequestID: "PR-2", PortState: monitor.PortCompleted, Scheduled: t0, Activated: t0 + 5},
		},
		Thresholds:     monitor.Thresholds{ShortCall: 3 * time.Second, NERMin: 0.75, Codec488Share: 0.125},
		DefaultCountry: "1",
	}
}

// newRecording creates a recording with a begun cutover in a temp dir.
func newRecording(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "night.cutover"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.BeginCutover(testConfig(), "demo", t0); err != nil {
		t.Fatal(err)
	}
	return s
}

// openReader opens path for reading, closed at the end of the test.
func openReader(t testing.TB, path string) *Reader {
	t.Helper()
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// readAll reads every event after afterSeq.
func readAll(t testing.TB, r *Reader, afterSeq int64) (seqs []int64, evs []monitor.Event) {
	t.Helper()
	err := r.Events(context.Background(), afterSeq, func(seq int64, ev monitor.Event) error {
		seqs = append(seqs, seq)
		evs = append(evs, ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return seqs, evs
}

// invite is a realistic INVITE of about 600 bytes for call i.
func invite(i int) []byte {
	const body = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" +
		"m=audio 20000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
	return fmt.Appendf(nil, "INVITE sip:+15551234567@198.51.100.10:5060 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-%08d\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: <sip:+14155550100@192.0.2.10>;tag=f%08d\r\n"+
		"To: <sip:+15551234567@198.51.100.10>\r\n"+
		"Call-ID: c%08d@192.0.2.10\r\n"+
		"CSeq: 1 INVITE\r\n"+
		"Contact: <sip:+14155550100@192.0.2.10:5060>\r\n"+
		"P-Asserted-Identity: <sip:+14155550100@192.0.2.10;verstat=TN-Validation-Passed>\r\n"+
		"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"+
		"Content-Type: application/sdp\r\n"+
		"Content-Length: %d\r\n\r\n%s", i, i, i, len(body), body)
}

// ok200 is the 200 OK answering invite(i).
func ok200(i int) []byte {
	const body = "v=0\r\no=- 2 2 IN IP4 198.51.100.10\r\ns=-\r\nc=IN IP4 198.51.100.10\r\nt=0 0\r\n" +
		"m=audio 30000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
	return fmt.Appendf(nil, "SIP/2.0 200 OK\r\n"+
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-%08d\r\n"+
		"From: <sip:+14155550100@192.0.2.10>;tag=f%08d\r\n"+
		"To: <sip:+15551234567@198.51.100.10>;tag=t%08d\r\n"+
		"Call-ID: c%08d@192.0.2.10\r\n"+
		"CSeq: 1 INVITE\r\n"+
		"Contact: <sip:+15551234567@198.51.100.10:5060>\r\n"+
		"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"+
		"Content-Type: application/sdp\r\n"+
		"Content-Length: %d\r\n\r\n%s", i, i, i, i, len(body), body)
}

var (
	legacyAddr = netip.MustParseAddrPort("192.0.2.10:5060")
	pbxAddr    = netip.MustParseAddrPort("198.51.100.10:5060")
)

// sipEvents returns n SIP events: INVITE / 200 OK pairs, one ms apart.
func sipEvents(start, n int) []monitor.Event {
	evs := make([]monitor.Event, n)
	for j := range evs {
		i := start + j
		m := &monitor.SIPMessage{Src: legacyAddr, Dst: pbxAddr, Transport: "udp", Raw: invite(i / 2)}
		if i%2 == 1 {
			m = &monitor.SIPMessage{Src: pbxAddr, Dst: legacyAddr, Transport: "udp", Raw: ok200(i / 2)}
		} else {
			m.Stir = &monitor.StirVerdict{Attest: "A", Result: "valid"}
		}
		evs[j] = monitor.Event{Time: t0 + int64(i)*int64(time.Millisecond), Kind: monitor.KindSIP, Source: monitor.SourceSim, SIP: m}
	}
	return evs
}
