package pipeline

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestPacerPauseHoldsUntilResumed(t *testing.T) {
	p := NewPacer(0)
	p.TogglePause()
	if !p.Paused() {
		t.Fatal("not paused after toggle")
	}
	released := make(chan error, 1)
	go func() { released <- p.Wait(context.Background(), t0) }()
	select {
	case <-released:
		t.Fatal("Wait returned while paused")
	case <-time.After(50 * time.Millisecond):
	}
	p.TogglePause()
	select {
	case err := <-released:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait still blocked after resume")
	}
}

func TestPacerWaitEndsWithContext(t *testing.T) {
	p := NewPacer(1) // an event an hour ahead of the first, at real time
	ctx, cancel := context.WithCancel(context.Background())
	if err := p.Wait(ctx, t0); err != nil { // anchors
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Wait(ctx, t0+int64(time.Hour)) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait ignored cancel")
	}
}

func TestPacerSpeedChangeWakesWaiter(t *testing.T) {
	p := NewPacer(1)
	ctx := context.Background()
	if err := p.Wait(ctx, t0); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Wait(ctx, t0+int64(time.Hour)) }()
	waitBlockedIn(t, "(*Pacer).Wait")
	p.SetSpeed(0) // as fast as possible: the hour-away event is due now
	if p.Speed() != 0 {
		t.Fatalf("speed %v", p.Speed())
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("waiter not woken by the speed change")
	}
}

func TestReanchorPlaysTheNextEventAtOnce(t *testing.T) {
	p := NewPacer(1) // real time: an hour's jump would wait an hour
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Wait(ctx, 0); err != nil {
		t.Fatal(err)
	}
	p.Reanchor()
	if err := p.Wait(ctx, int64(time.Hour)); err != nil {
		t.Fatalf("after Reanchor the jump still waits: %v", err)
	}
}

// waitBlockedIn waits until a goroutine is blocked in a select inside
// function fn (as runtime.Stack names it), failing the test after 10 s.
func waitBlockedIn(t *testing.T, fn string) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		stacks := string(buf[:runtime.Stack(buf, true)])
		for _, g := range strings.Split(stacks, "\n\n") {
			head, frames, _ := strings.Cut(g, "\n")
			if strings.Contains(head, "[select") && strings.Contains(frames, fn+"(") {
				return
			}
		}
	}
	t.Fatalf("no goroutine blocked in %s", fn)
}
