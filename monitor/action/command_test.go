package action

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
)

func TestCommand(t *testing.T) {
	ctx := context.Background()
	sh := lab.NeedTool(t, "sh")
	c := &Command{Name: "hello", Program: sh, Args: []string{"-c", "echo out; echo err >&2; head -c 100000 /dev/zero | tr '\\0' x"}, MaxOutput: 1000}
	p, err := c.Plan(ctx, Request{Type: RunCommand, Target: "hello"})
	if err != nil || !strings.Contains(p.Diff, "run: "+sh+" -c 'echo out;") {
		t.Fatalf("plan %q %v", p.Diff, err)
	}
	res, err := c.Apply(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.ReadBack, "out\nerr\nxxx") || !strings.Contains(res.ReadBack, "[99008 more bytes not kept]") || res.Undo != "" {
		t.Fatalf("read-back %.60q ... %q", res.ReadBack, res.ReadBack[len(res.ReadBack)-40:])
	}
	if _, err := c.Undo(ctx, res); !errors.Is(err, ErrNoUndo) {
		t.Fatalf("undo: %v", err)
	}
	fail := &Command{Name: "fail", Program: sh, Args: []string{"-c", "echo nope; exit 3"}}
	if res, err := fail.Apply(ctx, p); err == nil || !strings.Contains(err.Error(), "exit status 3") || res.ReadBack != "nope\n" {
		t.Fatalf("failing command: %v %q", err, res.ReadBack)
	}
	slow := &Command{Name: "slow", Program: sh, Args: []string{"-c", "sleep 30"}, Timeout: 200 * time.Millisecond}
	if _, err := slow.Apply(ctx, p); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow command: %v", err)
	}
	missing := &Command{Name: "missing", Program: "/nonexistent/program"}
	if _, err := missing.Apply(ctx, p); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("missing program: %v", err)
	}
}
