package monitor

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// topoSBC is the box cutover watches in these tests: a transit SBC, or a
// business's SBC.
var topoSBC = netip.MustParseAddrPort("192.0.2.1:5060")

// topoPorted is testConfig with both numbers' ports completed at t0, in
// topology top.
func topoPorted(top Topology) Config {
	cfg := testConfig()
	cfg.Topology = top
	for i := range cfg.Numbers {
		cfg.Numbers[i].PortState, cfg.Numbers[i].Activated = PortCompleted, t0
	}
	return cfg
}

func topoNumber(t *testing.T, s *State, e164 string) NumberView {
	t.Helper()
	for _, n := range s.Snapshot().Numbers {
		if n.E164 == e164 {
			return n
		}
	}
	t.Fatalf("no number %s", e164)
	return NumberView{}
}

func topoTrunk(s *State, name string) TrunkView {
	for _, tr := range s.Snapshot().Trunks {
		if tr.Name == name {
			return tr
		}
	}
	return TrunkView{}
}

// topoCall sends one initial INVITE from src to dst, from → to, and its 200.
func topoCall(t *testing.T, s *State, id string, when int64, src, dst netip.AddrPort, from, to string, v *StirVerdict) {
	t.Helper()
	d := newDialog(t, id, src, dst, from, to)
	inv := d.invite(when, "")
	inv.SIP.Stir = v
	applyAll(s, inv, d.reply(when+int64(time.Second), 200, "OK"))
}

// In transit a call sent towards a trunk lands on its called number: a
// ported number still routed to legacy after activation is counted as
// still on legacy, opens zombie once zombie_after has passed, and the
// trunk counts the landing too. The caller, a ported number as well, does
// not leave by that trunk: split_brain stays shut.
func TestTransitLandingIsACallSentToATrunk(t *testing.T) {
	s := NewState(topoPorted(TopologyTransit))
	other := "+15550100002"
	topoCall(t, s, "z1", at(5*time.Minute), topoSBC, legacy, other, testNum, nil)
	n := topoNumber(t, s, testNum)
	if w := n.Win[Win15m]; w.Attempts != 1 || w.Legacy != 1 || w.New != 0 || w.LegacyAfter != 1 {
		t.Errorf("called number after one call sent to legacy: %+v", w)
	}
	if n.Serving != "legacy" || n.Egress != "" {
		t.Errorf("called number: serving %q egress %q, want legacy and none", n.Serving, n.Egress)
	}
	if open := openAlerts(s); open[alertKey(RuleZombie, testNum)] {
		t.Errorf("zombie opened 5m after activation, before zombie_after: %v", open)
	}
	topoCall(t, s, "z2", at(19*time.Minute), topoSBC, legacy, other, testNum, nil)
	open := openAlerts(s)
	if !open[alertKey(RuleZombie, testNum)] {
		t.Errorf("no zombie on %s after a call sent to legacy 19m after activation: %v", testNum, open)
	}
	if open[alertKey(RuleSplitBrain, other)] || open[alertKey(RuleZombie, other)] {
		t.Errorf("the calling number counted a call sent to legacy: %v", open)
	}
	if c := topoNumber(t, s, other); c.Win[Win15m].Attempts != 0 || c.Egress != "" || c.Serving != "" {
		t.Errorf("calling number: %+v", c)
	}
	if w := topoTrunk(s, "legacy").Win[Win15m]; w.Legacy != 2 || w.Attempts != 2 {
		t.Errorf("legacy trunk: %+v, want 2 landings", w)
	}
	var msg string
	for _, a := range s.Snapshot().Alerts {
		if a.Rule == RuleZombie && a.Subject == testNum {
			msg = a.Message
		}
	}
	if !strings.Contains(msg, "sent to legacy trunk legacy 19m") {
		t.Errorf("zombie says %q", msg)
	}

	topoCall(t, s, "n1", at(21*time.Minute), topoSBC, newTr, other, testNum, nil)
	n = topoNumber(t, s, testNum)
	if n.Serving != "new" || n.Win[Win15m].New != 1 {
		t.Errorf("after a call sent to new: serving %q, %+v", n.Serving, n.Win[Win15m])
	}
}

// A call sent to legacy before the activation is on legacy, not "still on
// legacy": LegacyAfter counts from the activation on.
func TestTransitLegacyAfterCountsFromActivation(t *testing.T) {
	cfg := topoPorted(TopologyTransit)
	cfg.Numbers[0].Activated = at(10 * time.Minute)
	s := NewState(cfg)
	topoCall(t, s, "b1", at(9*time.Minute), topoSBC, legacy, "+12125550100", testNum, nil)
	topoCall(t, s, "a1", at(11*time.Minute), topoSBC, legacy, "+12125550100", testNum, nil)
	if w := topoNumber(t, s, testNum).Win[Win15m]; w.Legacy != 2 || w.LegacyAfter != 1 {
		t.Errorf("legacy %d, after activation %d; want 2 and 1", w.Legacy, w.LegacyAfter)
	}
}

// An SBC that mirrors both legs shows the customer's leg first, with no
// trunk, then its leg to the carrier. In transit the call lands on the
// called number by the carrier's trunk, counted once.
func TestTransitBothLegsLandOnce(t *testing.T) {
	s := NewState(topoPorted(TopologyTransit))
	customer := netip.MustParseAddrPort("192.0.2.50:5060")
	in := newDialog(t, "m1", customer, topoSBC, "+12125550100", testNum)
	out := newDialog(t, "m1", topoSBC, legacy, "+12125550100", testNum)
	applyAll(s, in.invite(at(20*time.Minute), ""), out.invite(at(20*time.Minute)+1, ""),
		out.reply(at(21*time.Minute), 200, "OK"), in.reply(at(21*time.Minute)+1, 200, "OK"))
	n := topoNumber(t, s, testNum)
	if w := n.Win[Win15m]; w.Attempts != 1 || w.Legacy != 1 || w.LegacyAfter != 1 || w.Answered != 1 {
		t.Errorf("number: %+v", w)
	}
	if n.Serving != "legacy" || !openAlerts(s)[alertKey(RuleZombie, testNum)] {
		t.Errorf("serving %q, alerts %v", n.Serving, openAlerts(s))
	}
	if w := topoTrunk(s, "legacy").Win[Win15m]; w.Attempts != 1 || w.Legacy != 1 {
		t.Errorf("legacy trunk: %+v", w)
	}
}

// In transit a call arriving from a trunk is its calling number's egress:
// a ported number whose calls still come from the legacy provider is
// split_brain, with the attestation that carrier signed counted for the
// number. The called number (not ported) gets nothing; the number's
// landing counters stay at zero.
func TestTransitEgressIsACallArrivingFromATrunk(t *testing.T) {
	s := NewState(topoPorted(TopologyTransit))
	topoCall(t, s, "e1", at(time.Minute), legacy, topoSBC, testNum, "+12125550100", &StirVerdict{Result: "valid", Attest: "B"})
	n := topoNumber(t, s, testNum)
	if n.Egress != "legacy" || n.Serving != "" {
		t.Errorf("egress %q serving %q, want legacy and none", n.Egress, n.Serving)
	}
	w := n.Win[Win15m]
	if w.Attempts != 1 || w.Legacy != 0 || w.LegacyAfter != 0 || w.Attest.B != 1 || w.Attest.Total() != 1 {
		t.Errorf("number: %+v", w)
	}
	open := openAlerts(s)
	if !open[alertKey(RuleSplitBrain, testNum)] || open[alertKey(RuleZombie, testNum)] {
		t.Errorf("alerts: %v, want split_brain only", open)
	}
	if tw := topoTrunk(s, "legacy").Win[Win15m]; tw.Attest.B != 1 || tw.Legacy != 0 {
		t.Errorf("legacy trunk: %+v", tw)
	}
	topoCall(t, s, "e2", at(2*time.Minute), newTr, topoSBC, "+15550100002", "+12125550100", nil)
	if o := topoNumber(t, s, "+15550100002"); o.Egress != "new" || o.Win[Win15m].Attest.None != 1 {
		t.Errorf("unsigned egress from new: %+v", o)
	}
}

// The same two calls, seen from a business's SBC: the call arriving from
// legacy lands on its called number, the one sent to legacy leaves from
// its calling number. Nothing of that changes with the topology setting's
// arrival; an enterprise's own outbound test call to its own ported number
// (sent to a trunk) is not a landing for that number.
func TestBusinessCountsAsBefore(t *testing.T) {
	s := NewState(topoPorted(TopologyBusiness))
	other := "+15550100002"
	// the enterprise calls its own number out through legacy: egress of other
	topoCall(t, s, "t1", at(20*time.Minute), pbx, legacy, other, testNum, nil)
	n := topoNumber(t, s, testNum)
	if n.Serving != "" || n.Win[Win15m].Attempts != 0 || n.Win[Win15m].Legacy != 0 {
		t.Errorf("own outbound test call counted for the called number: %+v", n)
	}
	open := openAlerts(s)
	if open[alertKey(RuleZombie, testNum)] || !open[alertKey(RuleSplitBrain, other)] {
		t.Errorf("alerts %v: want split_brain on %s only", open, other)
	}
	if o := topoNumber(t, s, other); o.Egress != "legacy" {
		t.Errorf("calling number: egress %q", o.Egress)
	}
	// it comes back in from the new carrier: that is the landing
	topoCall(t, s, "t2", at(20*time.Minute+2*time.Second), newTr, pbx, other, testNum, nil)
	if n := topoNumber(t, s, testNum); n.Serving != "new" || n.Win[Win15m].New != 1 {
		t.Errorf("the test call arriving from new: %+v", n)
	}
	// a call arriving from legacy lands: zombie
	topoCall(t, s, "t3", at(21*time.Minute), legacy, pbx, "+12125550100", testNum, nil)
	if !openAlerts(s)[alertKey(RuleZombie, testNum)] {
		t.Errorf("no zombie after a call arriving from legacy: %v", openAlerts(s))
	}
}

// An empty topology is the business one and keeps older recordings'
// checkpoint checksums; transit changes the checksum.
func TestTopologyInConfigSum(t *testing.T) {
	sum := func(top Topology) uint64 {
		cfg := testConfig()
		cfg.Topology = top
		return (&State{c: core{Cfg: cfg}}).configSum()
	}
	if sum("") != sum(TopologyBusiness) {
		t.Error("business and the default give different checksums")
	}
	if sum("") == sum(TopologyTransit) {
		t.Error("transit does not change the checksum")
	}
}

// A transit fold checkpointed mid-night restores to the same numbers.
func TestTransitCheckpointRoundTrip(t *testing.T) {
	s := NewState(topoPorted(TopologyTransit))
	topoCall(t, s, "c1", at(20*time.Minute), topoSBC, legacy, "+12125550100", testNum, nil)
	blob, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	r := NewState(topoPorted(TopologyTransit))
	if err := r.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	topoCall(t, s, "c2", at(21*time.Minute), topoSBC, legacy, "+12125550100", testNum, nil)
	topoCall(t, r, "c2", at(21*time.Minute), topoSBC, legacy, "+12125550100", testNum, nil)
	a, b := topoNumber(t, s, testNum), topoNumber(t, r, testNum)
	if a.Win[Win15m].LegacyAfter != 2 || b.Win[Win15m].LegacyAfter != 2 || a.Serving != b.Serving {
		t.Errorf("live %+v\nrestored %+v", a.Win[Win15m], b.Win[Win15m])
	}
	if err := NewState(topoPorted(TopologyBusiness)).UnmarshalBinary(blob); err == nil {
		t.Error("a transit checkpoint restored into a business fold")
	}
}

// The carrier's answer can reach the collector before the mirrored INVITE
// sent to it: in transit the call still lands on its called number by the
// carrier's trunk, once.
func TestTransitAnswerOvertakingTheInvite(t *testing.T) {
	s := NewState(topoPorted(TopologyTransit))
	customer := netip.MustParseAddrPort("192.0.2.50:5060")
	in := newDialog(t, "o1", customer, topoSBC, "+12125550100", testNum)
	out := newDialog(t, "o1", topoSBC, legacy, "+12125550100", testNum)
	late := out.invite(at(20*time.Minute)+2, "")
	applyAll(s, in.invite(at(20*time.Minute), ""), out.reply(at(20*time.Minute)+5, 180, "Ringing"), late,
		out.reply(at(21*time.Minute), 200, "OK"))
	n := topoNumber(t, s, testNum)
	if w := n.Win[Win15m]; w.Attempts != 1 || w.Legacy != 1 || w.LegacyAfter != 1 || n.Serving != "legacy" {
		t.Errorf("number: serving %q %+v", n.Serving, w)
	}
	if w := topoTrunk(s, "legacy").Win[Win15m]; w.Attempts != 1 || w.Legacy != 1 {
		t.Errorf("legacy trunk: %+v", w)
	}
}

// In transit the attestation mix is that of the calls arriving from a
// carrier, signed by it as the originating provider: unsigned ones open
// attestation on the trunk, with no carrier_signs hint (it does not apply
// there).
func TestTransitAttestationOfCallsFromACarrier(t *testing.T) {
	cfg := testConfig()
	cfg.Topology = TopologyTransit
	s := NewState(cfg)
	for i := range 12 {
		topoCall(t, s, "u"+strconv.Itoa(i), at(time.Duration(i)*10*time.Second), newTr, topoSBC, "+12125550100", testNum, nil)
	}
	var msg string
	for _, a := range s.Snapshot().Alerts {
		if a.Rule == RuleAttestation && a.Subject == "new" && a.Closed == 0 {
			msg = a.Message
		}
	}
	if !strings.Contains(msg, "attestation of calls from the trunk over 5m0s: A 0, B 0, C 0, none 12") || strings.Contains(msg, "carrier_signs") {
		t.Errorf("attestation on new: %q", msg)
	}
	if w := topoTrunk(s, "new").Win[Win5m]; w.Verstat.Absent != 0 || w.Attest.None != 12 {
		t.Errorf("new trunk: %+v", w)
	}
}

// A transit call from one carrier sent on to another keeps one Call-ID:
// it is its caller's attempt on the first trunk and lands on the called
// number by the second, once, however often that INVITE is retransmitted,
// and across a checkpoint.
func TestTransitCallSentOnFromOneTrunkToAnother(t *testing.T) {
	s := NewState(topoPorted(TopologyTransit))
	in := newDialog(t, "x1", newTr, topoSBC, "+15550100002", testNum)
	out := newDialog(t, "x1", topoSBC, legacy, "+15550100002", testNum)
	applyAll(s, in.invite(at(20*time.Minute), ""), out.invite(at(20*time.Minute)+1, ""))
	blob, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	r := NewState(topoPorted(TopologyTransit))
	if err := r.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	for _, st := range []*State{s, r} {
		applyAll(st, out.invite(at(20*time.Minute)+int64(500*time.Millisecond), ""), // a retransmission
			out.reply(at(21*time.Minute), 200, "OK"), in.reply(at(21*time.Minute)+1, 200, "OK"))
		n := topoNumber(t, st, testNum)
		if w := n.Win[Win15m]; w.Legacy != 1 || w.LegacyAfter != 1 || n.Serving != "legacy" || !openAlerts(st)[alertKey(RuleZombie, testNum)] {
			t.Errorf("called number: serving %q %+v, alerts %v", n.Serving, w, openAlerts(st))
		}
		caller := topoNumber(t, st, "+15550100002")
		if w := caller.Win[Win15m]; w.Attempts != 1 || w.Answered != 1 || caller.Egress != "new" || caller.Serving != "" {
			t.Errorf("calling number: egress %q serving %q %+v", caller.Egress, caller.Serving, w)
		}
		if w := topoTrunk(st, "new").Win[Win15m]; w.Attempts != 1 || w.Legacy+w.New != 0 {
			t.Errorf("new trunk (the call's attempt, no landing): %+v", w)
		}
		if w := topoTrunk(st, "legacy").Win[Win15m]; w.Attempts != 0 || w.Legacy != 1 {
			t.Errorf("legacy trunk (the landing, not the attempt): %+v", w)
		}
	}
}

// A routing change on a transit SBC (a failover of calls to the providers,
// direction out) is verified by the calls it sends on to the expected
// trunk, whether they came from a customer or from another carrier.
func TestTransitOnwardCallsVerifyAnAction(t *testing.T) {
	s := NewState(topoPorted(TopologyTransit))
	exp := ActionExpect{Dir: DirOut, Trunks: []string{"legacy"}, Numbers: []string{testNum}, Within: int64(5 * time.Minute), Calls: 2}
	applyAll(s, actionSteps(at(0), "failover-1", "failover", &exp, "")...)
	customer := netip.MustParseAddrPort("192.0.2.50:5060")
	for i, from := range []netip.AddrPort{customer, newTr} {
		id := "v" + strconv.Itoa(i)
		when := at(time.Duration(10*(i+1)) * time.Second)
		applyAll(s, newDialog(t, id, from, topoSBC, "+12125550100", testNum).invite(when, ""),
			newDialog(t, id, topoSBC, legacy, "+12125550100", testNum).invite(when+1, ""))
	}
	if v := actionView(t, s, "failover-1"); v.State != ActionVerified || v.Progress != "verified: 2 calls on legacy" {
		t.Errorf("action: %s %q", v.State, v.Progress)
	}
}
