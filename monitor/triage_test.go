package monitor

import (
	"strings"
	"testing"
	"time"
)

// TestAlertsListBySeverityThenAge: the snapshot lists open alerts critical
// first, each severity newest first, then the closed ones, the last closed
// first.
func TestAlertsListBySeverityThenAge(t *testing.T) {
	s := NewState(testConfig())
	s.openAlert(at(0), RuleZombie, "+15550100001", SevWarning, "w old")
	s.openAlert(at(time.Minute), RuleSplitBrain, "+15550100001", SevCritical, "c old")
	s.openAlert(at(2*time.Minute), RuleDropRate, "+15550100002", SevWarning, "w new")
	s.openAlert(at(3*time.Minute), RuleSplitBrain, "+15550100002", SevCritical, "c new")
	s.openAlert(at(4*time.Minute), RuleTrunkSilent, "legacy", SevWarning, "closes first")
	s.openAlert(at(5*time.Minute), RuleTrunkSilent, "new", SevWarning, "closes last")
	s.closeAlert(at(6*time.Minute), RuleTrunkSilent, "legacy", nil)
	s.closeAlert(at(7*time.Minute), RuleTrunkSilent, "new", nil)
	var got []string
	for _, a := range s.Snapshot().Alerts {
		got = append(got, a.Key())
	}
	want := []string{
		"split_brain:+15550100002", "split_brain:+15550100001",
		"drop_rate:+15550100002", "zombie:+15550100001",
		"trunk_silent:new", "trunk_silent:legacy",
	}
	if len(got) != len(want) {
		t.Fatalf("alerts %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("alerts %v, want %v", got, want)
		}
	}
}

// TestOptionsDownFollowsTheProbersHealth: a trunk the OPTIONS prober
// reports down (its fail_after reached) has a critical options_down alert
// of its own; single failures the prober still counts as up raise nothing,
// nor does pending; it closes when the prober reports the trunk up again
// (its recover_after reached), saying so.
func TestOptionsDownFollowsTheProbersHealth(t *testing.T) {
	s := NewState(testConfig())
	probe := func(d time.Duration, code int, h Health) {
		s.Apply(Event{Time: at(d), Kind: KindProbe, Source: SourceProbe,
			Probe: &ProbeResult{Trunk: "legacy", Probe: ProbeOptions, Code: code, RTT: 20 * time.Millisecond, Health: h}})
	}
	probe(0, 408, HealthPending)
	probe(30*time.Second, 200, HealthUp)
	probe(60*time.Second, 408, HealthUp) // one failure of fail_after 3
	probe(90*time.Second, 408, HealthUp)
	if open := openAlerts(s); open["options_down:legacy"] {
		t.Fatalf("options_down before the prober says down: %v", open)
	}
	probe(120*time.Second, 503, HealthDown)
	a, ok := s.c.Alerts["options_down:legacy"]
	if !ok {
		t.Fatalf("no options_down once the prober says down: %v", openAlerts(s))
	}
	if a.Severity != SevCritical || !strings.Contains(a.Message, "503") {
		t.Fatalf("options_down %+v", a.AlertChange)
	}
	probe(150*time.Second, 200, HealthDown) // one answer of recover_after 2
	if !openAlerts(s)["options_down:legacy"] {
		t.Fatal("options_down closed before the prober says up")
	}
	probe(180*time.Second, 200, HealthUp)
	if openAlerts(s)["options_down:legacy"] {
		t.Fatal("options_down still open once the prober says up")
	}
	got := drainRules(s)
	if len(got) != 2 || got[0] != "open options_down:legacy" || got[1] != "close options_down:legacy" {
		t.Fatalf("alert events %v", got)
	}
	closed := s.c.Closed[len(s.c.Closed)-1]
	if !strings.Contains(closed.Message, "up again") {
		t.Fatalf("closed options_down reads %q", closed.Message)
	}
}

// message is the open alert's message, or the last closed one's.
func message(t *testing.T, s *State, key string) string {
	t.Helper()
	if a, ok := s.c.Alerts[key]; ok {
		return a.Message
	}
	for i := len(s.c.Closed) - 1; i >= 0; i-- {
		if s.c.Closed[i].Key() == key {
			return s.c.Closed[i].Message
		}
	}
	t.Fatalf("no alert %s", key)
	return ""
}

// TestNERMessagesAgreeWithTheirThresholds: ner_drop's message never
// contradicts itself after rounding. Just below 80 % it reads 79.6 %, not
// "NER 80% … below 80%"; back above 80 % but short of the 85 % that
// closes it, it says it is recovering (84.8 %, not 85 %), not "below
// 80%"; closed, it gives the value that closed it, not the opening text.
func TestNERMessagesAgreeWithTheirThresholds(t *testing.T) {
	s := NewState(testConfig())
	const key = "ner_drop:legacy"
	end := calls(t, s, "bad", "legacy", testNum, at(0), 2*time.Second, 10, 503, 0)
	end = calls(t, s, "ok1", "legacy", testNum, end, 2*time.Second, 39, 200, time.Minute) // 39/49 = 79.59 %
	msg := message(t, s, key)
	if !s.c.Alerts[key].Open || !strings.Contains(msg, "NER 79.6%") || !strings.Contains(msg, "below 80%") {
		t.Fatalf("at 39/49: %q", msg)
	}
	end = calls(t, s, "ok2", "legacy", testNum, end, 2*time.Second, 7, 200, time.Minute) // 46/56 = 82.1 %
	if msg := message(t, s, key); strings.Contains(msg, "below") || !strings.Contains(msg, "NER 82%") || !strings.Contains(msg, "85%") {
		t.Fatalf("at 46/56, open between the thresholds: %q", msg)
	}
	end = calls(t, s, "ok3", "legacy", testNum, end, 2*time.Second, 10, 200, time.Minute) // 56/66 = 84.8 %
	if msg := message(t, s, key); !strings.Contains(msg, "NER 84.8%") {
		t.Fatalf("at 56/66, still open: %q", msg)
	}
	calls(t, s, "ok4", "legacy", testNum, end, 2*time.Second, 1, 200, time.Minute) // 57/67 = 85.07 %
	if _, open := s.c.Alerts[key]; open {
		t.Fatal("ner_drop still open at 85.07 %")
	}
	msg = message(t, s, key)
	if strings.Contains(msg, "below") || !strings.Contains(msg, "NER 85.1%") || !strings.Contains(msg, "at or above 85%") {
		t.Fatalf("closed ner_drop reads %q", msg)
	}
	var closing string
	for _, e := range s.Drain(nil) {
		if e.Alert != nil && !e.Alert.Open && e.Alert.Key() == key {
			closing = e.Alert.Message
		}
	}
	if closing != "closed: "+msg {
		t.Fatalf("the recorded close reads %q, the closed alert %q", closing, msg)
	}
}

// TestClosedAlertsSayWhyTheyClosed: a closed alert's message is why it
// closed, not its opening text with numbers no longer true.
func TestClosedAlertsSayWhyTheyClosed(t *testing.T) {
	s := NewState(testConfig())
	end := calls(t, s, "to", "legacy", "+15550100002", at(0), 3*time.Second, 12, 503, 0)
	if _, open := s.c.Alerts["timeout_burst:legacy"]; !open {
		t.Fatal("no timeout_burst")
	}
	s.Apply(Event{Time: end + int64(2*time.Minute), Kind: KindTick})
	if msg := message(t, s, "timeout_burst:legacy"); strings.Contains(msg, "timing out") || !strings.Contains(msg, "408/503 in the last minute, under 5") {
		t.Fatalf("closed timeout_burst reads %q", msg)
	}
}

// TestNERClosesAtExactlyItsRecoveryThreshold: the rule table says ner_drop
// closes at NER ≥ 85 %; 170 of 200 is 85 % and closes it, although 0.8 +
// 0.05 is a hair above 0.85 in floating point.
func TestNERClosesAtExactlyItsRecoveryThreshold(t *testing.T) {
	s := NewState(testConfig())
	const key = "ner_drop:legacy"
	end := calls(t, s, "bad", "legacy", testNum, at(0), time.Second, 30, 503, 0)
	end = calls(t, s, "ok", "legacy", testNum, end, time.Second, 169, 200, time.Minute) // 169/199 = 84.9 %
	if msg := message(t, s, key); !s.c.Alerts[key].Open || !strings.Contains(msg, "NER 84.9%") || !strings.Contains(msg, "closes at 85%") {
		t.Fatalf("at 169/199: %q", msg)
	}
	calls(t, s, "last", "legacy", testNum, end, time.Second, 1, 200, time.Minute) // 170/200 = 85 %
	if _, open := s.c.Alerts[key]; open {
		t.Fatalf("ner_drop still open at 170/200 = 85 %%: %q", message(t, s, key))
	}
	if msg := message(t, s, key); !strings.Contains(msg, "NER 85% over 5 min (200 attempts), at or above 85%") {
		t.Fatalf("closed at 85 %%: %q", msg)
	}
}

// TestAttestationMessagesAgreeWithTheirThresholds: an open attestation
// alert whose A share is back at 90 % (short of the 95 % that closes it)
// does not read "A 90% … below 90%"; at exactly 95 % it closes, and its
// closed message gives that share.
func TestAttestationMessagesAgreeWithTheirThresholds(t *testing.T) {
	s := NewState(testConfig())
	const key = "attestation:new"
	a, b := &StirVerdict{Attest: "A", Result: "valid"}, &StirVerdict{Attest: "B", Result: "valid"}
	end := outbound(t, s, "b", testNum, at(0), 5*time.Second, 2, b)
	end = outbound(t, s, "a1", testNum, end, 5*time.Second, 8, a) // 8 of 10 A
	if !openAlerts(s)[key] {
		t.Fatalf("no attestation at 8 of 10 A: %v", openAlerts(s))
	}
	end = outbound(t, s, "a2", testNum, end, 5*time.Second, 10, a) // 18 of 20: 90 %
	if msg := message(t, s, key); strings.Contains(msg, "below") || !strings.Contains(msg, "A 90% of 20 calls") || !strings.Contains(msg, "closes at 95%") {
		t.Fatalf("at 18 of 20 A: %q", msg)
	}
	outbound(t, s, "a3", testNum, end, 5*time.Second, 20, a) // 38 of 40: 95 %
	if openAlerts(s)[key] {
		t.Fatalf("attestation still open at 38 of 40 A (95 %%): %q", message(t, s, key))
	}
	if msg := message(t, s, key); !strings.Contains(msg, "A 95% of 40 calls, at or above 95%") {
		t.Fatalf("closed attestation reads %q", msg)
	}
}
