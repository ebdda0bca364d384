package monitor

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// outbound places n outbound calls from num through the new trunk, one
// every gap from start, each carrying verdict v (nil: none), answered.
func outbound(t *testing.T, s *State, prefix, num string, start int64, gap time.Duration, n int, v *StirVerdict) int64 {
	t.Helper()
	when := start
	for i := 0; i < n; i++ {
		d := newDialog(t, fmt.Sprintf("%s-%d", prefix, i), pbx, newTr, num, "+12125550100")
		ev := d.invite(when, "")
		if v != nil {
			c := *v
			ev.SIP.Stir = &c
		}
		s.Apply(ev)
		s.Apply(d.reply(when+int64(time.Second), 200, "OK"))
		s.Apply(d.bye(when + int64(5*time.Second)))
		when += int64(gap)
	}
	return when
}

func TestAttestationAlertTrunkOpensAndCloses(t *testing.T) {
	s := NewState(testConfig())
	end := outbound(t, s, "a", testNum, at(0), 10*time.Second, 12, &StirVerdict{Attest: "A", Result: "valid"})
	if openAlerts(s)["attestation:new"] {
		t.Fatal("attestation open while every call is A")
	}
	// The new carrier starts signing B: the A share over 5 min falls below 90%.
	end = outbound(t, s, "b", testNum, end, 10*time.Second, 6, &StirVerdict{Attest: "B", Result: "valid"})
	if !openAlerts(s)["attestation:new"] {
		t.Fatalf("no attestation alert with 6 of 18 calls at B: %v", openAlerts(s))
	}
	if !openAlerts(s)["attestation:"+testNum] {
		t.Fatalf("no attestation alert on the number (12 A, 6 B in 15 min): %v", openAlerts(s))
	}
	snap := s.Snapshot()
	st := snap.Trunks[1].Win[Win5m]
	if st.Attest.A != 12 || st.Attest.B != 6 || st.Stir[stirIndex("valid")] != 18 {
		t.Fatalf("5 min mix %+v, reasons %v", st.Attest, st.Stir)
	}
	// Back to A: the B calls age out of the 5 min window and it closes.
	outbound(t, s, "a2", testNum, end, 10*time.Second, 40, &StirVerdict{Attest: "A", Result: "valid"})
	if openAlerts(s)["attestation:new"] {
		t.Fatal("attestation still open after 6 minutes of A")
	}
	got := drainRules(s)
	var att []string
	for _, g := range got {
		if g == "open attestation:new" || g == "close attestation:new" {
			att = append(att, g)
		}
	}
	if len(att) != 2 || att[0] != "open attestation:new" || att[1] != "close attestation:new" {
		t.Fatalf("attestation events %v (all: %v)", att, got)
	}
}

func TestAttestationAlertInvalidAndNumber(t *testing.T) {
	s := NewState(testConfig())
	end := outbound(t, s, "a", testNum, at(0), 20*time.Second, 3, &StirVerdict{Attest: "A", Result: "valid"})
	outbound(t, s, "x", testNum, end, 20*time.Second, 2, &StirVerdict{Attest: "A", Result: "bad-signature"})
	open := openAlerts(s)
	if !open["attestation:new"] || !open["attestation:"+testNum] {
		t.Fatalf("invalid signatures did not open attestation on trunk and number: %v", open)
	}
	a := s.c.Alerts["attestation:new"]
	if a.Severity != SevCritical {
		t.Fatalf("severity %s, want critical", a.Severity)
	}
	n := s.Snapshot().Numbers[0]
	st := n.Win[Win15m]
	if st.Attest.Invalid != 2 || st.Stir[stirIndex("bad-signature")] != 2 || st.Stir.Invalid() != 2 || st.Stir.Total() != 5 {
		t.Fatalf("number mix %+v reasons %v", st.Attest, st.Stir)
	}
	if len(n.Flags) == 0 || n.Flags[0] != "attestation" {
		t.Fatalf("number flags %v", n.Flags)
	}
	// Quiet for 16 minutes: the sweep closes the number's alert.
	s.Apply(Event{Time: end + int64(16*time.Minute), Kind: KindTick})
	if open := openAlerts(s); open["attestation:"+testNum] || open["attestation:new"] {
		t.Fatalf("attestation still open after the window emptied: %v", open)
	}
}

func TestAttestationUnverifiedClaimAndVerstat(t *testing.T) {
	s := NewState(testConfig())
	// No verdict from ingest: the fold falls back to the decoded claim.
	d := newDialog(t, "u", pbx, newTr, testNum, "+12125550100")
	s.Apply(d.invite(at(0), "Identity: eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJDIn0.c2ln;info=<https://x/y>\n"))
	in := newDialog(t, "in", newTr, pbx, "+12125550100", testNum)
	s.Apply(in.invite(at(time.Second), "P-Asserted-Identity: <tel:+12125550100;verstat=TN-Validation-Passed-B>\n"))
	in2 := newDialog(t, "in2", legacy, pbx, "+12125550100", testNum)
	s.Apply(in2.invite(at(2*time.Second), ""))
	st := s.Snapshot().Numbers[0].Win[Win1m]
	if st.Attest.C != 1 || st.Attest.Total() != 1 || st.Stir.Total() != 0 {
		t.Fatalf("unverified claim: mix %+v reasons %v", st.Attest, st.Stir)
	}
	if st.Verstat.Passed != 1 || st.Verstat.Absent != 1 {
		t.Fatalf("verstat %+v", st.Verstat)
	}
}

// night is the attestation night of TestAttestationAlertInvalidAndNumber
// plus a call whose trunk leg follows its PBX leg (an SBC mirroring both),
// with each INVITE's verdict either inline or pending, its verdict then
// folded as a later event once the call was answered.
func lateNight(t *testing.T, late bool) *State {
	t.Helper()
	s := NewState(testConfig())
	sbc := netip.MustParseAddrPort("192.0.2.99:5060")
	verdicts := []StirVerdict{{Attest: "A", Result: "valid"}, {Attest: "A", Result: "valid"}, {Attest: "A", Result: "valid"},
		{Attest: "A", Result: "bad-signature"}, {Attest: "A", Result: "bad-signature"}, {Attest: "B", Result: "cert-unavailable"}}
	when := at(0)
	for i, v := range verdicts {
		var legs []*dialog
		if i < 5 {
			legs = []*dialog{newDialog(t, fmt.Sprintf("c%d", i), pbx, newTr, testNum, "+12125550100")}
		} else { // the PBX leg is not on a trunk; the trunk leg attaches the call
			legs = []*dialog{newDialog(t, "sbc", pbx, sbc, testNum, "+12125550100"), newDialog(t, "sbc", sbc, newTr, testNum, "+12125550100")}
		}
		var follow []Event
		for k, d := range legs {
			ev := d.invite(when+int64(k)*int64(time.Millisecond), "")
			vd := v
			if late {
				ref := uint64(100*i + k + 1)
				vd = StirVerdict{Result: StirPending, Ref: ref}
				follow = append(follow, Event{Time: ev.Time, Kind: KindStirVerdict, Source: SourceStir,
					Verdict: &LateVerdict{Ref: ref, CallID: d.callID, Verdict: v}})
			}
			ev.SIP.Stir = &vd
			s.Apply(ev)
		}
		d := legs[len(legs)-1]
		s.Apply(d.reply(when+int64(time.Second), 200, "OK"))
		applyAll(s, follow...)
		s.Apply(d.bye(when + int64(5*time.Second)))
		when += int64(20 * time.Second)
	}
	s.Apply(Event{Time: when + int64(time.Minute), Kind: KindTick})
	return s
}

// A verdict that follows its request counts where the inline verdict
// would have: the same attestation mix and verdict reasons on the trunk
// and the number, the same alerts.
func TestLateVerdictFoldsAsInline(t *testing.T) {
	inline, late := lateNight(t, false), lateNight(t, true)
	a, b := inline.Snapshot(), late.Snapshot()
	for w := range Windows {
		for i := range a.Trunks {
			if x, y := a.Trunks[i].Win[w], b.Trunks[i].Win[w]; x.Attest != y.Attest || x.Stir != y.Stir {
				t.Errorf("trunk %s window %d: inline %+v %v, late %+v %v", a.Trunks[i].Name, w, x.Attest, x.Stir, y.Attest, y.Stir)
			}
		}
		if x, y := a.Numbers[0].Win[w], b.Numbers[0].Win[w]; x.Attest != y.Attest || x.Stir != y.Stir {
			t.Errorf("number window %d: inline %+v %v, late %+v %v", w, x.Attest, x.Stir, y.Attest, y.Stir)
		}
	}
	if got := a.Trunks[1].Win[Win15m].Attest; got.A != 3 || got.Invalid != 3 {
		t.Fatalf("the night's trunk mix %+v: want 3 A, 3 invalid", got)
	}
	if x, y := openAlerts(inline), openAlerts(late); fmt.Sprint(x) != fmt.Sprint(y) || !x["attestation:new"] || !x["attestation:"+testNum] {
		t.Errorf("open alerts: inline %v, late %v", x, y)
	}
	if b.Stir.Late != 7 || b.StirPending != 0 || b.Stir.Orphaned != 0 || a.Stir != (StirCounts{}) {
		t.Errorf("late counts %+v (pending %d), inline %+v", b.Stir, b.StirPending, a.Stir)
	}
}

// A verdict the fold no longer waits for is counted, not lost; a request
// whose verdict never comes stops being waited for, and is counted too.
func TestLateVerdictOrphanedAndExpired(t *testing.T) {
	s := NewState(testConfig())
	d := newDialog(t, "gone", pbx, newTr, testNum, "+12125550100")
	ev := d.invite(at(0), "")
	ev.SIP.Stir = &StirVerdict{Result: StirPending, Ref: 7}
	s.Apply(ev)
	if s.Snapshot().StirPending != 1 {
		t.Fatal("the pending verdict is not waited for")
	}
	s.Apply(Event{Time: at(stirWaitMax + time.Minute), Kind: KindTick})
	verdict := Event{Time: at(0), Kind: KindStirVerdict, Source: SourceStir,
		Verdict: &LateVerdict{Ref: 7, CallID: "gone", Verdict: StirVerdict{Attest: "A", Result: "valid", TooMany: 8}}}
	s.Apply(verdict)
	s.Apply(Event{Time: at(stirWaitMax + time.Minute), Kind: KindStirVerdict, Source: SourceStir, Verdict: &LateVerdict{Ref: 99}})
	snap := s.Snapshot()
	if want := (StirCounts{Orphaned: 2, Expired: 1}); snap.Stir != want || snap.StirPending != 0 {
		t.Fatalf("counts %+v pending %d, want %+v", snap.Stir, snap.StirPending, want)
	}
	if mix := snap.Trunks[1].Win[Win15m].Attest; mix.Total() != 0 {
		t.Fatalf("an orphaned verdict was counted: %+v", mix)
	}
}

// A request not verified because the verifier was overloaded counts its
// claim, as without a verifier, and is counted; so are Identity headers
// beyond the verifier's cap.
func TestOverloadedVerdictCountsTheClaim(t *testing.T) {
	s := NewState(testConfig())
	d := newDialog(t, "busy", pbx, newTr, testNum, "+12125550100")
	ev := d.invite(at(0), "Identity: eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJDIn0.c2ln;info=<https://x/y>\n")
	ev.SIP.Stir = &StirVerdict{Result: StirOverloaded}
	s.Apply(ev)
	d2 := newDialog(t, "many", pbx, newTr, testNum, "+12125550100")
	ev = d2.invite(at(time.Second), "")
	ev.SIP.Stir = &StirVerdict{Attest: "A", Result: "cert-unavailable", TooMany: 8}
	s.Apply(ev)
	snap := s.Snapshot()
	st := snap.Trunks[1].Win[Win1m]
	if st.Attest.C != 1 || st.Attest.Invalid != 1 || st.Stir.Total() != 1 {
		t.Fatalf("mix %+v reasons %v", st.Attest, st.Stir)
	}
	if want := (StirCounts{Overloaded: 1, TooMany: 8}); snap.Stir != want {
		t.Fatalf("counts %+v, want %+v", snap.Stir, want)
	}
}
