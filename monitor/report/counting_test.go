package report

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

// memRec is a recording held in memory: a config and its events in order.
type memRec struct {
	cfg monitor.Config
	evs []monitor.Event
}

func (r *memRec) Path() string           { return "mem.db" }
func (r *memRec) Config() monitor.Config { return r.cfg }
func (r *memRec) Mode() string           { return "import" }
func (r *memRec) EndedNs() int64         { return 1 }
func (r *memRec) CheckpointAtOrBefore(int64) (int64, int64, []byte, bool, error) {
	return 0, 0, nil, false, nil
}

func (r *memRec) Events(ctx context.Context, after int64, fn func(int64, monitor.Event) error) error {
	for i, ev := range r.evs {
		if seq := int64(i + 1); seq > after {
			if err := fn(seq, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

var (
	cLegacy = netip.MustParseAddrPort("198.51.100.10:5060")
	cNew    = netip.MustParseAddrPort("203.0.113.20:5060")
	cSBC    = netip.MustParseAddrPort("192.0.2.1:5060")
	cPBX    = netip.MustParseAddrPort("192.0.2.10:5060")
	cT0     = time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC)
	cNum    = "+15550100001"
)

func countingConfig() monitor.Config {
	return monitor.Config{
		Name: "counting", DefaultCountry: "1",
		Trunks: []monitor.Trunk{
			{Name: "legacy", Role: monitor.RoleLegacy, Addrs: []monitor.TrunkAddr{{Prefix: netip.PrefixFrom(cLegacy.Addr(), 32)}}},
			{Name: "new", Role: monitor.RoleNew, Addrs: []monitor.TrunkAddr{{Prefix: netip.PrefixFrom(cNew.Addr(), 32)}}},
		},
		Numbers: []monitor.Number{{E164: cNum, PortRequestID: "PR-1", PortState: monitor.PortPending}},
	}
}

// sipAt is one SIP message of call id from src to dst at t; first is its
// start line, hdr any extra headers.
func sipAt(t time.Time, src, dst netip.AddrPort, first, id, from, to, toTag, method string, hdr string) monitor.Event {
	tt := ""
	if toTag != "" {
		tt = ";tag=" + toTag
	}
	raw := fmt.Sprintf("%s\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%s\r\nFrom: <sip:%s@%s>;tag=f-%s\r\nTo: <sip:%s@%s>%s\r\nCall-ID: %s\r\nCSeq: 1 %s\r\n%sContent-Length: 0\r\n\r\n",
		first, src, id, from, src.Addr(), id, to, dst.Addr(), tt, id, method, hdr)
	return monitor.Event{Time: t.UnixNano(), Kind: monitor.KindSIP, Source: monitor.SourceHEP,
		SIP: &monitor.SIPMessage{Src: src, Dst: dst, Transport: "udp", Raw: []byte(raw)}}
}

// leg writes the INVITE and a final response of one leg of call id.
type leg struct {
	id, from, to string
	caller       netip.AddrPort
	callee       netip.AddrPort
}

func (l leg) invite(t time.Time, hdr string) monitor.Event {
	return sipAt(t, l.caller, l.callee, "INVITE sip:"+l.to+"@"+l.callee.Addr().String()+" SIP/2.0", l.id, l.from, l.to, "", "INVITE", hdr)
}

func (l leg) reply(t time.Time, code int) monitor.Event {
	return sipAt(t, l.callee, l.caller, fmt.Sprintf("SIP/2.0 %d Reason", code), l.id, l.from, l.to, "t-"+l.id, "INVITE", "")
}

func build(t *testing.T, cfg monitor.Config, evs ...monitor.Event) *Report {
	t.Helper()
	rep, err := Build(context.Background(), &memRec{cfg: cfg, evs: evs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func codeSum(s Summary) int {
	n := 0
	for _, c := range s.Codes {
		n += c.Count
	}
	return n
}

// Issue 13 counting defect 1: a call whose PBX-side INVITE falls just
// before a minute and whose trunk-side INVITE falls just after it kept its
// trunk attempt in the minute the report had already closed: the trunk's
// attempts came to one fewer than its codes.
func TestReportKeepsTheTrunkAttemptOfACallAcrossAMinute(t *testing.T) {
	edge := cT0.Add(time.Minute)
	pbxLeg := leg{id: "c1", from: "+12125550100", to: cNum, caller: cSBC, callee: cPBX}
	// an inbound call: the carrier's leg to the SBC, mirrored after the PBX's
	trunkLeg := leg{id: "c1", from: "+12125550100", to: cNum, caller: cLegacy, callee: cSBC}
	other := leg{id: "c0", from: "+12125550100", to: cNum, caller: cLegacy, callee: cSBC}
	rep := build(t, countingConfig(),
		other.invite(cT0.Add(10*time.Second), ""), other.reply(cT0.Add(11*time.Second), 486),
		pbxLeg.invite(edge.Add(-time.Millisecond), ""),
		trunkLeg.invite(edge.Add(time.Millisecond), ""),
		trunkLeg.reply(edge.Add(time.Second), 200),
		pbxLeg.reply(edge.Add(time.Second+time.Millisecond), 200),
	)
	tot := rep.Trunks[0].Total
	if tot.Attempts != 2 || codeSum(tot) != 2 {
		t.Fatalf("legacy trunk: %d attempts, codes add up to %d; want 2 and 2", tot.Attempts, codeSum(tot))
	}
	n := 0
	for _, m := range rep.Trunks[0].Minutes {
		n += m.Attempts
	}
	if n != 2 {
		t.Fatalf("legacy trunk's minutes add up to %d attempts, want 2", n)
	}
}

// Issue 13 counting defect 2: a trunk's totals said inbound_legacy and
// inbound_new were 0 whatever it received; only the numbers counted where
// inbound calls landed.
func TestReportTrunkTotalsCountInboundCalls(t *testing.T) {
	var evs []monitor.Event
	for i, c := range []struct {
		from netip.AddrPort
		to   string
	}{{cLegacy, cNum}, {cLegacy, "+15550109999"}, {cNew, cNum}} { // the second is not a ported number: still the trunk's call
		l := leg{id: fmt.Sprintf("in%d", i), from: "+12125550100", to: c.to, caller: c.from, callee: cSBC}
		at := cT0.Add(time.Duration(i) * time.Second)
		evs = append(evs, l.invite(at, ""), l.reply(at.Add(time.Millisecond), 200))
	}
	rep := build(t, countingConfig(), evs...)
	if l, n := rep.Trunks[0].Total, rep.Trunks[1].Total; l.Legacy != 2 || l.New != 0 || n.Legacy != 0 || n.New != 1 {
		t.Fatalf("inbound legacy/new: legacy trunk %d/%d, new trunk %d/%d; want 2/0 and 0/1", l.Legacy, l.New, n.Legacy, n.New)
	}
	if nr := rep.Numbers[0].Total; nr.Legacy != 1 || nr.New != 1 {
		t.Fatalf("number: inbound legacy/new %d/%d, want 1/1", nr.Legacy, nr.New)
	}
}

// Issue 13 counting defect 5: activations given in cutover.toml never
// reached the timeline, only port-state events did.
func TestReportTimelineListsConfiguredActivations(t *testing.T) {
	cfg := countingConfig()
	act := cT0.Add(5 * time.Minute)
	cfg.Numbers[0].PortState, cfg.Numbers[0].Activated = monitor.PortCompleted, act.UnixNano()
	l := leg{id: "c1", from: "+12125550100", to: cNum, caller: cNew, callee: cSBC}
	rep := build(t, cfg, l.invite(cT0.Add(10*time.Minute), ""), l.reply(cT0.Add(10*time.Minute+time.Second), 200))
	var got []string
	for _, e := range rep.Timeline {
		if e.Kind == "port" {
			got = append(got, e.Time.Format(time.TimeOnly)+" "+e.Subject+" "+e.Text)
		}
	}
	if want := "01:05:00 " + cNum + " port completed (cutover.toml)"; len(got) != 1 || got[0] != want {
		t.Fatalf("port entries on the timeline: %q, want [%q]", got, want)
	}
}

// Issue 13 counting defect 6: still_on_legacy counted the whole minute of
// the activation, calls that arrived before the activation included.
func TestStillOnLegacyCountsOnlyCallsAfterTheActivation(t *testing.T) {
	cfg := countingConfig()
	act := cT0.Add(5*time.Minute + 30*time.Second)
	cfg.Numbers[0].PortState, cfg.Numbers[0].Activated = monitor.PortCompleted, act.UnixNano()
	var evs []monitor.Event
	for i, d := range []time.Duration{5*time.Minute + 10*time.Second, 5*time.Minute + 50*time.Second, 7 * time.Minute} {
		l := leg{id: fmt.Sprintf("z%d", i), from: "+12125550100", to: cNum, caller: cLegacy, callee: cSBC}
		evs = append(evs, l.invite(cT0.Add(d), ""), l.reply(cT0.Add(d+time.Second), 200))
	}
	rep := build(t, cfg, evs...)
	if len(rep.Legacy) != 1 || rep.Legacy[0].Calls != 2 {
		t.Fatalf("still on legacy: %+v, want %s with the 2 calls after its activation", rep.Legacy, cNum)
	}
	if l := rep.Legacy[0]; !l.First.Equal(cT0.Add(5*time.Minute)) || !l.Last.Equal(cT0.Add(7*time.Minute)) {
		t.Fatalf("still on legacy from %s to %s", l.First, l.Last)
	}
	if n := rep.Numbers[0].Total; n.Legacy != 3 {
		t.Fatalf("the number's inbound legacy calls: %d, want all 3", n.Legacy)
	}
}

// A CI run of the transit lab: calls that the legacy carrier sent from a
// ported number, routed on to legacy for a zombie number (same Call-ID),
// were left out of "still on legacy" whenever they fell in a minute in
// which the zombie had no call attempt of its own: the report skipped a
// number's minute without attempts, and an onward landing is the calling
// number's attempt, not the called one's.
func TestStillOnLegacyKeepsOnwardLandingsInAMinuteWithoutAttempts(t *testing.T) {
	cfg := countingConfig()
	cfg.Topology = monitor.TopologyTransit
	const caller = "+15550100002"
	cfg.Numbers = append(cfg.Numbers, monitor.Number{E164: caller, PortRequestID: "PR-1"})
	for i := range cfg.Numbers {
		cfg.Numbers[i].PortState, cfg.Numbers[i].Activated = monitor.PortCompleted, cT0.UnixNano()
	}
	var evs []monitor.Event
	// One call of the zombie's own at 01:10 (sent to legacy), then two
	// from legacy, sent on to legacy, at 01:11.
	own := leg{id: "own", from: "+12125550100", to: cNum, caller: cSBC, callee: cLegacy}
	evs = append(evs, own.invite(cT0.Add(10*time.Minute), ""), own.reply(cT0.Add(10*time.Minute+time.Second), 200))
	for i := range 2 {
		at := cT0.Add(11*time.Minute + time.Duration(i)*10*time.Second)
		in := leg{id: fmt.Sprintf("on%d", i), from: caller, to: cNum, caller: cLegacy, callee: cSBC}
		out := leg{id: in.id, from: caller, to: cNum, caller: cSBC, callee: cLegacy}
		evs = append(evs, in.invite(at, ""), out.invite(at.Add(time.Millisecond), ""),
			out.reply(at.Add(time.Second), 200), in.reply(at.Add(time.Second+time.Millisecond), 200))
	}
	rep := build(t, cfg, evs...)
	if len(rep.Legacy) != 1 || rep.Legacy[0].E164 != cNum || rep.Legacy[0].Calls != 3 {
		t.Fatalf("still on legacy: %+v, want %s with its own call and the 2 sent on", rep.Legacy, cNum)
	}
	for _, n := range rep.Numbers {
		if n.E164 == cNum && n.Total.Legacy != 3 {
			t.Errorf("%s: %d calls landed on legacy, want 3", n.E164, n.Total.Legacy)
		}
	}
}
