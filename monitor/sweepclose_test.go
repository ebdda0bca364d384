package monitor

import (
	"testing"
	"time"
)

// TestSweepSurvivesAlertsClosedTogether: one rule's check in the sweep can
// close another open alert of the same number (numberMedia closes
// one_way_audio and no_media together); the sweep must pass over the key
// it closed, not read a nil alert (it crashed a 10k-number demo at 5.3 M
// events).
func TestSweepSurvivesAlertsClosedTogether(t *testing.T) {
	s := NewState(testConfig())
	s.Apply(Event{Time: at(0), Kind: KindTick})
	s.openAlert(s.c.Now, RuleOneWayAudio, testNum, SevWarning, "one-way")
	s.openAlert(s.c.Now, RuleNoMedia, testNum, SevWarning, "no media")
	s.Drain(nil)
	s.Apply(Event{Time: at(time.Hour), Kind: KindTick}) // no media calls judged since: both close
	s.Drain(nil)
	if len(s.c.Alerts) != 0 {
		t.Fatalf("%d alerts still open, want both media alerts closed", len(s.c.Alerts))
	}
}
