package monitor

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// mediaCall places an answered call from the new trunk to number and
// folds its report at NoMediaAfter and its Final one, every 10 s from
// start; streams gives its media from the answer's time.
type mediaRun struct {
	t *testing.T
	s *State
	n int
}

func (r *mediaRun) call(start int64, number string, streams func(ans int64) []MediaStream) {
	r.n++
	id := fmt.Sprintf("r%d", r.n)
	d, ans := answeredCall(r.t, r.s, id, number, start)
	r.s.Apply(mediaEvent(ans+int64(5*time.Second), id, ans, false, streams(ans)...))
	r.s.Apply(d.bye(ans + int64(6*time.Second)))
	r.s.Apply(mediaEvent(ans+int64(8*time.Second), id, ans, true, streams(ans)...))
}

func oneWay(ans int64) []MediaStream  { return both(ans, 300)[:1] }
func healthy(ans int64) []MediaStream { return both(ans, 300) }
func silent(int64) []MediaStream      { return nil }
func lossy(ans int64) []MediaStream { // 15 % lost both ways: MOS 2.94
	first := ans + int64(100*time.Millisecond)
	return []MediaStream{stream(true, first, 255, 45, 2*time.Millisecond), stream(false, first, 255, 45, 2*time.Millisecond)}
}

func alertOf(s *State, rule Rule, subject string) *AlertView {
	return s.c.Alerts[alertKey(rule, subject)]
}

// one_way_audio on a trunk opens above 10 % of ≥ 5 judged calls in 5 min,
// stays open down to 5 %, and closes at or below it.
func TestOneWayAudioTrunkHysteresis(t *testing.T) {
	s := NewState(testConfig())
	r := &mediaRun{t: t, s: s}
	for i := range 4 {
		r.call(at(time.Duration(i)*10*time.Second), "+15550100002", healthy)
	}
	r.call(at(40*time.Second), testNum, oneWay) // 1 of 5: 20 %
	a := alertOf(s, RuleOneWayAudio, "new")
	if a == nil || a.Severity != SevCritical || !strings.Contains(a.Message, "1 of 5 calls judged in 5 min had one-way audio (20%, above 10%)") {
		t.Fatalf("one_way_audio on the trunk: %+v", a)
	}
	if alertOf(s, RuleOneWayAudio, testNum) != nil {
		t.Fatal("one one-way call opened the number's alert")
	}
	for i := range 5 { // 1 of 10: 10 %, not above it, but above 5 %: stays open
		r.call(at(time.Duration(50+10*i)*time.Second), "+15550100002", healthy)
	}
	if a := alertOf(s, RuleOneWayAudio, "new"); a == nil || !strings.Contains(a.Message, "1 of 10 calls judged in 5 min had one-way audio (10%): recovering, closes at 5%") {
		t.Fatalf("one_way_audio at 10 %%: %+v", a)
	}
	for i := range 9 { // 1 of 19: 5.3 %
		r.call(at(time.Duration(100+10*i)*time.Second), "+15550100002", healthy)
	}
	if alertOf(s, RuleOneWayAudio, "new") == nil {
		t.Fatal("closed above half the threshold")
	}
	r.call(at(190*time.Second), "+15550100002", healthy) // 1 of 20: 5 %
	if alertOf(s, RuleOneWayAudio, "new") != nil {
		t.Fatal("still open at 5 %")
	}
	last := s.c.Closed[len(s.c.Closed)-1]
	if last.Rule != RuleOneWayAudio || last.Message != "1 of 20 calls judged in 5 min had one-way audio (5%), at or below 5%" {
		t.Fatalf("closed as %+v", last)
	}
}

// On a number, two no-media calls in 15 min open no_media (a warning); it
// closes when none is left in the window.
func TestNoMediaNumber(t *testing.T) {
	s := NewState(testConfig())
	r := &mediaRun{t: t, s: s}
	r.call(at(0), testNum, silent)
	if alertOf(s, RuleNoMedia, testNum) != nil {
		t.Fatal("opened on one call")
	}
	r.call(at(time.Minute), testNum, silent)
	a := alertOf(s, RuleNoMedia, testNum)
	if a == nil || a.Severity != SevWarning || a.Message != "2 of 2 calls judged in 15 min had no media" {
		t.Fatalf("no_media on the number: %+v", a)
	}
	if alertOf(s, RuleNoMedia, "new") != nil {
		t.Fatal("the trunk's no_media opened under media_min_calls")
	}
	s.Apply(Event{Time: at(15 * time.Minute), Kind: KindTick})
	if alertOf(s, RuleNoMedia, testNum) == nil {
		t.Fatal("closed while the second call is in the window")
	}
	s.Apply(Event{Time: at(17 * time.Minute), Kind: KindTick})
	if alertOf(s, RuleNoMedia, testNum) != nil {
		t.Fatal("still open with no call left in 15 min")
	}
	if last := s.c.Closed[len(s.c.Closed)-1]; last.Message != "0 calls with no media in 15 min, under 1" {
		t.Fatalf("closed as %q", last.Message)
	}
}

// mos_low opens when the mean MOS of ≥ 5 calls ended in 5 min is under
// 3.5 and closes at 3.7 or more.
func TestMOSLowHysteresis(t *testing.T) {
	s := NewState(testConfig())
	r := &mediaRun{t: t, s: s}
	for i := range 5 {
		r.call(at(time.Duration(i)*10*time.Second), testNum, lossy)
	}
	a := alertOf(s, RuleMOSLow, "new")
	if a == nil || a.Severity != SevWarning || !strings.Contains(a.Message, "of 5 calls ended in 5 min, below 3.50") {
		t.Fatalf("mos_low: %+v (mean %.2f)", a, s.Snapshot().Trunks[1].Win[Win5m].Media.MOSMean())
	}
	if s.Snapshot().Trunks[1].Win[Win5m].Media.Bad != 5 {
		t.Fatal("lossy calls not counted bad")
	}
	for i := 0; alertOf(s, RuleMOSLow, "new") != nil; i++ {
		mean := s.Snapshot().Trunks[1].Win[Win5m].Media.MOSMean()
		if mean >= 3.7 {
			t.Fatalf("open at mean MOS %.3f", mean)
		}
		r.call(at(time.Duration(50+10*i)*time.Second), testNum, healthy)
	}
	if mean := s.Snapshot().Trunks[1].Win[Win5m].Media.MOSMean(); mean < 3.7 {
		t.Fatalf("closed at mean MOS %.3f", mean)
	}
	// The window slides on: the bad calls leave it, nothing reopens.
	s.Apply(Event{Time: at(20 * time.Minute), Kind: KindTick})
	if alertOf(s, RuleMOSLow, "new") != nil {
		t.Fatal("reopened")
	}
}
