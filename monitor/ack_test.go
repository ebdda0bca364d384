package monitor

import (
	"testing"
	"time"
)

func ackEvent(when int64, a AlertAck) Event {
	return Event{Time: when, Kind: KindAlertAck, Source: SourceOperator, Ack: &a}
}

// An acknowledged alert stays open and listed, below the alerts nobody
// has in hand; it holds for that episode only: the alert opening again
// is new trouble.
func TestAckHoldsForTheEpisode(t *testing.T) {
	s := NewState(testConfig())
	deny := func(when time.Duration) {
		s.Apply(portEvent(at(when), PortChange{Number: testNum, State: PortDenied, Request: "PR-1"}))
	}
	deny(0)
	s.Apply(ackEvent(at(time.Minute), AlertAck{Rule: RulePortFailed, Subject: testNum, By: "ana@noc"}))
	a := openAlertOn(s.Snapshot(), RulePortFailed, testNum)
	if a == nil || a.AckedBy != "ana@noc" || a.Acked != at(time.Minute) || !a.Attended() {
		t.Fatalf("not acknowledged: %+v", a)
	}
	s.Apply(portEvent(at(2*time.Minute), PortChange{Number: testNum, State: PortInProgress}))
	snap := s.Snapshot()
	if len(snap.Alerts) != 1 || snap.Alerts[0].Closed == 0 || snap.Alerts[0].AckedBy != "ana@noc" {
		t.Fatalf("the closed episode does not keep who acknowledged it: %+v", snap.Alerts)
	}
	deny(3 * time.Minute)
	if a := openAlertOn(s.Snapshot(), RulePortFailed, testNum); a == nil || a.Acked != 0 || a.Attended() {
		t.Fatalf("a new episode starts acknowledged: %+v", a)
	}
}

// An acknowledgement of an alert that is not open changes nothing.
func TestAckOfNoOpenAlertIsNothing(t *testing.T) {
	s := NewState(testConfig())
	s.Apply(ackEvent(at(0), AlertAck{Rule: RulePortFailed, Subject: testNum, By: "ana@noc"}))
	s.Apply(portEvent(at(time.Minute), PortChange{Number: testNum, State: PortDenied}))
	if a := openAlertOn(s.Snapshot(), RulePortFailed, testNum); a == nil || a.Acked != 0 {
		t.Fatalf("%+v", a)
	}
}

// A silence holds for its rule and subject across episodes until it ends
// (or is lifted); silenced alerts sort last among the open ones.
func TestSilenceHoldsAcrossEpisodesUntilItEnds(t *testing.T) {
	s := NewState(testConfig())
	other := "+14155550102"
	s.Apply(portEvent(at(0), PortChange{Number: testNum, State: PortDenied}))
	s.Apply(portEvent(at(time.Second), PortChange{Number: other, State: PortCancelled}))
	s.Apply(ackEvent(at(time.Minute), AlertAck{Rule: RulePortFailed, Subject: testNum, By: "bo@noc", Until: at(31 * time.Minute)}))
	snap := s.Snapshot()
	if snap.Alerts[0].Subject != other || snap.Alerts[1].Subject != testNum {
		t.Fatalf("the silenced alert is not listed after the one nobody has: %+v", snap.Alerts)
	}
	if a := snap.Alerts[1]; a.SilencedUntil != at(31*time.Minute) || a.SilencedBy != "bo@noc" || !a.Attended() {
		t.Fatalf("not silenced: %+v", a)
	}
	// closes and opens again within the silence: still silenced
	s.Apply(portEvent(at(2*time.Minute), PortChange{Number: testNum, State: PortInProgress}))
	s.Apply(portEvent(at(3*time.Minute), PortChange{Number: testNum, State: PortDenied}))
	if a := openAlertOn(s.Snapshot(), RulePortFailed, testNum); a == nil || a.SilencedUntil == 0 {
		t.Fatalf("a new episode inside the silence is not silenced: %+v", a)
	}
	// the silence ends on the clock
	s.Apply(Event{Time: at(32 * time.Minute), Kind: KindTick})
	if a := openAlertOn(s.Snapshot(), RulePortFailed, testNum); a == nil || a.SilencedUntil != 0 || a.Attended() {
		t.Fatalf("the silence outlived its end: %+v", a)
	}
	// and a silence can be lifted early
	s.Apply(ackEvent(at(33*time.Minute), AlertAck{Rule: RulePortFailed, Subject: testNum, By: "bo@noc", Until: at(time.Hour)}))
	s.Apply(ackEvent(at(34*time.Minute), AlertAck{Rule: RulePortFailed, Subject: testNum, By: "bo@noc", Until: at(34 * time.Minute)}))
	if a := openAlertOn(s.Snapshot(), RulePortFailed, testNum); a == nil || a.SilencedUntil != 0 {
		t.Fatalf("the silence was not lifted: %+v", a)
	}
}
