package action

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Command runs a configured program with its arguments: the escape hatch
// for anything the other actuators do not cover. Its output (stdout and
// stderr together, capped at MaxOutput) goes into the audit. A program's
// effect cannot be read back or undone by cutover.
type Command struct {
	Name      string
	Program   string
	Args      []string
	Timeout   time.Duration
	MaxOutput int // bytes kept of the output; 0: DefaultMaxOutput
}

// DefaultMaxOutput is how much of a command's output the audit keeps.
const DefaultMaxOutput = 64 << 10

// Plan shows the command line; it runs nothing.
func (c *Command) Plan(_ context.Context, req Request) (Plan, error) {
	if req.Type != RunCommand {
		return Plan{}, fmt.Errorf("command %s: cannot %s", c.Name, req.Type)
	}
	line := make([]string, 0, len(c.Args)+1)
	for _, a := range append([]string{c.Program}, c.Args...) {
		line = append(line, shellQuote(a))
	}
	return Plan{Request: req, Actuator: "command", Data: strings.Join(line, " "),
		Diff:  "run: " + strings.Join(line, " ") + "\n",
		Notes: fmt.Sprintf("timeout %s; its effect cannot be read back or undone by cutover", c.timeout())}, nil
}

func (c *Command) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// Apply runs the program and captures its output.
func (c *Command) Apply(ctx context.Context, p Plan) (Result, error) {
	ctx, cancel := withTimeout(ctx, c.timeout())
	defer cancel()
	max := c.MaxOutput
	if max <= 0 {
		max = DefaultMaxOutput
	}
	out := &cappedBuffer{max: max}
	cmd := exec.CommandContext(ctx, c.Program, c.Args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = time.Second // a child holding the pipes open cannot outlive the timeout by more
	err := cmd.Run()
	res := Result{Plan: p, ReadBack: out.String()}
	if ctx.Err() != nil {
		return res, fmt.Errorf("command %s: stopped after %s: %w", c.Name, c.timeout(), ctx.Err())
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return res, fmt.Errorf("command %s: exit status %d", c.Name, ee.ExitCode())
		}
		return res, fmt.Errorf("command %s: %w", c.Name, err)
	}
	return res, nil
}

// Undo: a program's effect is not cutover's to take back.
func (c *Command) Undo(context.Context, Result) (Plan, error) { return Plan{}, ErrNoUndo }

// cappedBuffer keeps the first max bytes written and counts the rest.
type cappedBuffer struct {
	mu      sync.Mutex
	b       []byte
	max     int
	dropped int
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := min(len(p), c.max-len(c.b))
	c.b = append(c.b, p[:n]...)
	c.dropped += len(p) - n
	return len(p), nil
}

func (c *cappedBuffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped > 0 {
		return string(c.b) + "\n[" + strconv.Itoa(c.dropped) + " more bytes not kept]"
	}
	return string(c.b)
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;&|<>()*?[]#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
