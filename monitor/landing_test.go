package monitor

import (
	"net/netip"

	"reflect"
	"testing"
	"time"
)

// call lands one answered-or-not INVITE from trunk src to the PBX for num.
func landCall(t *testing.T, id string, when int64, src string, num string) []Event {
	d := newDialog(t, id, trunkAddr(src), pbx, "+12125550100", num)
	return []Event{d.invite(when, ""), d.reply(when+int64(time.Second), 486, "Busy")}
}

func completed(when, activation int64, num string) Event {
	return Event{Time: when, Kind: KindPortState, Port: &PortChange{Number: num, State: PortCompleted, Activation: activation}}
}

func TestLandingCountsOnlyCallsAfterActivation(t *testing.T) {
	s := NewState(testConfig())
	act := at(10 * time.Minute)
	var evs []Event
	evs = append(evs, landCall(t, "before-new", at(time.Minute), "new", testNum)...)
	evs = append(evs, landCall(t, "before-legacy", at(2*time.Minute), "legacy", testNum)...)
	evs = append(evs, completed(act, 0, testNum))
	evs = append(evs, landCall(t, "a", act+int64(30*time.Second), "legacy", testNum)...)
	evs = append(evs, landCall(t, "b", act+int64(90*time.Second), "new", testNum)...)
	evs = append(evs, landCall(t, "c", act+int64(5*time.Minute), "legacy", testNum)...)
	evs = append(evs, landCall(t, "d", act+int64(40*time.Minute), "new", testNum)...)
	evs = append(evs, landCall(t, "other", act+int64(41*time.Minute), "new", "+15550100002")...) // not completed
	applyAll(s, evs...)
	n := s.Snapshot().Numbers[0]
	want := Landing{FirstNew: act + int64(90*time.Second), LastLegacy: act + int64(5*time.Minute), New: 2, Legacy: 2}
	if n.Landing != want {
		t.Errorf("landing %+v, want %+v", n.Landing, want)
	}
	wantCurve := []LandingBin{{Bin: 0, Legacy: 1}, {Bin: 1, New: 1}, {Bin: 5, Legacy: 1}, {Bin: 31, New: 1}}
	if !reflect.DeepEqual(n.Curve, wantCurve) {
		t.Errorf("curve %+v, want %+v", n.Curve, wantCurve)
	}
	if o := s.Snapshot().Numbers[1]; o.Landing != (Landing{}) || o.Curve != nil {
		t.Errorf("a number not ported counts its landing: %+v %+v", o.Landing, o.Curve)
	}
	reqs := s.Snapshot().Requests
	if len(reqs) != 1 || reqs[0].ID != "PR-1" || reqs[0].Numbers != 2 ||
		!reflect.DeepEqual(reqs[0].ByState, map[PortState]int{PortCompleted: 1, PortPending: 1}) ||
		reqs[0].FirstActivated != act || reqs[0].LastActivated != act ||
		reqs[0].Landing != want || !reflect.DeepEqual(reqs[0].Curve, wantCurve) {
		t.Errorf("request view %+v", reqs)
	}
}

// An activation the carrier back-dates before calls already seen counts
// only the calls seen after it was known, binned from the carrier's time.
func TestLandingLateActivation(t *testing.T) {
	s := NewState(testConfig())
	act := at(10 * time.Minute)
	applyAll(s, landCall(t, "seen-before", act+int64(2*time.Minute), "legacy", testNum)...)
	applyAll(s, completed(act+int64(5*time.Minute), act, testNum))
	applyAll(s, landCall(t, "after", act+int64(11*time.Minute), "new", testNum)...)
	n := s.Snapshot().Numbers[0]
	if n.Activated != act {
		t.Fatalf("activated %d, want the carrier's %d", n.Activated, act)
	}
	if n.Landing != (Landing{FirstNew: act + int64(11*time.Minute), New: 1}) {
		t.Errorf("landing %+v", n.Landing)
	}
	if !reflect.DeepEqual(n.Curve, []LandingBin{{Bin: 11, New: 1}}) {
		t.Errorf("curve %+v", n.Curve)
	}
}

// A port that leaves completed keeps what it counted and counts nothing
// more until it completes again (against its first activation).
func TestLandingWhilePortNotCompleted(t *testing.T) {
	s := NewState(testConfig())
	act := at(time.Minute)
	applyAll(s, completed(act, 0, testNum))
	applyAll(s, landCall(t, "a", act+int64(time.Minute), "legacy", testNum)...)
	applyAll(s, Event{Time: act + int64(2*time.Minute), Kind: KindPortState, Port: &PortChange{Number: testNum, State: PortInProgress}})
	applyAll(s, landCall(t, "b", act+int64(3*time.Minute), "legacy", testNum)...)
	if l := s.Snapshot().Numbers[0].Landing; l.Legacy != 1 {
		t.Fatalf("while in progress: %+v, want the one legacy call before", l)
	}
	applyAll(s, completed(act+int64(4*time.Minute), 0, testNum))
	applyAll(s, landCall(t, "c", act+int64(5*time.Minute), "new", testNum)...)
	n := s.Snapshot().Numbers[0]
	if n.Activated != act || n.Landing.Legacy != 1 || n.Landing.New != 1 {
		t.Errorf("completed again: activated %d, landing %+v", n.Activated, n.Landing)
	}
	if !reflect.DeepEqual(n.Curve, []LandingBin{{Bin: 1, Legacy: 1}, {Bin: 5, New: 1}}) {
		t.Errorf("curve %+v", n.Curve)
	}
}

func TestLandingBins(t *testing.T) {
	for _, c := range []struct {
		d   time.Duration
		bin int32
	}{{0, 0}, {59 * time.Second, 0}, {time.Minute, 1}, {29*time.Minute + 59*time.Second, 29},
		{30 * time.Minute, 30}, {39 * time.Minute, 30}, {40 * time.Minute, 31}, {3*time.Hour - 1, 44},
		{3 * time.Hour, 45}, {23*time.Hour + 59*time.Minute, 65}, {24 * time.Hour, 66}, {100 * time.Hour, 66}} {
		if got := landingBinOf(c.d); got != c.bin {
			t.Errorf("bin of %v: %d, want %d", c.d, got, c.bin)
		}
	}
	prev := time.Duration(0)
	for i := range LandingBins {
		from, to := LandingSpan(i)
		if from != prev || landingBinOf(from) != int32(i) {
			t.Fatalf("bin %d spans %v–%v after %v", i, from, to, prev)
		}
		if i == LandingBins-1 {
			if to != 0 {
				t.Fatalf("last bin ends at %v", to)
			}
			break
		}
		if landingBinOf(to-1) != int32(i) {
			t.Fatalf("bin %d: %v is in bin %d", i, to-1, landingBinOf(to-1))
		}
		prev = to
	}
	if prev != 24*time.Hour {
		t.Fatalf("the bins end at %v, not 24 h", prev)
	}
}

// A checkpoint at any point, restored and folded forward, and a clone,
// give the landing a full fold gives (replay equals live).
func TestLandingSurvivesCheckpointAndClone(t *testing.T) {
	evs := randomNight(t, 3, 400)
	full := NewState(testConfig())
	applyAll(full, evs...)
	want := full.Snapshot()
	if want.Numbers[0].Landing.New+want.Numbers[0].Landing.Legacy == 0 || len(want.Requests[0].Curve) < 2 {
		t.Fatalf("the night lands nothing after activation: %+v %+v", want.Numbers[0].Landing, want.Requests)
	}
	for _, cut := range []int{len(evs) / 3, len(evs) / 2, len(evs) * 9 / 10} {
		part := NewState(testConfig())
		applyAll(part, evs[:cut]...)
		blob, err := part.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		restored := NewState(testConfig())
		if err := restored.UnmarshalBinary(blob); err != nil {
			t.Fatal(err)
		}
		clone := part.CloneInto(nil)
		applyAll(restored, evs[cut:]...)
		applyAll(clone, evs[cut:]...)
		for name, got := range map[string]*Snapshot{"restored": restored.Snapshot(), "clone": clone.Snapshot()} {
			if !reflect.DeepEqual(got.Numbers, want.Numbers) || !reflect.DeepEqual(got.Requests, want.Requests) {
				t.Fatalf("%s at %d: landing %+v %+v, want %+v %+v", name, cut,
					got.Numbers[0].Landing, got.Requests, want.Numbers[0].Landing, want.Requests)
			}
		}
	}
}

// withoutV5 is a snapshot as a checkpoint older than version 5 restores
// it: no landing transitions, no curves.
func withoutV5(s *Snapshot) *Snapshot {
	for i := range s.Numbers {
		s.Numbers[i].Landing, s.Numbers[i].Curve = Landing{}, nil
	}
	for i := range s.Requests {
		s.Requests[i].Landing, s.Requests[i].Curve = Landing{}, nil
	}
	return s
}

func trunkAddr(name string) netip.AddrPort {
	if name == "legacy" {
		return legacy
	}
	return newTr
}

// A snapshot shares the fold's curves (they are copied on write): calls
// folded after it must not change the curves it holds.
func TestLandingSnapshotKeepsItsCurves(t *testing.T) {
	s := NewState(testConfig())
	act := at(time.Minute)
	applyAll(s, completed(act, 0, testNum))
	applyAll(s, landCall(t, "a", act+int64(10*time.Second), "legacy", testNum)...)
	snap := s.Snapshot()
	want := []LandingBin{{Bin: 0, Legacy: 1}}
	applyAll(s, landCall(t, "b", act+int64(20*time.Second), "new", testNum)...)        // the same bin
	applyAll(s, landCall(t, "c", act+int64(30*time.Second), "new", "+15550100002")...) // not ported: nothing
	if !reflect.DeepEqual(snap.Numbers[0].Curve, want) || !reflect.DeepEqual(snap.Requests[0].Curve, want) {
		t.Fatalf("the snapshot's curves moved with the fold: %+v %+v", snap.Numbers[0].Curve, snap.Requests[0].Curve)
	}
	if got := s.Snapshot().Numbers[0].Curve; !reflect.DeepEqual(got, []LandingBin{{Bin: 0, New: 1, Legacy: 1}}) {
		t.Fatalf("the fold's curve %+v", got)
	}
}
