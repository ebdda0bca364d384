package monitor

import (
	"fmt"
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
