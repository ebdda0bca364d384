package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
)

// sippOn starts sipp on 127.0.0.1:port and waits until it holds the port.
func sippOn(t *testing.T, port int, args ...string) {
	t.Helper()
	labPeer(t, "sipp", append(args, "-i", "127.0.0.1", "-p", fmt.Sprint(port), "-nostdin")...)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return
		}
		c.Close()
	}
	t.Fatalf("sipp never bound port %d", port)
}

const probeScreenConfig = `name = "probe screen"
[hep]
listen = "127.0.0.1:0"
[probes]
options_interval = "300ms"
fail_after = 3
recover_after = 2
local_addr = "127.0.0.1:0"
%s
[[numbers]]
number = "+14155550101"
state = "in_progress"
`

const probeScreenTrunk = `
[[trunks]]
name = %q
role = "new"
uri = "sip:127.0.0.1:%d"
addrs = ["127.0.0.1:%d"]
`

const probeScreenRegister = `  [trunks.register]
  registrar = "sip:127.0.0.1:%d"
  user = "alice"
  realm = "lab.test"
  password_env = %q
  expires = "5m"
`

// TestProbeStatesOnScreen runs "cutover watch" in a terminal against sipp
// peers: one answers OPTIONS, one registrar grants the registration, one
// refuses it (403), and one port is dead. The trunks pane must show each
// state, and the recording must hold them.
func TestProbeStatesOnScreen(t *testing.T) {
	needTool(t, "tmux")
	needTool(t, "sipp")
	scenario, _ := filepath.Abs("../../monitor/probe/testdata/registrar.xml")
	ports := map[string]int{"optup": lab.FreePort(t), "granted": lab.FreePort(t), "refused": lab.FreePort(t), "dead": lab.FreePort(t)}
	sippOn(t, ports["optup"], "-sn", "uas", "-aa")
	sippOn(t, ports["granted"], "-sf", scenario, "-aa")
	sippOn(t, ports["refused"], "-sf", scenario, "-aa")
	var trunks strings.Builder
	for _, name := range []string{"optup", "granted", "refused", "dead"} {
		fmt.Fprintf(&trunks, probeScreenTrunk, name, ports[name], ports[name])
		switch name {
		case "granted", "dead":
			fmt.Fprintf(&trunks, probeScreenRegister, ports[name], "CUTOVER_LAB_GOOD")
		case "refused":
			fmt.Fprintf(&trunks, probeScreenRegister, ports[name], "CUTOVER_LAB_BAD")
		}
	}
	dir := t.TempDir()
	cfg, db := filepath.Join(dir, "cutover.toml"), filepath.Join(dir, "probes.db")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, probeScreenConfig, trunks.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	name := "cutover-probes-" + fmt.Sprint(os.Getpid())
	out, err := exec.Command("tmux", "new-session", "-d", "-s", name, "-x", "160", "-y", "40",
		"-e", "CUTOVER_LAB_GOOD=s3cret", "-e", "CUTOVER_LAB_BAD=wrong",
		"--", bin, "watch", "-c", cfg, "--db", db, "--log", filepath.Join(dir, "watch.log")).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux: %v: %s", err, out)
	}
	exec.Command("tmux", "set-option", "-t", name, "remain-on-exit", "on").Run()
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", name).Run() })
	s := &tmuxSession{t: t, name: name}
	want := map[string][]string{
		"optup":   {"▲ up"},
		"granted": {"✓", "▲ up"},
		"refused": {"failed 403"},
		"dead":    {"timeout", "▼ down 408"},
	}
	var scr string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		scr = s.screen()
		if rowsShow(scr, want) {
			break
		}
	}
	if !rowsShow(scr, want) {
		log, _ := os.ReadFile(filepath.Join(dir, "watch.log"))
		t.Fatalf("the trunks pane never showed %v:\n%s\nlog:\n%s", want, scr, log)
	}
	s.keys("q")
	for deadline := time.Now().Add(15 * time.Second); !s.exited() && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if !s.exited() {
		t.Fatalf("q did not quit:\n%s", s.screen())
	}
	rec, err := exec.Command("sqlite3", db, "select data from events where kind = 3").Output()
	if err == nil { // sqlite3 is optional here: the screen was the check
		for _, w := range []string{`"Trunk":"granted","State":"registered","Code":200,"Expires":60000000000`,
			`"Trunk":"refused","State":"failed","Code":403`, `"Trunk":"dead","State":"timeout","Code":408`} {
			if !strings.Contains(string(rec), w) {
				t.Errorf("recording lacks %s:\n%s", w, rec)
			}
		}
	}
}

// rowsShow reports whether each trunk's row on the screen holds its texts.
func rowsShow(scr string, want map[string][]string) bool {
	for name, texts := range want {
		row := ""
		for _, line := range strings.Split(scr, "\n") {
			if strings.HasPrefix(line, name+" ") {
				row = line
			}
		}
		for _, w := range texts {
			if !strings.Contains(row, w) {
				return false
			}
		}
	}
	return true
}
