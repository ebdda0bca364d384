package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

// needTool fails in CI (which must install every tool the tests use) and
// skips on a developer's machine without it.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run must install it", name)
		}
		t.Skipf("%s not installed", name)
	}
}

// tmuxSessions numbers the tmux sessions, so one test may start several.
var tmuxSessions atomic.Int64

// tmuxSession runs cutover in a detached tmux of the given size.
type tmuxSession struct {
	t    *testing.T
	name string
}

func startTmux(t *testing.T, w, h int, args ...string) *tmuxSession {
	t.Helper()
	return startTmuxEnv(t, nil, w, h, args...)
}

// startTmuxEnv is startTmux with environment variables (NAME=value) for
// cutover: a tmux server that already runs does not pass on the test's.
func startTmuxEnv(t *testing.T, env []string, w, h int, args ...string) *tmuxSession {
	t.Helper()
	needTool(t, "tmux")
	s := &tmuxSession{t: t, name: fmt.Sprintf("cutover-test-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), tmuxSessions.Add(1))}
	cmd := []string{"new-session", "-d", "-s", s.name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h)}
	for _, e := range env {
		cmd = append(cmd, "-e", e)
	}
	cmd = append(append(cmd, "--", bin), args...)
	if out, err := exec.Command("tmux", cmd...).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v: %s", err, out)
	}
	exec.Command("tmux", "set-option", "-t", s.name, "remain-on-exit", "on").Run()
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", s.name).Run() })
	return s
}

func (s *tmuxSession) screen() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", s.name).Output()
	if err != nil {
		s.t.Fatalf("capture-pane: %v", err)
	}
	return string(out)
}

// waitFor polls the screen until every want is on it.
func (s *tmuxSession) waitFor(want ...string) string {
	s.t.Helper()
	return s.waitUntil(fmt.Sprintf("%q", want), func(scr string) bool {
		for _, w := range want {
			if !strings.Contains(scr, w) {
				return false
			}
		}
		return true
	})
}

// waitUntil polls the screen until ok holds for it (bounded).
func (s *tmuxSession) waitUntil(what string, ok func(scr string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var scr string
	for time.Now().Before(deadline) {
		if scr = s.screen(); ok(scr) {
			return scr
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.t.Fatalf("screen never showed %s:\n%s", what, scr)
	return ""
}

func (s *tmuxSession) keys(k ...string) {
	if out, err := exec.Command("tmux", append([]string{"send-keys", "-t", s.name}, k...)...).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys: %v: %s", err, out)
	}
}

func (s *tmuxSession) exited() bool {
	out, _ := exec.Command("tmux", "display-message", "-p", "-t", s.name, "#{pane_dead}").Output()
	return strings.TrimSpace(string(out)) == "1"
}

// TestDemoScreenInATerminal looks at the demo as a person would, at the
// smallest supported size and a large one, then quits it with q.
func TestDemoScreenInATerminal(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {200, 50}} {
		t.Run(strconv.Itoa(size[0])+"x"+strconv.Itoa(size[1]), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "screen.db")
			s := startTmux(t, size[0], size[1], "demo", "--numbers", "40", "--speed", "600", "--db", db)
			scr := s.waitFor("DEMO", "legacy", "new", "+1415555")
			for i, line := range strings.Split(strings.TrimRight(scr, "\n"), "\n") {
				if n := len([]rune(line)); n > size[0] {
					t.Errorf("line %d is %d wide on a %d-column terminal: %q", i, n, size[0], line)
				}
			}
			s.keys("?")
			s.waitFor("quit")
			s.keys("q")
			deadline := time.Now().Add(15 * time.Second)
			for !s.exited() && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if !s.exited() {
				t.Fatalf("q did not quit:\n%s", s.screen())
			}
			r, err := store.OpenReader(db)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if n, _ := r.Count(); n == 0 {
				t.Fatal("the demo recorded nothing")
			}
		})
	}
}

// TestKill9LosesAtMostTheLastFlush kills a recording demo with SIGKILL and
// expects the file to open with what was committed before the kill.
func TestKill9LosesAtMostTheLastFlush(t *testing.T) {
	db := filepath.Join(t.TempDir(), "killed.db")
	cmd := exec.Command(bin, "demo", "--headless", "--speed", "3000", "--db", db)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until something is committed, then a little longer.
	deadline := time.Now().Add(30 * time.Second)
	var before int64
	for time.Now().Before(deadline) && before == 0 {
		time.Sleep(200 * time.Millisecond)
		if r, err := store.OpenReader(db); err == nil {
			before, _ = r.Count()
			r.Close()
		}
	}
	if before == 0 {
		cmd.Process.Kill()
		t.Fatal("nothing was committed within 30s")
	}
	time.Sleep(700 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	r, err := store.OpenReader(db)
	if err != nil {
		t.Fatalf("recording does not open after kill -9: %v", err)
	}
	defer r.Close()
	after, err := r.Count()
	if err != nil {
		t.Fatal(err)
	}
	if after < before {
		t.Fatalf("recording lost committed events: %d before the kill, %d after", before, after)
	}
	if c := r.Cutover(); c.EndedNs != 0 {
		t.Fatalf("a killed night says it ended at %d", c.EndedNs)
	}
	// Every event that survived reads back whole.
	var seqs int64
	if err := r.Events(t.Context(), 0, func(seq int64, _ monitor.Event) error { seqs++; return nil }); err != nil {
		t.Fatal(err)
	}
	if seqs != after {
		t.Fatalf("Count %d but Events yielded %d", after, seqs)
	}
}
