package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/store"
)

const screenActToml = `name = "screen act"
[hep]
listen = "%s"` + labTrunksToml + `[[numbers]]
number = "+14155550101"
state = "in_progress"
[actions]
timeout = "5s"
verify_window = "2m"
verify_calls = 3` + labSRVToml

// The flow by keyboard, against a real BIND: `cutover watch` in a
// terminal, select the trunk, f, read the dry run, a stray Enter changes
// nothing, f and y fail over (dig shows it, the actions pane too), calls
// leave by the legacy trunk, u and y roll back. The recording holds every
// step of both actions, with the operator.
func TestActFromTheScreen(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) { actFromTheScreen(t, size[0], size[1]) })
	}
}

func actFromTheScreen(t *testing.T, w, h int) {
	bind := lab.StartBIND(t)
	dir := t.TempDir()
	listen := freeAddr(t)
	cfg, db := filepath.Join(dir, "cutover.toml"), filepath.Join(dir, "night.db")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, screenActToml, listen, bind.Addr), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startTmuxEnv(t, []string{"CUTOVER_TEST_TSIG=" + bind.Secret}, w, h,
		"watch", "-c", cfg, "--db", db, "--operator", "Dana", "--log", filepath.Join(dir, "watch.log"))
	s.waitFor("LIVE", "hep ●")

	s.keys("BTab", "Down", "f") // the trunks pane, the new trunk, fail over
	scr := s.waitFor("FAIL OVER", "Apply? y / N")
	t.Logf("the dry run at %dx%d:\n%s", w, h, scr)
	for _, want := range []string{"DNS UPDATE _sip._udp.porting.test.", "sbc-a.porting.test.", "sbc-b.porting.test.", "TTL 30s"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the dry run lacks %q", want)
		}
	}
	s.keys("Enter") // a stray Enter declines
	s.waitFor("declined: nothing changed")
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("Enter changed the zone: %q", got)
	}

	s.keys("f")
	s.waitFor("Apply? y / N")
	s.keys("y")
	s.waitFor("ACTIONS", "done: failover sbc-srv")
	if got := bind.Dig(t); got != "10 50 5070 sbc-b.porting.test.\n20 50 5060 sbc-a.porting.test." {
		t.Fatalf("dig after y: %q", got)
	}
	s.waitUntil("the failover done in the actions pane", func(scr string) bool {
		return actionRowShows(scr, "failover", "done", "unverified", "verified")
	})

	// Calls now leave by the legacy trunk, as HEP into the watch's collector.
	sendCallsOut(t, listen, "127.0.0.1:5070", 4)
	scr = s.waitUntil("the calls on the legacy trunk", func(scr string) bool {
		for _, l := range strings.Split(scr, "\n") {
			if strings.HasPrefix(l, "legacy ") && strings.Contains(l, "100%") { // answered: ASR 100%
				return true
			}
		}
		return false
	})
	// The fold sees the calls leave by the expected trunk: verified.
	scr = s.waitUntil("the failover verified", func(scr string) bool { return actionRowShows(scr, "failover", "verified") })
	t.Logf("after the calls at %dx%d:\n%s", w, h, scr)

	s.keys("u")
	scr = s.waitFor("UNDO failover sbc-srv", "Apply? y / N")
	t.Logf("the undo's dry run at %dx%d:\n%s", w, h, scr)
	s.keys("y")
	scr = s.waitUntil("the undo done and the failover undone", func(scr string) bool {
		return actionRowShows(scr, "undo", "done", "unverified", "verified") && actionRowShows(scr, "failover", "undone")
	})
	t.Logf("after the undo at %dx%d:\n%s", w, h, scr)
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("dig after the undo: %q, want the records before", got)
	}
	s.keys("F") // restore: the records already send calls to the new provider
	scr = s.waitFor("RESTORE", "nothing to change")
	if strings.Contains(scr, "Apply?") {
		t.Fatalf("asked to apply nothing:\n%s", scr)
	}
	s.keys("Escape")
	s.waitUntil("the dialog closed", func(scr string) bool { return !strings.Contains(scr, "any key closes") })
	s.keys("BTab", "Down", "Down", "Enter") // from the trunks back to the actions pane, the failover, its detail
	scr = s.waitFor("ACTION failover-", "dry run", "read back", "undone")
	t.Logf("the failover's detail at %dx%d:\n%s", w, h, scr)
	s.keys("Escape") // alone: an Esc right before another key reads as alt+that key
	s.waitUntil("the detail closed", func(scr string) bool { return !strings.Contains(scr, "ACTION failover-") })
	s.quit()
	checkScreenActions(t, db)
}

// quit presses q and waits for cutover to exit.
func (s *tmuxSession) quit() {
	s.t.Helper()
	s.keys("q")
	for deadline := time.Now().Add(15 * time.Second); !s.exited() && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if !s.exited() {
		s.t.Fatalf("q did not quit:\n%s", s.screen())
	}
}

// actionRowShows reports whether a line of the screen shows an action of
// type typ in one of states.
func actionRowShows(scr, typ string, states ...string) bool {
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, " "+typ+" ") && slices.ContainsFunc(states, func(s string) bool { return strings.Contains(l, " "+s+" ") }) {
			return true
		}
	}
	return false
}

// checkScreenActions reads the recording: the declined plan, the failover
// requested, running, done then undone, and the undo requested, running,
// done, all by Dana.
func checkScreenActions(t *testing.T, db string) {
	t.Helper()
	rows, steps := recordedActions(t, db)
	for _, st := range steps {
		if !strings.HasPrefix(st.Operator, "Dana (") {
			t.Errorf("operator %q", st.Operator)
		}
	}
	trail := operatorSteps(steps)
	want := []string{"failover:requested", "failover:failed", // the stray Enter, declined
		"failover:requested", "failover:running", "failover:done",
		"undo:requested", "undo:running", "undo:done", "failover:undone",
		"restore:requested", "restore:done"} // F: nothing to change, recorded as such
	if !slices.Equal(trail, want) {
		t.Fatalf("recorded steps %v, want %v", trail, want)
	}
	if rows[0].Error != "declined by the operator" || rows[1].State != monitor.ActionUndone || rows[2].Target != rows[1].ID {
		t.Fatalf("recorded actions: %+v", rows)
	}
	step := func(typ string, state monitor.ActionState) monitor.ActionRecord {
		i := slices.IndexFunc(steps, func(r monitor.ActionRecord) bool { return r.Type == typ && r.State == state })
		if i < 0 {
			t.Fatalf("no %s %s step", typ, state)
		}
		return steps[i]
	}
	if st := step("failover", monitor.ActionRunning); st.Expect == nil || st.Expect.Dir != "out" || !slices.Equal(st.Expect.Trunks, []string{"legacy"}) || st.Expect.Calls != 3 {
		t.Errorf("the failover's expectation: %+v", st)
	}
	if st := step("undo", monitor.ActionRunning); st.Expect == nil || !slices.Equal(st.Expect.Trunks, []string{"new"}) {
		t.Errorf("the undo's expectation: %+v", st)
	}
}

// operatorSteps are the recorded steps of the actions as type:state, but
// the verification steps the fold derives by traffic (unverified,
// verified: they come with the verify branch's fold).
func operatorSteps(steps []monitor.ActionRecord) []string {
	var trail []string
	for _, st := range steps {
		if st.State != monitor.ActionUnverified && st.State != monitor.ActionVerified {
			trail = append(trail, st.Type+":"+string(st.State))
		}
	}
	return trail
}

// sendCallsOut sends n answered calls from our SBC to the carrier at dst
// as HEP to the collector at listen.
func sendCallsOut(t *testing.T, listen, dst string, n int) {
	t.Helper()
	snd, err := hep.Dial(listen, 9, "")
	if err != nil {
		t.Fatal(err)
	}
	defer snd.Close()
	sbc, carrier := netip.MustParseAddrPort("127.0.0.1:5080"), netip.MustParseAddrPort(dst)
	for i := range n {
		id := fmt.Sprintf("screen-act-%d-%d", time.Now().UnixNano(), i)
		hdr := func(method string, tag string) string {
			return fmt.Sprintf("Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s\r\nFrom: <sip:+14155550101@%s>;tag=f-%s\r\nTo: <sip:+13125550199@%s>%s\r\nCall-ID: %s\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
				sbc, id, sbc.Addr(), id, carrier.Addr(), tag, id, method)
		}
		now := time.Now().UnixNano()
		msgs := []struct {
			src, dst netip.AddrPort
			raw      string
		}{
			{sbc, carrier, "INVITE sip:+13125550199@" + carrier.Addr().String() + " SIP/2.0\r\n" + hdr("INVITE", "")},
			{carrier, sbc, "SIP/2.0 200 OK\r\n" + hdr("INVITE", ";tag=t-"+id)},
		}
		for j, m := range msgs {
			ev := monitor.Event{Time: now + int64(j)*int64(time.Millisecond), Kind: monitor.KindSIP, Source: "hep",
				SIP: &monitor.SIPMessage{Src: m.src, Dst: m.dst, Transport: "udp", Raw: []byte(m.raw)}}
			if err := snd.Send(ev); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// --read-only turns the action keys off: the header says READ-ONLY, f
// says why and nothing is planned, the zone stays as it was.
func TestWatchReadOnly(t *testing.T) {
	bind := lab.StartBIND(t)
	dir := t.TempDir()
	cfg, db := filepath.Join(dir, "cutover.toml"), filepath.Join(dir, "night.db")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, screenActToml, freeAddr(t), bind.Addr), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startTmuxEnv(t, []string{"CUTOVER_TEST_TSIG=" + bind.Secret}, 80, 24, "watch", "-c", cfg, "--db", db, "--read-only")
	scr := s.waitFor("LIVE", "READ-ONLY")
	if strings.Contains(scr, "f fail over") {
		t.Errorf("the help offers f in read-only:\n%s", scr)
	}
	s.keys("f", "y")
	s.waitFor("read-only: this watch was started with --read-only")
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("read-only changed the zone: %q", got)
	}
	s.quit()
	if rows, _ := recordedActions(t, db); len(rows) != 0 {
		t.Fatalf("read-only recorded actions: %+v", rows)
	}
}

// o on the selected number moves its outbound route in a real Kamailio's
// htable to the new trunk; u (after y) puts it back as it was (no entry).
func TestOutboundFromTheScreen(t *testing.T) {
	kam := lab.StartKamailio(t)
	dir := t.TempDir()
	cfg, db := filepath.Join(dir, "cutover.toml"), filepath.Join(dir, "night.db")
	body := fmt.Sprintf(`name = "screen outbound"
[hep]
listen = %q`+labTrunksToml+`[[numbers]]
number = "+14155550101"
state = "in_progress"
[actions.outbound]
backend = "htable"
  [actions.outbound.htable]
  url = %q
  table = "outbound"
  values = { legacy = "1", new = "2" }
`, freeAddr(t), kam.URL)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startTmux(t, 80, 24, "watch", "-c", cfg, "--db", db, "--operator", "Dana")
	s.waitFor("LIVE", "+14155550101")
	s.keys("o") // the numbers pane is focused, on the only number
	scr := s.waitFor("OUTBOUND +14155550101", `+ outbound[+14155550101] = "2"`, "Apply? y / N")
	t.Logf("o's dry run:\n%s", scr)
	s.keys("y")
	s.waitUntil("the outbound route done", func(scr string) bool { return actionRowShows(scr, "outbound", "done", "unverified", "verified") })
	if v := htableGet(t, kam.URL, "+14155550101"); v != "2" {
		t.Fatalf("htable after y: %q", v)
	}
	s.keys("u")
	s.waitFor("UNDO outbound +14155550101", "Apply? y / N")
	s.keys("y")
	s.waitUntil("the outbound route undone", func(scr string) bool { return actionRowShows(scr, "outbound", "undone") })
	if v := htableGet(t, kam.URL, "+14155550101"); v != "" {
		t.Fatalf("htable after the undo: %q, want no entry", v)
	}
	s.quit()
	rows, steps := recordedActions(t, db)
	if len(rows) != 2 || rows[0].Type != "outbound" || rows[0].State != monitor.ActionUndone || rows[1].Target != rows[0].ID {
		t.Fatalf("recorded: %+v", rows)
	}
	// The recorded events (the actions table keeps neither) carry what the
	// fold verifies: calls out by the new trunk for the number.
	if e := steps[0].Expect; e == nil || e.Dir != "out" || !slices.Equal(e.Trunks, []string{"new"}) || !slices.Equal(e.Numbers, []string{"+14155550101"}) {
		t.Errorf("the outbound action's expectation: %+v", steps[0])
	}
}

// htableGet reads one htable entry over JSON-RPC ("" = no entry).
func htableGet(t *testing.T, url, key string) string {
	t.Helper()
	req := fmt.Sprintf(`{"jsonrpc":"2.0","method":"htable.get","params":["outbound",%q],"id":1}`, key)
	resp, err := http.Post(url, "application/json", strings.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Result struct{ Item struct{ Value any } }
		Error  *struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if r.Error != nil || r.Result.Item.Value == nil {
		return ""
	}
	return fmt.Sprint(r.Result.Item.Value)
}

// `cutover act` while a watch records: its events go through the watch's
// pipeline (the recording keeps one writer) and show in the watch's
// actions pane; u on the screen leaves another operator's action alone,
// and `cutover act undo` through the watch restores the zone.
func TestActThroughARunningWatch(t *testing.T) {
	bind := lab.StartBIND(t)
	dir := t.TempDir()
	cfg, db := filepath.Join(dir, "cutover.toml"), filepath.Join(dir, "night.db")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, screenActToml, freeAddr(t), bind.Addr), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CUTOVER_TEST_TSIG", bind.Secret)
	s := startTmuxEnv(t, []string{"CUTOVER_TEST_TSIG=" + bind.Secret}, 80, 24, "watch", "-c", cfg, "--db", db, "--operator", "Dana")
	s.waitFor("LIVE", "hep ●")
	s.keys("a") // the actions pane
	s.waitFor("ACTIONS & NOTES  0 actions")
	code, out := actRunCmd(t, "", "failover", "-c", cfg, "--db", db, "--yes", "--operator", "Sam")
	if code != 0 || !strings.Contains(out, "recording through the running watch") {
		t.Fatalf("act while the watch runs: %d\n%s", code, out)
	}
	if got := bind.Dig(t); got != "10 50 5070 sbc-b.porting.test.\n20 50 5060 sbc-a.porting.test." {
		t.Fatalf("dig after act: %q", got)
	}
	scr := s.waitUntil("act's failover in the pane", func(scr string) bool { return actionRowShows(scr, "failover", "done", "unverified", "verified") })
	if !strings.Contains(scr, "Sam (") {
		t.Errorf("the pane does not name the operator:\n%s", scr)
	}
	s.keys("u")
	s.waitFor("u: no action of yours to undo")
	// The watch commits what it records every 200ms: the failover's done
	// reaches the file a moment after the screen shows it.
	done := func(rows []store.ActionRow) bool {
		return len(rows) == 1 && slices.Contains([]monitor.ActionState{monitor.ActionDone, monitor.ActionUnverified, monitor.ActionVerified}, rows[0].State)
	}
	rows, _ := recordedActions(t, db)
	for deadline := time.Now().Add(5 * time.Second); !done(rows) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		rows, _ = recordedActions(t, db)
	}
	if !done(rows) {
		t.Fatalf("recorded: %+v", rows)
	}
	if code, out := actRunCmd(t, "", "undo", rows[0].ID, "-c", cfg, "--db", db, "--yes"); code != 0 {
		t.Fatalf("undo through the watch: %d\n%s", code, out)
	}
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("dig after the undo: %q", got)
	}
	s.waitUntil("the failover undone", func(scr string) bool { return actionRowShows(scr, "failover", "undone") })
	s.quit()
	if _, err := os.Stat(controlPath(db)); !os.IsNotExist(err) {
		t.Errorf("the watch left its act socket: %v", err)
	}
	_, steps := recordedActions(t, db)
	trail := operatorSteps(steps)
	want := []string{"failover:requested", "failover:running", "failover:done", "undo:requested", "undo:running", "undo:done", "failover:undone"}
	if !slices.Equal(trail, want) {
		t.Fatalf("recorded %v, want %v", trail, want)
	}
}

// With two failover targets f offers a chooser; "every target" plans both
// in one dialog and y applies both (dig and dispatcher.list show them); u
// then undoes the newest of them, and u again the other.
func TestFailoverChooserOnScreen(t *testing.T) {
	bind := lab.StartBIND(t)
	kam := lab.StartKamailio(t)
	dir := t.TempDir()
	cfg, db := filepath.Join(dir, "cutover.toml"), filepath.Join(dir, "night.db")
	body := fmt.Sprintf(actLabToml, bind.Addr, kam.URL, lab.LegacyURI, lab.NewURI) + fmt.Sprintf("[hep]\nlisten = %q\n", freeAddr(t))
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startTmuxEnv(t, []string{"CUTOVER_TEST_TSIG=" + bind.Secret}, 80, 24, "watch", "-c", cfg, "--db", db, "--operator", "Dana")
	s.waitFor("LIVE", "hep ●")
	s.keys("f")
	t.Logf("the chooser:\n%s", s.waitFor("sbc-srv", "sbc-dispatcher", "every target (2)", "enter plan"))
	s.keys("Down", "Down", "Enter")
	scr := s.waitFor("failover sbc-srv", "failover sbc-dispatcher", "Apply? y / N")
	t.Logf("both dry runs:\n%s", scr)
	s.keys("y")
	s.waitFor("done: failover sbc-srv, failover sbc-dispatcher")
	// The fold shows the done steps with its next snapshot (≤100 ms); u
	// reads the actions from it.
	s.waitUntil("both actions done in the pane", func(scr string) bool {
		return actionRowShows(scr, "failover", "unverified", "verified") &&
			strings.Count(scr, " unverified ")+strings.Count(scr, " verified ") >= 2
	})
	if got := bind.Dig(t); got != "10 50 5070 sbc-b.porting.test.\n20 50 5060 sbc-a.porting.test." {
		t.Fatalf("dig: %q", got)
	}
	if f := dispatcherFlags(t, kam.URL); f[lab.NewURI] != "DX" || f[lab.LegacyURI] != "AX" {
		t.Fatalf("dispatcher: %v", f)
	}
	for _, target := range []string{"sbc-dispatcher", "sbc-srv"} {
		s.keys("u")
		s.waitFor("UNDO failover "+target, "Apply? y / N")
		s.keys("y")
		s.waitFor("done: undo failover-")
		s.waitUntil(target+" undone", func(scr string) bool {
			for _, l := range strings.Split(scr, "\n") {
				if strings.Contains(l, " "+target+" ") && strings.Contains(l, " undone ") {
					return true
				}
			}
			return false
		})
	}
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("dig after both undos: %q", got)
	}
	if f := dispatcherFlags(t, kam.URL); f[lab.NewURI] != "AX" || f[lab.LegacyURI] != "AX" {
		t.Fatalf("dispatcher after both undos: %v", f)
	}
	s.quit()
}
