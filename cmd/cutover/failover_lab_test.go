package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

// Issue 5's check with real peers: `cutover watch` records Kamailio's HEP
// while sipp calls go through Kamailio's dispatcher to the new carrier;
// `cutover act failover` (recorded through the watch's control socket)
// disables the new carrier in the dispatcher, and the next calls reach the
// legacy carrier — sipp's own counters say so, and the fold verifies the
// action from the traffic. The undo sends the calls back to the new one.
func TestLabFailoverMovesCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("lab test: not with -short")
	}
	lab.NeedTool(t, "sipp")
	lab.NeedTool(t, "/usr/sbin/kamailio")
	dir := t.TempDir()
	keepOnFailure(t, dir)
	p := labPorts{sbc: freeUDP(t), rpc: freeTCP(t), newC: freeUDP(t), legacy: freeUDP(t), caller: freeUDP(t), hep: freeUDP(t)}
	writeLab(t, dir, p)
	toml := filepath.Join(dir, "lab.toml")
	doc := labConfig(p) + fmt.Sprintf(`[actions]
verify_window = "1m"
verify_calls = 3
[[actions.failover]]
name = "sbc"
  [actions.failover.dispatcher]
  url = "http://127.0.0.1:%d/RPC"
  set = 1
  legacy = ["sip:127.0.0.1:%d"]
  new = ["sip:127.0.0.1:%d"]
`, p.rpc, p.legacy, p.newC)
	if err := os.WriteFile(toml, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "lab.db")
	watch := exec.Command(bin, "watch", "--headless", "-c", toml, "--db", db)
	var wout strings.Builder
	watch.Stdout, watch.Stderr = &wout, &wout
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	defer watch.Process.Kill()
	waitFor(t, "the watch's control socket", func() bool {
		cc, err := dialControl(db)
		if err == nil {
			cc.Close()
		}
		return err == nil
	})
	carrier := func(name string, port int) *proc {
		return startProc(t, dir, name, "sipp", "-sf", name+".xml", "-i", "127.0.0.1", "-p", portArg(port),
			"-aa", "-trace_counts", "-fd", "1", "-nostdin")
	}
	newC, legacy := carrier("new", p.newC), carrier("legacy", p.legacy)
	kam := startProc(t, dir, "kamailio", "/usr/sbin/kamailio", "-f", "kamailio.cfg",
		"-P", filepath.Join(dir, "run", "kamailio.pid"), "-Y", filepath.Join(dir, "run"), "-DD", "-E")
	waitBound(t, p.sbc)
	time.Sleep(time.Second) // Kamailio's children up, siptrace ready

	const batch = 8
	calls := func(round int) {
		t.Helper()
		csv := fmt.Sprintf("round%d.csv", round)
		var b strings.Builder
		b.WriteString("SEQUENTIAL\n")
		for i := 0; i < batch; i++ { // numbers the new carrier answers (below +14155550190)
			fmt.Fprintf(&b, "+1415555%04d;+14155550100;\n", labFirst+round*batch+i)
		}
		if err := os.WriteFile(filepath.Join(dir, csv), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		c := startProc(t, dir, fmt.Sprintf("caller%d", round), "sipp", "-sf", "caller.xml", "-inf", csv,
			"-i", "127.0.0.1", "-m", strconv.Itoa(batch), "-r", "10", // a port of its own choosing
			"-timeout", "30s", "-nostdin", fmt.Sprintf("127.0.0.1:%d", p.sbc))
		c.wait(t, 60*time.Second)
	}
	invites := func(name string) int {
		_, _, n := sippCounts(t, dir, name)
		return n
	}
	act := func(args ...string) string {
		t.Helper()
		code, out := actRunCmd(t, "", append(args, "-c", toml, "--db", db, "--yes")...)
		if code != 0 || !strings.Contains(out, "recording through the running watch") {
			t.Fatalf("act %v: exit %d\n%s", args, code, out)
		}
		return out
	}
	waitInvites := func(name string, want int) {
		t.Helper()
		waitFor(t, fmt.Sprintf("%d INVITEs at %s", want, name), func() bool { return invites(name) >= want })
	}

	calls(0)
	waitInvites("new", batch)
	if n := invites("legacy"); n != 0 {
		t.Fatalf("before the failover the legacy carrier got %d calls", n)
	}
	act("failover", "sbc")
	id := actionID(t, db, "failover")
	calls(1)
	waitInvites("legacy", batch)
	if n := invites("new"); n != batch {
		t.Errorf("after the failover the new carrier got %d more calls", n-batch)
	}
	waitState(t, db, id, monitor.ActionVerified)

	act("undo", id)
	calls(2)
	waitInvites("new", 2*batch)
	if n := invites("legacy"); n != batch {
		t.Errorf("after the undo the legacy carrier got %d more calls", n-batch)
	}
	undo := actionID(t, db, "undo")
	waitState(t, db, undo, monitor.ActionVerified)

	for _, pr := range []*proc{kam, newC, legacy} {
		_ = pr.stop(syscall.SIGTERM, 10*time.Second)
	}
	watch.Process.Signal(syscall.SIGTERM)
	if err := watch.Wait(); err != nil {
		t.Fatalf("watch: %v\n%s", err, wout.String())
	}
	rows := actionRows(t, db)
	got := map[string]monitor.ActionState{}
	for _, r := range rows {
		got[r.Type] = r.State
	}
	if got["failover"] != monitor.ActionUndone || got["undo"] != monitor.ActionVerified {
		t.Errorf("actions at the end: %v", got)
	}
}

// actionRows reads a recording's actions (their latest states).
func actionRows(t *testing.T, db string) []store.ActionRow {
	t.Helper()
	rd, err := store.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	rows, err := rd.Actions()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// actionID waits for the newest action of type typ in the recording.
func actionID(t *testing.T, db, typ string) string {
	t.Helper()
	var id string
	waitFor(t, "a "+typ+" action in the recording", func() bool {
		for _, r := range actionRows(t, db) {
			if r.Type == typ {
				id = r.ID
			}
		}
		return id != ""
	})
	return id
}

// waitState waits until the recording shows action id in state want.
func waitState(t *testing.T, db, id string, want monitor.ActionState) {
	t.Helper()
	var last monitor.ActionState
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range actionRows(t, db) {
			if r.ID == id {
				last = r.State
			}
		}
		if last == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("action %s is %q, want %q", id, last, want)
}
