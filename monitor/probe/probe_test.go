package probe

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/sipparse"
)

// needTool fails in CI, which must install every tool the tests use, and
// skips elsewhere.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (CI must have it)", name)
		}
		t.Skipf("%s is not installed", name)
	}
}

// freePort returns a UDP port on 127.0.0.1 nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// sipp starts a sipp peer on 127.0.0.1:port until the test ends.
func sipp(t *testing.T, port int, args ...string) {
	t.Helper()
	needTool(t, "sipp")
	args = append(args, "-i", "127.0.0.1", "-p", fmt.Sprint(port), "-nostdin", "-trace_err", "-error_file", t.TempDir()+"/err.log")
	cmd := exec.Command("sipp", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	// ready once it holds the port (a bind of our own then fails)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("sipp exited before it bound its port: %s", out.String())
		default:
		}
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return
		}
		c.Close()
	}
	_ = cmd.Process.Kill()
	<-exited // its output is complete
	t.Fatalf("sipp never bound its port in 10 s: %s", out.String())
}

// sink collects what the prober publishes.
type sink struct {
	mu  sync.Mutex
	evs []monitor.Event
}

func (s *sink) publish(ev monitor.Event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evs = append(s.evs, ev)
	return true
}

func (s *sink) events() []monitor.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]monitor.Event(nil), s.evs...)
}

// waitFor polls until cond holds on the events so far (no timing is
// asserted: the deadline only stops a broken test from hanging).
func (s *sink) waitFor(t *testing.T, what string, cond func([]monitor.Event) bool) []monitor.Event {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if evs := s.events(); cond(evs) {
			return evs
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("never saw %s; events:\n%s", what, dump(s.events()))
	return nil
}

func dump(evs []monitor.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		switch {
		case ev.SIP != nil:
			line, _, _ := strings.Cut(string(ev.SIP.Raw), "\r\n")
			fmt.Fprintf(&b, "  sip %v -> %v %s\n", ev.SIP.Src, ev.SIP.Dst, line)
		case ev.Probe != nil:
			fmt.Fprintf(&b, "  probe %+v\n", *ev.Probe)
		case ev.Registration != nil:
			fmt.Fprintf(&b, "  registration %+v\n", *ev.Registration)
		}
	}
	return b.String()
}

// lab is a one-trunk cutover file pointing at 127.0.0.1:port.
func lab(port int) *config.File {
	addr := netip.MustParseAddr("127.0.0.1")
	return &config.File{
		Cutover: monitor.Config{Name: "probe test", Trunks: []monitor.Trunk{{
			Name: "new", Role: monitor.RoleNew,
			Addrs: []monitor.TrunkAddr{{Prefix: netip.PrefixFrom(addr, 32), Port: uint16(port)}},
		}}},
		Trunks: []config.TrunkSetup{{Name: "new", URI: fmt.Sprintf("sip:127.0.0.1:%d", port), Transport: "udp"}},
		Probes: config.Probes{FailAfter: 3, RecoverAfter: 2, LocalAddr: "127.0.0.1:0"},
	}
}

// start runs the prober until the test ends.
func start(t *testing.T, f *config.File, opts Options) (*Prober, *sink) {
	t.Helper()
	s := &sink{}
	p := New(f, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, s.publish) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return p, s
}

// fold applies the events as the pipeline would and returns the trunk's row.
func fold(t *testing.T, f *config.File, evs []monitor.Event) monitor.TrunkView {
	t.Helper()
	st := monitor.NewState(f.Cutover)
	for _, ev := range evs {
		if ev.Source != monitor.SourceProbe {
			t.Fatalf("event from source %q", ev.Source)
		}
		if ev.SIP != nil {
			if err := ev.SIP.Decode(sipparse.Parse); err != nil {
				t.Fatalf("the probe published a message that does not parse: %v\n%s", err, ev.SIP.Raw)
			}
		}
		st.Apply(ev)
	}
	return st.Snapshot().Trunks[0]
}

func probes(evs []monitor.Event, kind monitor.ProbeKind) []monitor.ProbeResult {
	var out []monitor.ProbeResult
	for _, ev := range evs {
		if ev.Probe != nil && ev.Probe.Probe == kind {
			out = append(out, *ev.Probe)
		}
	}
	return out
}

func registrations(evs []monitor.Event) []monitor.RegistrationChange {
	var out []monitor.RegistrationChange
	for _, ev := range evs {
		if ev.Registration != nil {
			out = append(out, *ev.Registration)
		}
	}
	return out
}
