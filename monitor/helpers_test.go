package monitor

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor/sipparse"
)

var (
	t0      = time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC).UnixNano()
	legacy  = netip.MustParseAddrPort("198.51.100.10:5060")
	newTr   = netip.MustParseAddrPort("203.0.113.20:5060")
	pbx     = netip.MustParseAddrPort("192.0.2.10:5060")
	testNum = "+15550100001"
)

func testConfig() Config {
	return Config{
		Name:           "test night",
		DefaultCountry: "1",
		Trunks: []Trunk{
			{Name: "legacy", Role: RoleLegacy, Addrs: []TrunkAddr{{Prefix: netip.PrefixFrom(legacy.Addr(), 32)}}},
			{Name: "new", Role: RoleNew, Addrs: []TrunkAddr{{Prefix: netip.PrefixFrom(newTr.Addr(), 32), Port: 5060}}},
		},
		Numbers: []Number{
			{E164: testNum, PortRequestID: "PR-1", PortState: PortPending},
			{E164: "+15550100002", PortRequestID: "PR-1", PortState: PortPending},
		},
	}
}

// at returns event time t0 + d.
func at(d time.Duration) int64 { return t0 + int64(d) }

// sipEvent builds a decoded SIP event from text with \n line ends.
func sipEvent(t *testing.T, when int64, src, dst netip.AddrPort, text string) Event {
	t.Helper()
	m := &SIPMessage{Src: src, Dst: dst, Transport: "udp", Raw: []byte(crlf(text))}
	if err := m.Decode(sipparse.Parse); err != nil {
		t.Fatalf("decode: %v\n%s", err, text)
	}
	return Event{Time: when, Kind: KindSIP, Source: "test", SIP: m}
}

func crlf(s string) string {
	out := make([]byte, 0, len(s)+32)
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' && (i == 0 || s[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// dialog writes the messages of one call between a caller and a callee.
type dialog struct {
	t        *testing.T
	callID   string
	from, to string // user parts
	caller   netip.AddrPort
	callee   netip.AddrPort
	cseq     int
	toTag    string
}

func newDialog(t *testing.T, id string, caller, callee netip.AddrPort, from, to string) *dialog {
	return &dialog{t: t, callID: id, caller: caller, callee: callee, from: from, to: to, cseq: 1}
}

func (d *dialog) headers(method string, cseq int, toTag string, extra string) string {
	tt := ""
	if toTag != "" {
		tt = ";tag=" + toTag
	}
	return fmt.Sprintf("Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%d\nFrom: <sip:%s@%s>;tag=f-%s\nTo: <sip:%s@%s>%s\nCall-ID: %s\nCSeq: %d %s\nMax-Forwards: 70\n%sContent-Length: 0\n\n",
		d.caller, d.callID, cseq, d.from, d.caller.Addr(), d.callID, d.to, d.callee.Addr(), tt, d.callID, cseq, method, extra)
}

func (d *dialog) invite(when int64, extra string) Event {
	return sipEvent(d.t, when, d.caller, d.callee,
		fmt.Sprintf("INVITE sip:%s@%s SIP/2.0\n", d.to, d.callee.Addr())+d.headers("INVITE", d.cseq, "", extra))
}

func (d *dialog) reply(when int64, code int, reason string) Event {
	tag := ""
	if code > 100 {
		d.toTag = "t-" + d.callID
		tag = d.toTag
	}
	return sipEvent(d.t, when, d.callee, d.caller,
		fmt.Sprintf("SIP/2.0 %d %s\n", code, reason)+d.headers("INVITE", d.cseq, tag, ""))
}

func (d *dialog) bye(when int64) Event {
	return sipEvent(d.t, when, d.caller, d.callee,
		fmt.Sprintf("BYE sip:%s@%s SIP/2.0\n", d.to, d.callee.Addr())+d.headers("BYE", d.cseq+1, d.toTag, ""))
}

func applyAll(s *State, evs ...Event) {
	for _, e := range evs {
		s.Apply(e)
	}
}

func openAlerts(s *State) map[string]bool {
	out := map[string]bool{}
	for k := range s.c.Alerts {
		out[k] = true
	}
	return out
}
