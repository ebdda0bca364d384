package monitor

import (
	"testing"
	"time"
)

func actionEvent(when int64, a ActionRecord) Event {
	return Event{Time: when, Kind: KindAction, Source: SourceOperator, Action: &a}
}

// A standing failover's effects (a ported number's calls leaving by
// legacy) are alerts caused by it, not trouble of their own: marked with
// its ID, listed after the rest and left out of the header; undoing it
// closes them at once, and the same call afterwards is trouble again.
func TestAlertsCausedByAFailoverCloseWhenItIsUndone(t *testing.T) {
	s := NewState(testConfig())
	s.Apply(portEvent(at(0), PortChange{Number: testNum, State: PortCompleted}))
	s.Apply(actionEvent(at(time.Minute), ActionRecord{ID: "f1", Type: "failover", Target: "sbc-srv", State: ActionDone}))
	out := newDialog(t, "out1", pbx, legacy, testNum, "+12125550100")
	s.Apply(out.invite(at(2*time.Minute), ""))
	a := openAlertOn(s.Snapshot(), RuleSplitBrain, testNum)
	if a == nil || a.CausedBy != "f1" || !a.Attended() {
		t.Fatalf("split_brain during the failover: %+v", a)
	}
	s.Apply(actionEvent(at(3*time.Minute), ActionRecord{ID: "f1", Type: "failover", Target: "sbc-srv", State: ActionUndone}))
	snap := s.Snapshot()
	if openAlertOn(snap, RuleSplitBrain, testNum) != nil {
		t.Fatalf("the failover's effect outlived its undo: %+v", snap.Alerts)
	}
	if c := snap.Alerts[0]; c.Closed != at(3*time.Minute) || c.Message != "failover f1 no longer stands (undone)" {
		t.Fatalf("closed as %+v", c)
	}
	out2 := newDialog(t, "out2", pbx, legacy, testNum, "+12125550100")
	s.Apply(out2.invite(at(4*time.Minute), ""))
	if a := openAlertOn(s.Snapshot(), RuleSplitBrain, testNum); a == nil || a.CausedBy != "" || a.Attended() {
		t.Fatalf("after the undo, split_brain is trouble of its own: %+v", a)
	}
}

// A restore replaces the failover: its effects close, and the new trunk
// going quiet would now be trouble, while the legacy one going quiet is
// the restore's effect.
func TestRestoreReplacesTheFailoversEffects(t *testing.T) {
	s := NewState(testConfig())
	s.Apply(portEvent(at(0), PortChange{Number: testNum, State: PortCompleted}))
	s.Apply(actionEvent(at(time.Minute), ActionRecord{ID: "f1", Type: "failover", Target: "sbc-srv", State: ActionDone}))
	s.Apply(newDialog(t, "z1", legacy, pbx, "+12125550100", testNum).invite(at(20*time.Minute), ""))
	if a := openAlertOn(s.Snapshot(), RuleZombie, testNum); a == nil || a.CausedBy != "f1" {
		t.Fatalf("zombie during the failover: %+v", a)
	}
	s.Apply(actionEvent(at(21*time.Minute), ActionRecord{ID: "r1", Type: "restore", Target: "sbc-srv", State: ActionDone}))
	snap := s.Snapshot()
	if openAlertOn(snap, RuleZombie, testNum) != nil || snap.Alerts[0].Message != "restore r1 replaced f1" {
		t.Fatalf("after the restore: %+v", snap.Alerts)
	}
	if got := s.causingAction(RuleTrunkSilent, "legacy"); got != "r1" {
		t.Fatalf("legacy silent after a restore: caused by %q", got)
	}
	if got := s.causingAction(RuleTrunkSilent, "new"); got != "" {
		t.Fatalf("new silent after a restore: caused by %q", got)
	}
}

// An alert open before the failover stays trouble of its own, and only
// the numbers the failover expects to move are its effects.
func TestOnlyTheFailoversNumbersAreItsEffects(t *testing.T) {
	s := NewState(testConfig())
	other := "+15550100002"
	s.Apply(portEvent(at(0), PortChange{Number: testNum, State: PortCompleted}))
	s.Apply(portEvent(at(0), PortChange{Number: other, State: PortCompleted}))
	s.Apply(newDialog(t, "o0", pbx, legacy, testNum, "+12125550100").invite(at(time.Minute), ""))
	s.Apply(actionEvent(at(2*time.Minute), ActionRecord{ID: "f1", Type: "failover", Target: "sbc-srv", State: ActionDone,
		Expect: &ActionExpect{Dir: DirIn, Trunks: []string{"legacy"}, Numbers: []string{other}, Within: int64(time.Hour), Calls: 1}}))
	s.Apply(newDialog(t, "o1", pbx, legacy, testNum, "+12125550100").invite(at(3*time.Minute), ""))
	s.Apply(newDialog(t, "o2", pbx, legacy, other, "+12125550100").invite(at(3*time.Minute), ""))
	snap := s.Snapshot()
	if a := openAlertOn(snap, RuleSplitBrain, testNum); a == nil || a.CausedBy != "" {
		t.Fatalf("an alert from before the failover became its effect: %+v", a)
	}
	if a := openAlertOn(snap, RuleSplitBrain, other); a == nil || a.CausedBy != "f1" {
		t.Fatalf("the failover's own number: %+v", a)
	}
}
