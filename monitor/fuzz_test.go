package monitor

import (
	"net/netip"
	"testing"

	"github.com/cutover/cutover/monitor/sipparse"
)

// FuzzParseSIP: no message panics the parser or the fold; what parses is
// a request with a method or a response with a status code, and a message
// that does not parse is folded as malformed. The seed corpus is in
// testdata/fuzz/FuzzParseSIP.
func FuzzParseSIP(f *testing.F) {
	f.Add([]byte("INVITE sip:+14155550101@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK1\r\nFrom: <sip:+14155550100@198.51.100.10>;tag=a\r\nTo: <sip:+14155550101@192.0.2.1>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("SIP/2.0 488 Not Acceptable Here\r\nVia: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK1\r\nFrom: <sip:+14155550100@198.51.100.10>;tag=a\r\nTo: <sip:+14155550101@192.0.2.1>;tag=b\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("SIP/2.0 200 OK\r\nCSeq: x REGISTER\r\nContact: <sip:a@b>;expires=-5\r\n\r\n"))
	f.Add([]byte("\x00\x01garbage"))
	src := netip.MustParseAddrPort("198.51.100.10:5060")
	dst := netip.MustParseAddrPort("192.0.2.1:5060")
	f.Fuzz(func(t *testing.T, raw []byte) {
		info, err := sipparse.Parse(raw)
		if err == nil {
			switch {
			case info.Request && (info.Method == "" || info.Code != 0):
				t.Fatalf("request without a method or with a code: %+v", info)
			case !info.Request && (info.Code < 100 || info.Code > 699):
				t.Fatalf("response with code %d", info.Code)
			}
		}
		st := NewState(Config{Name: "fuzz", Trunks: []Trunk{{Name: "legacy", Role: RoleLegacy,
			Addrs: []TrunkAddr{{Prefix: netip.PrefixFrom(src.Addr(), 32)}}}},
			Numbers: []Number{{E164: "+14155550101", PortState: PortCompleted, Activated: 1}}})
		m := &SIPMessage{Src: src, Dst: dst, Transport: "udp", Raw: raw}
		_ = m.Decode(sipparse.Parse)
		st.Apply(Event{Time: 1, Kind: KindSIP, Source: "fuzz", SIP: m})
		snap := st.Snapshot()
		if err != nil && snap.Malformed != 1 {
			t.Fatalf("a message that does not parse folded as %d malformed", snap.Malformed)
		}
	})
}
