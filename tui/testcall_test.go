package tui

import (
	"context"
	"errors"
	"testing"
)

func TestTestCallKeyCallsTheSelectedNumber(t *testing.T) {
	t.Parallel()
	var called []string
	fail := false
	caller := func(_ context.Context, e164 string) error {
		called = append(called, e164)
		if fail {
			return errors.New("no trunk answers")
		}
		return nil
	}
	m := newTestModel(t, Options{Mode: ModeLive, TestCall: caller}, 120, 30)
	want, ok := m.numbers.selected()
	if !ok {
		t.Fatal("no number selected")
	}
	mustContain(t, screen(m), "t test call")
	m = press(m, "t") // send runs the command, as the program would
	if len(called) != 1 || called[0] != want.E164 {
		t.Fatalf("test call placed to %v, want %s", called, want.E164)
	}
	mustContain(t, screen(m), "test call to "+want.E164+" done")

	fail = true
	m = press(m, "t")
	mustContain(t, screen(m), "failed: no trunk answers")

	// Elsewhere than the numbers pane, or without a prober, t does nothing.
	m = press(m, "tab", "t")
	if len(called) != 2 {
		t.Fatalf("t on another pane placed a call: %v", called)
	}
	plain := newTestModel(t, Options{Mode: ModeReplay}, 120, 30)
	mustNotContain(t, screen(plain), "test call")
	if _, cmd := plain.Update(keyMsg("t")); cmd != nil {
		t.Fatal("t without a prober returned a command")
	}
}
