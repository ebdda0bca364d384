package monitor

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// filledState is a fold with every field set (see filler).
func filledState(n int) *State {
	var c core
	(&filler{n: n}).fill(reflect.ValueOf(&c).Elem(), "core")
	c.NumIdx = map[string]int{}
	for i, num := range c.Numbers {
		c.NumIdx[num.E164] = i
	}
	return &State{c: c}
}

// TestCloneSharesNothing clones a fold with every field set, changes every
// field of the original in place, and expects the clone to be unmoved:
// the checkpoint encodes a clone while the fold goes on.
func TestCloneSharesNothing(t *testing.T) {
	s := filledState(1)
	d := s.CloneInto(nil)
	if !reflect.DeepEqual(d.c, s.c) {
		for _, f := range diffFields(reflect.ValueOf(s.c), reflect.ValueOf(d.c), "core") {
			t.Errorf("%s is not cloned", f)
		}
		t.FailNow()
	}
	want, err := d.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for path, leaf := range leaves(reflect.ValueOf(&s.c).Elem(), "core") {
		if !strings.HasPrefix(path, "core.Cfg.") { // the Config never changes
			mutate(leaf)
		}
	}
	if got, _ := d.MarshalBinary(); !bytes.Equal(got, want) {
		back := State{c: core{Cfg: d.c.Cfg}}
		if err := back.UnmarshalBinary(want); err != nil {
			t.Fatal(err)
		}
		for _, f := range diffFields(reflect.ValueOf(back.c), reflect.ValueOf(d.c), "core") {
			t.Errorf("changing %s in the fold changed its clone", f)
		}
		t.FailNow()
	}
	if d = s.CloneInto(d); !reflect.DeepEqual(d.c, s.c) { // reusing the clone's memory
		t.Fatal("a clone into an earlier clone differs from the fold")
	}
	small := NewState(testConfig())
	if d = small.CloneInto(d); !reflect.DeepEqual(d.Snapshot(), small.Snapshot()) {
		t.Fatal("a clone of a smaller fold into a bigger one differs from it")
	}
}
