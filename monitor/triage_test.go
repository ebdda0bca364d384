package monitor

import (
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
	s.closeAlert(at(6*time.Minute), RuleTrunkSilent, "legacy")
	s.closeAlert(at(7*time.Minute), RuleTrunkSilent, "new")
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
