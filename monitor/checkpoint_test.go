package monitor

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"
)

// randomNight builds a reproducible mix of calls, ports and notes.
func randomNight(t *testing.T, seed int64, n int) []Event {
	rng := rand.New(rand.NewSource(seed))
	codes := []int{200, 200, 200, 486, 488, 503, 404, 487}
	var evs []Event
	when := at(0)
	nums := []string{testNum, "+15550100002"}
	for i := 0; i < n; i++ {
		when += int64(time.Duration(rng.Intn(20)) * time.Second)
		src := newTr
		if rng.Intn(3) == 0 {
			src = legacy
		}
		d := newDialog(t, fmt.Sprintf("rn-%d", i), src, pbx, "+12125550100", nums[rng.Intn(2)])
		code := codes[rng.Intn(len(codes))]
		evs = append(evs, d.invite(when, ""), d.reply(when+int64(time.Second), 180, "Ringing"),
			d.reply(when+int64(2*time.Second), code, "X"))
		if code == 200 {
			evs = append(evs, d.bye(when+int64(time.Duration(rng.Intn(90))*time.Second)))
		}
		if i == n/3 {
			evs = append(evs, Event{Time: when, Kind: KindPortState, Port: &PortChange{Number: testNum, State: PortCompleted}})
			evs = append(evs, Event{Time: when, Kind: KindNote, Note: &Note{Author: "op", Text: "port done"}})
		}
	}
	// keep event time ordered, as a source delivers it
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0 && evs[j].Time < evs[j-1].Time; j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
	return evs
}

func TestFoldIsDeterministic(t *testing.T) {
	evs := randomNight(t, 7, 300)
	a, b := NewState(testConfig()), NewState(testConfig())
	var da, db []Event
	for _, e := range evs {
		a.Apply(e)
		da = a.Drain(da)
		b.Apply(e)
		db = b.Drain(db)
	}
	if !reflect.DeepEqual(a.Snapshot(), b.Snapshot()) {
		t.Fatal("two folds of the same events differ")
	}
	if !reflect.DeepEqual(da, db) || len(da) == 0 {
		t.Fatalf("derived alert events differ or are empty (%d vs %d)", len(da), len(db))
	}
}

func TestCheckpointRestoreThenFoldForward(t *testing.T) {
	evs := randomNight(t, 11, 300)
	full := NewState(testConfig())
	for _, e := range evs {
		full.Apply(e)
		full.Drain(nil)
	}
	for _, cut := range []int{1, len(evs) / 4, len(evs) / 2, len(evs) - 1} {
		part := NewState(testConfig())
		for _, e := range evs[:cut] {
			part.Apply(e)
			part.Drain(nil)
		}
		blob, err := part.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		restored := NewState(testConfig())
		if err := restored.UnmarshalBinary(blob); err != nil {
			t.Fatal(err)
		}
		for _, e := range evs[cut:] {
			restored.Apply(e)
			restored.Drain(nil)
		}
		if got, want := restored.Snapshot(), full.Snapshot(); !reflect.DeepEqual(got, want) {
			t.Fatalf("checkpoint at %d + fold forward differs from a full fold:\n got %+v\nwant %+v", cut, got.Trunks[1].Win, want.Trunks[1].Win)
		}
	}
}

func TestUnmarshalGarbage(t *testing.T) {
	if err := NewState(Config{}).UnmarshalBinary([]byte("not a checkpoint")); err == nil {
		t.Fatal("garbage restored without error")
	}
}
