package main

import (
	"bytes"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// TestNATSCommandsHaveARoomierHeap: collect and watch --from raise the
// heap's soft limit (a watch's reorder window holds two seconds of
// events, a restarted collector its SBC's resend: at 90,000 msgs/s and
// 200 MiB both spent most of their CPU in the GC), before anything else
// can fail; a plain watch keeps the default; GOMEMLIMIT wins over both.
func TestNATSCommandsHaveARoomierHeap(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	missing := filepath.Join(t.TempDir(), "missing.toml")
	for _, c := range []struct {
		env  string
		args []string
		want int64
	}{
		{"", []string{"collect", "-c", missing, "--to", "nats://127.0.0.1:1"}, natsMemoryLimit},
		{"", []string{"watch", "-c", missing, "--from", "nats://127.0.0.1:1"}, natsMemoryLimit},
		{"", []string{"watch", "-c", missing}, memoryLimit},
		{"300MiB", []string{"collect", "-c", missing, "--to", "nats://127.0.0.1:1"}, 300 << 20},
	} {
		t.Setenv("GOMEMLIMIT", c.env)
		debug.SetMemoryLimit(memoryLimit)
		if c.env != "" {
			debug.SetMemoryLimit(c.want) // as the runtime set it from GOMEMLIMIT
		}
		var out bytes.Buffer
		if code := run(c.args, nil, &out, &out); code == 0 {
			t.Fatalf("%v with a missing file: exit 0", c.args)
		}
		if got := debug.SetMemoryLimit(-1); got != c.want {
			t.Errorf("%v (GOMEMLIMIT=%q): heap limit %d MiB, want %d MiB", c.args, c.env, got>>20, c.want>>20)
		}
	}
}
