package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/store"
)

func TestCheck(t *testing.T) {
	code, out, errOut := runCLI(t, "check", "-c", "../../fixtures/cutover.toml")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"is valid", "trunk    legacy", "203.0.113.0/28", "101 (1 pending, 50 approved, 50 completed)",
		"password from $NEWCARRIER_SIP_PASSWORD", "OPTIONS every 30s", ":9060 udp+tcp"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"sbc.example\"]\n"), 0o644)
	code, out, errOut = runCLI(t, "check", "-c", bad)
	if code != 1 || !strings.Contains(errOut, "bad.toml:5:") || !strings.Contains(errOut, "trunks[0].addrs[0]") {
		t.Errorf("bad file: exit %d, %q%q", code, out, errOut)
	}
	if code, _, errOut = runCLI(t, "check"); code != 2 || !strings.Contains(errOut, "-c") {
		t.Errorf("no file: exit %d, %q", code, errOut)
	}
	if code, _, errOut = runCLI(t, "watch", "-c", bad, "--headless"); code != 1 || !strings.Contains(errOut, "bad.toml:5:") {
		t.Errorf("watch with a bad file: exit %d, %q", code, errOut)
	}
}

// simConfig is a cutover.toml for the simulator's addresses and numbers.
func simConfig(t *testing.T, listen string) string {
	t.Helper()
	doc := fmt.Sprintf(`name = "sim over HEP"
[hep]
listen = %q
tcp = true
[[trunks]]
name = "legacy"
role = "legacy"
addrs = ["198.51.100.10:5060"]
[[trunks]]
name = "new"
role = "new"
addrs = ["203.0.113.20:5060"]
[[numbers]]
range = "+14155550101-+14155550130"
state = "approved"
`, listen)
	path := filepath.Join(t.TempDir(), "cutover.toml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// freeAddr is 127.0.0.1 with a port free for both UDP and TCP.
func freeAddr(t *testing.T) string { return fmt.Sprintf("127.0.0.1:%d", lab.FreePort(t)) }

// TestWatchHeadlessRecordsHEP runs `cutover watch --headless` as a data
// centre box would, feeds it the simulated night's SIP as HEP over TCP,
// stops it with SIGTERM and reads the recording back.
func TestWatchHeadlessRecordsHEP(t *testing.T) {
	listen := freeAddr(t)
	db := filepath.Join(t.TempDir(), "live.db")
	cmd := exec.Command(bin, "watch", "--headless", "-c", simConfig(t, listen), "--db", db)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	conn := dialRetry(t, listen)
	so := sim.DefaultOptions()
	so.Numbers = 30
	night := sim.New(so)
	var sent [][]byte
	for len(sent) < 2000 {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if ev.Kind != monitor.KindSIP {
			continue
		}
		p := hep.FromEvent(ev, 7, "")
		b, err := p.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, ev.SIP.Raw)
	}
	conn.Close()
	got := waitRecorded(t, db, len(sent))
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("watch: %v\n%s%s", err, out.String(), errOut.String())
	}
	for i := range sent {
		if !bytes.Equal(got[i].SIP.Raw, sent[i]) || got[i].Source != "hep" {
			t.Fatalf("recorded message %d differs from what was sent", i)
		}
	}
	if !strings.Contains(out.String(), fmt.Sprintf("%d packets, 0 malformed", len(sent))) || !strings.Contains(out.String(), "0 dropped") {
		t.Errorf("summary: %s", out.String())
	}
	r, err := store.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if c := r.Cutover(); c.Mode != "live" || c.EndedNs == 0 || c.Config.Name != "sim over HEP" {
		t.Errorf("cutover row %+v", c)
	}
}

func dialRetry(t *testing.T, addr string) net.Conn {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			return conn
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector never listened on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitRecorded polls the recording until it holds n HEP events (bounded).
func waitRecorded(t *testing.T, db string, n int) []monitor.Event {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got []monitor.Event
		if r, err := store.OpenReader(db); err == nil {
			r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
				if ev.Source == "hep" {
					got = append(got, ev)
				}
				return nil
			})
			r.Close()
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("recording holds %d HEP events, want %d", len(got), n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestWatchScreenInATerminal looks at `cutover watch` at 80x24 while HEP
// arrives: the header shows the collector listening with its rate, the
// trunks pane the simulated traffic; q quits and the night is recorded.
func TestWatchScreenInATerminal(t *testing.T) {
	listen := freeAddr(t)
	db := filepath.Join(t.TempDir(), "screen.db")
	s := startTmux(t, 80, 24, "watch", "-c", simConfig(t, listen), "--db", db)
	s.waitFor("LIVE", "hep ●")
	conn := dialRetry(t, listen)
	so := sim.DefaultOptions()
	so.Numbers = 30
	night := sim.New(so)
	for sent := 0; sent < 500; {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if ev.Kind != monitor.KindSIP {
			continue
		}
		p := hep.FromEvent(ev, 7, "")
		b, _ := p.Append(nil)
		conn.Write(b)
		sent++
	}
	conn.Close()
	scr := s.waitFor("LIVE", "hep ●", "SIP FEED  200 msgs") // the feed is full: 500 messages folded
	for i, line := range strings.Split(strings.TrimRight(scr, "\n"), "\n") {
		if n := len([]rune(line)); n > 80 {
			t.Errorf("line %d is %d wide: %q", i, n, line)
		}
	}
	s.keys("q")
	deadline := time.Now().Add(15 * time.Second)
	for !s.exited() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if !s.exited() {
		t.Fatalf("q did not quit:\n%s", s.screen())
	}
	if got := waitRecorded(t, db, 500); len(got) != 500 {
		t.Errorf("recorded %d HEP messages, sent 500", len(got))
	}
}
