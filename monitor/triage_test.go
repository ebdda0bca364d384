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
