package monitor

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// actionSteps is an action's audit up to done at when: requested, running, done.
func actionSteps(when int64, id, typ string, exp *ActionExpect, prompted string) []Event {
	rec := ActionRecord{ID: id, Type: typ, Target: "carrier-a", Operator: "dana", Expect: exp, Prompted: prompted}
	var evs []Event
	for i, st := range []ActionState{ActionRequested, ActionRunning, ActionDone} {
		r := rec
		r.State = st
		if st == ActionDone {
			r.Result = "read back: legacy first"
		}
		evs = append(evs, Event{Time: when - int64(2-i)*int64(time.Second), Kind: KindAction, Source: SourceOperator, Action: &r})
	}
	return evs
}

func actionStep(when int64, id string, st ActionState) Event {
	return Event{Time: when, Kind: KindAction, Source: SourceOperator, Action: &ActionRecord{ID: id, Type: "failover", State: st, Target: "carrier-a"}}
}

// callOut is a new outbound call from number via trunk; callIn one arriving for number from trunk.
func callOut(t *testing.T, id string, when int64, trunk netip.AddrPort, number string) Event {
	return newDialog(t, id, pbx, trunk, number, "+12125550100").invite(when, "")
}

func callIn(t *testing.T, id string, when int64, trunk netip.AddrPort, number string) Event {
	return newDialog(t, id, trunk, pbx, "+12125550100", number).invite(when, "")
}

func tick(when int64) Event { return Event{Time: when, Kind: KindTick, Source: SourceClock} }

func actionView(t *testing.T, s *State, id string) ActionView {
	t.Helper()
	for _, a := range s.Snapshot().Actions {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("no action %s", id)
	return ActionView{}
}

func TestVerifyActionByTraffic(t *testing.T) {
	sec := func(n int) int64 { return at(time.Duration(n) * time.Second) }
	outLegacy := ActionExpect{Dir: DirOut, Trunks: []string{"legacy"}, Within: int64(5 * time.Minute), Calls: 3}
	withNumbers := func(e ActionExpect, nums ...string) ActionExpect { e.Numbers = nums; return e }
	cases := []struct {
		name   string
		expect ActionExpect
		calls  func(t *testing.T) []Event // after the action is done at t0
		state  ActionState
		prog   string
		alert  bool
	}{
		{"calls move", outLegacy, func(t *testing.T) []Event {
			return []Event{callOut(t, "a", sec(10), legacy, testNum), callOut(t, "b", sec(20), legacy, testNum),
				callOut(t, "c", sec(30), legacy, "+15550100002")}
		}, ActionVerified, "verified: 3 calls on legacy", false},
		{"calls do not move", outLegacy, func(t *testing.T) []Event {
			var evs []Event
			for i := range 7 {
				evs = append(evs, callOut(t, fmt.Sprint("n", i), sec(10+30*i), newTr, testNum))
			}
			return append(evs, tick(sec(301)))
		}, ActionUnverified, "not verified: 0 of 3 calls on legacy, 7 elsewhere in 5m", true},
		{"in progress", outLegacy, func(t *testing.T) []Event {
			return []Event{callOut(t, "a", sec(10), legacy, testNum), callOut(t, "b", sec(20), legacy, testNum),
				callOut(t, "c", sec(30), newTr, testNum), tick(sec(120))}
		}, ActionUnverified, "2 of 3 calls on legacy, 1 elsewhere, 3m left", false},
		{"inbound calls do not count for outbound", outLegacy, func(t *testing.T) []Event {
			return []Event{callIn(t, "a", sec(10), legacy, testNum), callIn(t, "b", sec(20), legacy, testNum),
				callIn(t, "c", sec(30), legacy, testNum), tick(sec(60))}
		}, ActionUnverified, "0 of 3 calls on legacy, 0 elsewhere, 4m left", false},
		{"calls before done do not count", outLegacy, func(t *testing.T) []Event {
			return []Event{callOut(t, "a", sec(10), legacy, testNum), callOut(t, "b", sec(20), legacy, testNum), tick(sec(40))}
		}, ActionUnverified, "2 of 3 calls on legacy, 0 elsewhere, 5m left", false},
		{"numbers filter", withNumbers(outLegacy, testNum), func(t *testing.T) []Event {
			return []Event{callOut(t, "a", sec(10), legacy, "+15550100002"), callOut(t, "b", sec(20), newTr, "+15550100002"),
				callOut(t, "c", sec(30), legacy, testNum), callOut(t, "d", sec(40), legacy, testNum),
				callOut(t, "e", sec(50), legacy, testNum)}
		}, ActionVerified, "verified: 3 calls on legacy", false},
		{"prefix range", withNumbers(outLegacy, "+1555010000*"), func(t *testing.T) []Event {
			return []Event{callOut(t, "a", sec(10), legacy, "+15550100002"), callOut(t, "b", sec(20), legacy, "+12125550199"),
				callOut(t, "c", sec(30), legacy, testNum), tick(sec(40))}
		}, ActionUnverified, "2 of 3 calls on legacy, 0 elsewhere, 5m left", false},
		{"majority rule", outLegacy, func(t *testing.T) []Event {
			var evs []Event
			for i := range 4 {
				evs = append(evs, callOut(t, fmt.Sprint("n", i), sec(5+i), newTr, testNum))
			}
			for i := range 4 { // 3 on legacy is not enough against 4 elsewhere; the 5th is a majority
				evs = append(evs, callOut(t, fmt.Sprint("l", i), sec(20+i), legacy, testNum))
			}
			return append(evs, tick(sec(60)))
		}, ActionUnverified, "4 of 3 calls on legacy, 4 elsewhere, 4m left", false},
		{"majority reached", outLegacy, func(t *testing.T) []Event {
			var evs []Event
			for i := range 4 {
				evs = append(evs, callOut(t, fmt.Sprint("n", i), sec(5+i), newTr, testNum))
			}
			for i := range 5 {
				evs = append(evs, callOut(t, fmt.Sprint("l", i), sec(20+i), legacy, testNum))
			}
			return evs
		}, ActionVerified, "verified: 5 calls on legacy, 4 elsewhere", false},
		{"verified after the deadline closes its alert", outLegacy, func(t *testing.T) []Event {
			return []Event{tick(sec(301)), callOut(t, "a", sec(310), legacy, testNum), callOut(t, "b", sec(320), legacy, testNum),
				callOut(t, "c", sec(330), legacy, testNum)}
		}, ActionVerified, "verified: 3 calls on legacy", false},
		{"undone before verification", outLegacy, func(t *testing.T) []Event {
			return []Event{callOut(t, "a", sec(10), legacy, testNum), actionStep(sec(20), "failover-1", ActionUndone),
				callOut(t, "b", sec(30), legacy, testNum), callOut(t, "c", sec(40), legacy, testNum), tick(sec(900))}
		}, ActionUndone, "undone before verification: 1 of 3 calls on legacy, 0 elsewhere", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewState(testConfig())
			applyAll(s, callOut(t, "early-1", at(-time.Minute), legacy, testNum), callOut(t, "early-2", at(-50*time.Second), legacy, testNum))
			exp := c.expect
			applyAll(s, actionSteps(at(0), "failover-1", "failover", &exp, "")...)
			if v := actionView(t, s, "failover-1"); v.State != ActionUnverified || v.Progress != "0 of 3 calls on legacy, 0 elsewhere, 5m left" {
				t.Fatalf("once done: %s %q", v.State, v.Progress)
			}
			applyAll(s, c.calls(t)...)
			v := actionView(t, s, "failover-1")
			if v.State != c.state || v.Progress != c.prog {
				t.Errorf("action: %s %q, want %s %q", v.State, v.Progress, c.state, c.prog)
			}
			if got := openAlerts(s)["action_unverified:failover-1"]; got != c.alert {
				t.Errorf("action_unverified open = %v, want %v (%v)", got, c.alert, openAlerts(s))
			}
		})
	}
}

// The deadline fires on the clock alone, and the alert says what did not move.
func TestVerifyDeadlineAlertAndDerivedSteps(t *testing.T) {
	s := NewState(testConfig())
	exp := ActionExpect{Dir: DirIn, Trunks: []string{"legacy"}, Numbers: []string{testNum}, Within: int64(2 * time.Minute), Calls: 2}
	applyAll(s, actionSteps(at(0), "failover-1", "failover", &exp, "")...)
	applyAll(s, callIn(t, "x", at(10*time.Second), newTr, testNum), tick(at(2*time.Minute)))
	if openAlerts(s)["action_unverified:failover-1"] {
		t.Fatal("alert open at the deadline itself")
	}
	s.Apply(tick(at(2*time.Minute + time.Second)))
	var alert *AlertView
	for _, a := range s.Snapshot().Alerts {
		if a.Rule == "action_unverified" {
			alert = &a
		}
	}
	if alert == nil || !alert.Open || alert.Subject != "failover-1" || alert.Severity != SevWarning {
		t.Fatalf("alert: %+v", alert)
	}
	want := "failover carrier-a: inbound calls of +15550100001 did not move to legacy within 2m (0 of 2 calls on legacy, 1 elsewhere)"
	if alert.Message != want {
		t.Errorf("message %q\nwant    %q", alert.Message, want)
	}
	applyAll(s, callIn(t, "a", at(3*time.Minute), legacy, testNum), callIn(t, "b", at(3*time.Minute+time.Second), legacy, testNum))
	var steps []string
	for _, e := range s.Drain(nil) {
		switch {
		case e.Kind == KindAction:
			if e.Source != SourceVerify || !Derived(e) {
				t.Errorf("derived action event from %q", e.Source)
			}
			steps = append(steps, string(e.Action.State)+": "+e.Action.Result)
		case e.Kind == KindAlert:
			steps = append(steps, fmt.Sprintf("alert open=%v %s", e.Alert.Open, e.Alert.Key()))
		}
	}
	wantSteps := []string{
		"unverified: read back: legacy first\n0 of 2 calls on legacy, 0 elsewhere, 2m left",
		"alert open=true action_unverified:failover-1",
		"unverified: read back: legacy first\nnot verified: 0 of 2 calls on legacy, 1 elsewhere in 2m",
		"alert open=false action_unverified:failover-1",
		"verified: read back: legacy first\nverified: 2 calls on legacy, 1 elsewhere",
	}
	if !reflect.DeepEqual(steps, wantSteps) {
		t.Errorf("derived steps:\n%s\nwant:\n%s", strings.Join(steps, "\n"), strings.Join(wantSteps, "\n"))
	}
}

// An action taken on an alert holds it open until its traffic has moved;
// then the alert's own rule decides again.
func TestVerifyHoldsThePromptingAlert(t *testing.T) {
	s := NewState(testConfig())
	s.Apply(Event{Time: at(0), Kind: KindPortState, Port: &PortChange{Number: testNum, State: PortCompleted}})
	s.Apply(callOut(t, "split", at(time.Minute), legacy, testNum))
	if !openAlerts(s)["split_brain:"+testNum] {
		t.Fatalf("no split_brain: %v", openAlerts(s))
	}
	exp := ActionExpect{Dir: DirOut, Trunks: []string{"new"}, Numbers: []string{testNum}, Within: int64(30 * time.Minute), Calls: 3}
	applyAll(s, actionSteps(at(2*time.Minute), "outbound-1", "outbound", &exp, "split_brain:"+testNum)...)
	applyAll(s, callOut(t, "n1", at(3*time.Minute), newTr, testNum), callOut(t, "n2", at(4*time.Minute), newTr, testNum))
	s.Apply(tick(at(20 * time.Minute))) // 19 quiet minutes: the rule alone would have closed it
	if !openAlerts(s)["split_brain:"+testNum] {
		t.Fatal("split_brain closed while the action taken on it is unverified")
	}
	s.Apply(callOut(t, "n3", at(21*time.Minute), newTr, testNum))
	if v := actionView(t, s, "outbound-1"); v.State != ActionVerified {
		t.Fatalf("action %s %q", v.State, v.Progress)
	}
	s.Apply(tick(at(21*time.Minute + 10*time.Second))) // the next sweep
	if openAlerts(s)["split_brain:"+testNum] {
		t.Fatal("split_brain still open after the action was verified and the rule is quiet")
	}
}

// A restore of the target a failover is waiting on ends that wait: its
// action_unverified closes and the alert it held is released.
func TestVerifyRestoreSupersedesFailover(t *testing.T) {
	s := NewState(testConfig())
	s.Apply(Event{Time: at(0), Kind: KindRegistration, Registration: &RegistrationChange{Trunk: "new", State: RegFailed, Code: 403}})
	exp := ActionExpect{Dir: DirOut, Trunks: []string{"legacy"}, Within: int64(5 * time.Minute), Calls: 3}
	applyAll(s, actionSteps(at(time.Minute), "failover-1", "failover", &exp, "registration:new")...)
	s.Apply(tick(at(7 * time.Minute))) // the deadline passes
	if !openAlerts(s)["action_unverified:failover-1"] {
		t.Fatalf("no action_unverified: %v", openAlerts(s))
	}
	back := ActionExpect{Dir: DirOut, Trunks: []string{"new"}, Within: int64(5 * time.Minute), Calls: 3}
	applyAll(s, actionSteps(at(8*time.Minute), "restore-1", "restore", &back, "")...)
	open := openAlerts(s)
	if open["action_unverified:failover-1"] || len(s.c.Verify) != 1 || s.c.Verify[0].ID != "restore-1" {
		t.Fatalf("failover-1 still waits after the restore: %v %+v", open, s.c.Verify)
	}
	if v := actionView(t, s, "failover-1"); !strings.Contains(v.Progress, "superseded by restore restore-1") {
		t.Errorf("failover-1: %q", v.Progress)
	}
	if !open["registration:new"] {
		t.Error("registration:new closed though its rule still fires")
	}
}

// An alert whose rule closes it only on an event (a REGISTER's 200) and did
// so while held closes when the hold ends, not at some later event.
func TestVerifyReleaseClosesAHeldClose(t *testing.T) {
	s := NewState(testConfig())
	s.Apply(Event{Time: at(0), Kind: KindRegistration, Registration: &RegistrationChange{Trunk: "new", State: RegFailed, Code: 403}})
	exp := ActionExpect{Dir: DirOut, Trunks: []string{"legacy"}, Within: int64(30 * time.Minute), Calls: 3}
	applyAll(s, actionSteps(at(time.Minute), "failover-1", "failover", &exp, "registration:new")...)
	s.Apply(Event{Time: at(2 * time.Minute), Kind: KindRegistration, Registration: &RegistrationChange{Trunk: "new", State: RegRegistered, Code: 200, Expires: time.Hour}})
	if !openAlerts(s)["registration:new"] {
		t.Fatal("closed while held")
	}
	for i := range 3 {
		s.Apply(callOut(t, fmt.Sprint("l", i), at(time.Duration(3+i)*time.Minute), legacy, testNum))
	}
	if v := actionView(t, s, "failover-1"); v.State != ActionVerified {
		t.Fatalf("failover-1 %s %q", v.State, v.Progress)
	}
	if openAlerts(s)["registration:new"] {
		t.Error("registration:new still open after the hold ended: its 200 came while it was held")
	}
}

// Undoing releases the hold too; an alert whose rule still fires stays.
func TestVerifyUndoReleasesTheHold(t *testing.T) {
	s := NewState(testConfig())
	s.Apply(Event{Time: at(0), Kind: KindPortState, Port: &PortChange{Number: testNum, State: PortCompleted}})
	s.Apply(callOut(t, "split", at(time.Minute), legacy, testNum))
	exp := ActionExpect{Dir: DirOut, Trunks: []string{"new"}, Within: int64(time.Hour), Calls: 3}
	applyAll(s, actionSteps(at(2*time.Minute), "outbound-1", "outbound", &exp, "split_brain:"+testNum)...)
	s.Apply(tick(at(20 * time.Minute)))
	if !openAlerts(s)["split_brain:"+testNum] {
		t.Fatal("not held")
	}
	s.Apply(actionStep(at(21*time.Minute), "outbound-1", ActionUndone))
	s.Apply(tick(at(21*time.Minute + 10*time.Second)))
	if openAlerts(s)["split_brain:"+testNum] {
		t.Fatal("still held after undo")
	}
}

// Recorded verification steps are not folded again: a replay of what live
// recorded (events and derived events, in order) derives the same steps
// and ends in the same state, also from a checkpoint taken mid-way.
func TestVerifyReplayEqualsLive(t *testing.T) {
	exp := ActionExpect{Dir: DirOut, Trunks: []string{"legacy"}, Within: int64(5 * time.Minute), Calls: 3}
	var in []Event
	in = append(in, actionSteps(at(0), "failover-1", "failover", &exp, "")...)
	second := actionSteps(at(time.Second), "failover-2", "failover", &ActionExpect{Dir: DirIn, Trunks: []string{"new"}, Within: int64(time.Minute), Calls: 1}, "")
	for _, e := range second {
		e.Action.Target = "carrier-b" // another target: the first one's wait goes on
	}
	in = append(in, second...)
	for i := range 6 {
		in = append(in, callOut(t, fmt.Sprint("c", i), at(time.Duration(20+20*i)*time.Second), legacy, testNum))
	}
	for i := 0; i < 400; i += 1 {
		in = append(in, tick(at(time.Duration(i)*time.Second)))
	}
	sortByTime(in)

	live := NewState(testConfig())
	var recorded, derived []Event
	var blob []byte
	for i, e := range in {
		live.Apply(e)
		recorded = append(recorded, e)
		n := len(recorded)
		recorded = live.Drain(recorded)
		derived = append(derived, recorded[n:]...)
		if i == len(in)/3 {
			var err error
			if blob, err = live.MarshalBinary(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(derived) < 4 {
		t.Fatalf("too few derived events: %d", len(derived))
	}
	replay := NewState(testConfig())
	var again []Event
	for _, e := range recorded {
		if !Derived(e) {
			replay.Apply(e)
		}
		again = replay.Drain(again)
	}
	if !reflect.DeepEqual(again, derived) {
		t.Errorf("replay derived %d events, live %d", len(again), len(derived))
	}
	if !reflect.DeepEqual(replay.Snapshot(), live.Snapshot()) {
		t.Error("replay state differs from live")
	}
	restored := NewState(testConfig())
	if err := restored.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	restored.Drain(nil)
	for _, e := range in[len(in)/3+1:] {
		restored.Apply(e)
	}
	if !reflect.DeepEqual(restored.Snapshot(), live.Snapshot()) {
		t.Error("fold restored from a checkpoint mid-verification differs from live")
	}
	if v := actionView(t, live, "failover-1"); v.State != ActionVerified {
		t.Errorf("failover-1 %s %q", v.State, v.Progress)
	}
	if v := actionView(t, live, "failover-2"); v.State != ActionUnverified || !openAlerts(live)["action_unverified:failover-2"] {
		t.Errorf("failover-2 %s %q", v.State, v.Progress)
	}
}

func sortByTime(evs []Event) {
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0 && evs[j].Time < evs[j-1].Time; j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
}

func TestMatchNumber(t *testing.T) {
	for _, c := range []struct {
		pats []string
		num  string
		want bool
	}{
		{nil, "+15550100001", true},
		{nil, "", true},
		{[]string{"+15550100001"}, "+15550100001", true},
		{[]string{"+15550100001"}, "+155501000011", false},
		{[]string{"+1555*"}, "+15550100001", true},
		{[]string{"+1666*", "+1555*"}, "+15550100001", true},
		{[]string{"+1666*"}, "+15550100001", false},
		{[]string{"*"}, "+15550100001", true},
		{[]string{"+1555*"}, "", false},
	} {
		if got := matchNumber(c.pats, c.num); got != c.want {
			t.Errorf("matchNumber(%v, %q) = %v", c.pats, c.num, got)
		}
	}
}

func TestShortDur(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 400 * time.Millisecond: "1s", 45 * time.Second: "45s", time.Minute: "1m",
		61 * time.Second: "2m", 5 * time.Minute: "5m", 90 * time.Minute: "1h30m", time.Hour: "1h", -time.Second: "0s",
	} {
		if got := ShortDur(d); got != want {
			t.Errorf("ShortDur(%s) = %q, want %q", d, got, want)
		}
	}
}

// With an SBC mirroring both legs, a call is counted once, on the
// carrier's trunk, when its carrier leg shows up (even after the answer).
func TestVerifyCountsSBCCallsOnceOnTheCarrierTrunk(t *testing.T) {
	s := NewState(testConfig())
	exp := ActionExpect{Dir: DirOut, Trunks: []string{"legacy"}, Numbers: []string{testNum}, Within: int64(5 * time.Minute), Calls: 2}
	applyAll(s, actionSteps(at(0), "outbound-1", "outbound", &exp, "")...)
	sbc := netip.MustParseAddrPort("192.0.2.1:5060")
	for i, carrier := range []netip.AddrPort{legacy, newTr, legacy} {
		id := fmt.Sprint("sbc-", i)
		start := at(time.Duration(10*(i+1)) * time.Second)
		pbxLeg := newDialog(t, id, pbx, sbc, testNum, "+12125550100")
		carrierLeg := newDialog(t, id, sbc, carrier, testNum, "+12125550100")
		applyAll(s, pbxLeg.invite(start, ""), carrierLeg.reply(start+int64(time.Second), 180, "Ringing"),
			carrierLeg.invite(start+int64(500*time.Millisecond), ""), carrierLeg.invite(start+int64(2*time.Second), ""))
		if i == 1 {
			if v := actionView(t, s, "outbound-1"); v.Progress != "1 of 2 calls on legacy, 1 elsewhere, 5m left" {
				t.Fatalf("after two calls: %s %q", v.State, v.Progress)
			}
		}
	}
	if v := actionView(t, s, "outbound-1"); v.State != ActionVerified || v.Progress != "verified: 2 calls on legacy, 1 elsewhere" {
		t.Fatalf("action: %s %q", v.State, v.Progress)
	}
}

// A PREFIX* range matches a number that is not configured the same way
// whether the call is seen directly or first on the PBX's leg of an SBC.
func TestVerifyPrefixMatchesUnconfiguredNumbersThroughTheSBC(t *testing.T) {
	const other = "+14155559876" // in the range, not a configured number
	s := NewState(testConfig())
	exp := ActionExpect{Dir: DirOut, Trunks: []string{"new"}, Numbers: []string{"+1415555*"}, Within: int64(5 * time.Minute), Calls: 2}
	applyAll(s, actionSteps(at(0), "outbound-1", "outbound", &exp, "")...)
	sbc := netip.MustParseAddrPort("192.0.2.1:5060")
	start := at(10 * time.Second)
	pbxLeg := newDialog(t, "via-sbc", pbx, sbc, other, "+12125550100")
	carrierLeg := newDialog(t, "via-sbc", sbc, newTr, other, "+12125550100")
	applyAll(s, pbxLeg.invite(start, ""), carrierLeg.invite(start+int64(500*time.Millisecond), ""))
	s.Apply(callOut(t, "direct", at(20*time.Second), newTr, other))
	if v := actionView(t, s, "outbound-1"); v.State != ActionVerified {
		t.Fatalf("action: %s %q", v.State, v.Progress)
	}
}
