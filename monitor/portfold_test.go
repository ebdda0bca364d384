package monitor

import (
	"testing"
	"time"
)

func portEvent(when int64, p PortChange) Event {
	return Event{Time: when, Kind: KindPortState, Source: SourcePorting, Port: &p}
}

func openAlertOn(s *Snapshot, rule Rule, subject string) *AlertView {
	for i := range s.Alerts {
		if a := &s.Alerts[i]; a.Rule == rule && a.Subject == subject && a.Closed == 0 {
			return a
		}
	}
	return nil
}

// A carrier's API that reports a completed port going back to in progress
// is shown and alerted, not applied: the number stays completed (and its
// activation stands) until a forward report or an operator says otherwise.
func TestPortBackwardsIsAlertedNotApplied(t *testing.T) {
	s := NewState(testConfig())
	s.Apply(portEvent(at(0), PortChange{Number: testNum, State: PortCompleted, Request: "PR-1", Status: "ported", Previous: PortInProgress}))
	s.Apply(portEvent(at(time.Minute), PortChange{Number: testNum, State: PortInProgress, Request: "PR-1", Status: "in-process",
		Previous: PortCompleted, Backwards: true}))
	snap := s.Snapshot()
	n := snap.Numbers[0]
	if n.PortState != PortCompleted || n.Activated != at(0) {
		t.Fatalf("a backwards report was applied: %s, activated %d", n.PortState, n.Activated)
	}
	a := openAlertOn(snap, RulePortBackwards, testNum)
	if a == nil || a.Severity != SevCritical {
		t.Fatalf("no critical %s alert: %+v", RulePortBackwards, snap.Alerts)
	}
	s.Apply(portEvent(at(2*time.Minute), PortChange{Number: testNum, State: PortInProgress}))
	snap = s.Snapshot()
	if snap.Numbers[0].PortState != PortInProgress || openAlertOn(snap, RulePortBackwards, testNum) != nil {
		t.Fatalf("an operator's change did not apply and close the alert: %s %+v", snap.Numbers[0].PortState, snap.Alerts)
	}
}

// A denied or cancelled port raises a critical alert on the number; the
// port moving on closes it.
func TestPortDeniedOrCancelledIsCritical(t *testing.T) {
	for _, st := range []PortState{PortDenied, PortCancelled} {
		s := NewState(testConfig())
		s.Apply(portEvent(at(0), PortChange{Number: testNum, State: st, Request: "PR-1", Previous: PortApproved}))
		if a := openAlertOn(s.Snapshot(), RulePortFailed, testNum); a == nil || a.Severity != SevCritical {
			t.Fatalf("%s: no critical %s alert", st, RulePortFailed)
		}
		s.Apply(portEvent(at(time.Minute), PortChange{Number: testNum, State: PortPending, Request: "PR-1", Previous: st}))
		if openAlertOn(s.Snapshot(), RulePortFailed, testNum) != nil {
			t.Fatalf("%s: the alert stayed after the port moved on", st)
		}
	}
}

// The carrier's activation time counts when it is earlier than the poll
// that saw the port completed.
func TestPortActivationFromTheCarrier(t *testing.T) {
	s := NewState(testConfig())
	s.Apply(portEvent(at(10*time.Minute), PortChange{Number: testNum, State: PortCompleted, Activation: at(4 * time.Minute)}))
	if got := s.Snapshot().Numbers[0].Activated; got != at(4*time.Minute) {
		t.Fatalf("activated %s after t0, want 4m0s", time.Duration(got-t0))
	}
}
