package monitor

import (
	"net/netip"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor/sipparse"
)

// A probe OPTIONS that got no answer is the prober's to judge: with its
// fail_after threshold not reached it reports the trunk still up, and the
// fold must not time the request out on its own 32 s later.
func TestProbeOptionsTimeoutFollowsTheProberThresholds(t *testing.T) {
	trunk := netip.MustParseAddrPort("198.51.100.10:5060")
	cfg := Config{Trunks: []Trunk{{Name: "legacy", Role: RoleLegacy, Addrs: []TrunkAddr{{Prefix: netip.PrefixFrom(trunk.Addr(), 32)}}}}}
	st := NewState(cfg)
	t0 := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC).UnixNano()
	req := &SIPMessage{Src: netip.MustParseAddrPort("192.0.2.1:5062"), Dst: trunk, Transport: "udp",
		Raw: []byte("OPTIONS sip:198.51.100.10:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK1\r\nFrom: <sip:probe@192.0.2.1>;tag=1\r\nTo: <sip:198.51.100.10>\r\nCall-ID: p1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")}
	if err := req.Decode(sipparse.Parse); err != nil {
		t.Fatal(err)
	}
	st.Apply(Event{Time: t0, Kind: KindProbe, Source: SourceProbe, Probe: &ProbeResult{Trunk: "legacy", Probe: ProbeOptions, Code: 200, Health: HealthUp}})
	st.Apply(Event{Time: t0 + int64(30*time.Second), Kind: KindSIP, Source: SourceProbe, SIP: req})
	st.Apply(Event{Time: t0 + int64(35*time.Second), Kind: KindProbe, Source: SourceProbe,
		Probe: &ProbeResult{Trunk: "legacy", Probe: ProbeOptions, Code: 408, Health: HealthUp, Err: "no answer within 5s"}})
	st.Apply(Event{Time: t0 + int64(90*time.Second), Kind: KindTick})
	if tr := st.Snapshot().Trunks[0]; tr.OptionsUp != 1 {
		t.Fatalf("one unanswered probe (of fail_after 3) shows the trunk %d, want still up", tr.OptionsUp)
	}
	// The same OPTIONS seen on the wire (HEP, capture) still times out in the fold.
	obs := NewState(cfg)
	obs.Apply(Event{Time: t0, Kind: KindSIP, Source: SourceHEP, SIP: req})
	obs.Apply(Event{Time: t0 + int64(60*time.Second), Kind: KindTick})
	if tr := obs.Snapshot().Trunks[0]; tr.OptionsUp != -1 || tr.OptionsCode != 408 {
		t.Fatalf("an observed OPTIONS without answer: up %d code %d, want down 408", tr.OptionsUp, tr.OptionsCode)
	}
}
