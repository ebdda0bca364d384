package monitor

import (
	"fmt"
	"testing"
	"time"
)

// TestTrunkTotalOutlivesTheWindows folds one call every two minutes for
// two hours, longer than a trunk's ring of buckets (SparkMinutes): the
// windows forget the early calls, the trunk's Total keeps every one, grows
// with every call, and survives a checkpoint and a clone.
func TestTrunkTotalOutlivesTheWindows(t *testing.T) {
	s := NewState(testConfig())
	const calls = 60
	prev := 0
	for i := range calls {
		d := newDialog(t, fmt.Sprintf("tot-%d", i), legacy, pbx, "+15550009999", testNum)
		when := at(time.Duration(i) * 2 * time.Minute)
		code := 200
		if i%3 == 0 {
			code = 486
		}
		applyAll(s, d.invite(when, ""), d.reply(when+int64(time.Second), code, "Done"))
		tot := s.Snapshot().Trunks[0].Total
		if tot.Attempts != i+1 || tot.Attempts < prev {
			t.Fatalf("after call %d: total attempts %d, want %d", i+1, tot.Attempts, i+1)
		}
		prev = tot.Attempts
	}
	snap := s.Snapshot()
	tot := snap.Trunks[0].Total
	if tot.Answered != 40 || tot.Failed != 20 || tot.Completed != 60 {
		t.Fatalf("total %+v: want 40 answered, 20 failed, 60 completed", tot)
	}
	if w := snap.Trunks[0].Win[len(Windows)-1].Attempts; w >= calls {
		t.Fatalf("the widest window still holds %d attempts: the test does not outlive the ring", w)
	}
	data, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back := NewState(testConfig())
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	clone := s.CloneInto(nil)
	for name, st := range map[string]*State{"checkpoint": back, "clone": clone} {
		got := st.Snapshot().Trunks[0].Total
		if fmt.Sprint(got) != fmt.Sprint(tot) {
			t.Errorf("%s: total %+v, want %+v", name, got, tot)
		}
	}
	// The restored fold keeps counting where the original left off.
	d := newDialog(t, "tot-after", legacy, pbx, "+15550009999", testNum)
	applyAll(back, d.invite(at(3*time.Hour), ""))
	if got := back.Snapshot().Trunks[0].Total.Attempts; got != calls+1 {
		t.Errorf("restored fold after one more call: %d attempts, want %d", got, calls+1)
	}
}
