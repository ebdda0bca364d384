package monitor_test

import (
	"testing"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

// TestRulesTable: every rule is listed once, with a scope, a severity, a
// meaning and its hysteresis; split_brain is fixed by o and the trunk
// outages by f.
func TestRulesTable(t *testing.T) {
	seen := map[monitor.Rule]bool{}
	th := monitor.DefaultThresholds()
	for _, s := range monitor.Rules {
		if seen[s.Rule] {
			t.Errorf("%s listed twice", s.Rule)
		}
		seen[s.Rule] = true
		if s.Scope == 0 || s.Severity == "" || s.Meaning == "" || s.Hysteresis == nil || s.Hysteresis(th) == "" {
			t.Errorf("%s: incomplete %+v", s.Rule, s)
		}
		if s.Rule.Spec().Rule != s.Rule {
			t.Errorf("%s: Spec() finds %q", s.Rule, s.Rule.Spec().Rule)
		}
	}
	if len(seen) != 16 {
		t.Errorf("%d rules", len(seen))
	}
	for r, key := range map[monitor.Rule]string{
		monitor.RuleSplitBrain: "o", monitor.RuleOptionsDown: "f", monitor.RuleTimeoutBurst: "f", monitor.RuleNERDrop: "f", monitor.RuleTrunkSilent: "f",
		monitor.RuleZombie: "", monitor.RuleActionUnverified: "", monitor.Rule("nope"): "",
		monitor.RuleOneWayAudio: "f", monitor.RuleNoMedia: "f", monitor.RuleMOSLow: "f",
	} {
		if got := r.FixKey(); got != key {
			t.Errorf("%s.FixKey() = %q, want %q", r, got, key)
		}
	}
	if got := monitor.RuleTimeoutBurst.Spec().Hysteresis(th); got != "opens at ≥ 10 408/503 in 1 min, closes below 5" {
		t.Errorf("timeout_burst hysteresis: %q", got)
	}
}

// TestDemoAlertsAreInTheTable: every alert the demo night raises is a rule
// of the table, on a subject of its scope.
func TestDemoAlertsAreInTheTable(t *testing.T) {
	o := sim.DefaultOptions()
	cfg := sim.Config(o)
	numbers, trunks := map[string]bool{}, map[string]bool{}
	for _, n := range cfg.Numbers {
		numbers[n.E164] = true
	}
	for _, tr := range cfg.Trunks {
		trunks[tr.Name] = true
	}
	st := monitor.NewState(cfg)
	raised := map[monitor.Rule]bool{}
	for night := sim.New(o); ; {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if ev.SIP != nil {
			ev.SIP.Decode(sipparse.Parse)
		}
		st.Apply(ev)
		for _, ev := range st.Drain(nil) {
			a := ev.Alert
			if a == nil || !a.Open {
				continue
			}
			spec := a.Rule.Spec()
			raised[a.Rule] = true
			switch {
			case spec.Rule == "":
				t.Errorf("alert %s is not in Rules", a.Key())
			case trunks[a.Subject] && !spec.Scope.Has(monitor.ScopeTrunk),
				numbers[a.Subject] && !spec.Scope.Has(monitor.ScopeNumber):
				t.Errorf("alert %s: subject outside the rule's scope %s", a.Key(), spec.Scope)
			}
		}
	}
	if len(raised) == 0 {
		t.Fatal("the demo night raised no alert")
	}
}
