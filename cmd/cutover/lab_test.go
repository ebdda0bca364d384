package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
)

// The lab (see testdata/lab and ../../../shared/lab/README.md): sipp
// callers → Kamailio (dispatcher) → two sipp carriers, Kamailio's siptrace
// mirroring every SIP message it receives or sends as HEPv3 to our
// collector, tcpdump capturing the same SIP on lo. All on 127.0.0.1.
const (
	labCalls  = 50 // calls to +14155550150 … +14155550199, one each
	labRate   = 10 // calls per second
	labFirst  = 150
	fail488RE = `\+1415555019[0-4]` // the new carrier refuses these with 488 (passed back to the caller)
	fail503RE = `\+1415555019[5-9]` // and these with 503 (Kamailio fails over to legacy)
)

// labPorts are the lab's UDP ports, all picked free at the start.
type labPorts struct{ sbc, rpc, newC, legacy, caller, hep int }

func freeUDP(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func freeTCP(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func needLab(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("lab test: not with -short")
	}
	for _, tool := range []string{"sipp", "tshark", "tcpdump"} {
		needTool(t, tool)
	}
	if _, err := os.Stat("/usr/sbin/kamailio"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("/usr/sbin/kamailio is not installed; .ci/run must install it")
		}
		t.Skip("kamailio not installed")
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("the lab test captures on lo with tcpdump: run it as root")
		}
		t.Skip("tcpdump on lo needs root")
	}
}

// writeLab copies the lab files into dir with the test's ports.
func writeLab(t *testing.T, dir string, p labPorts) {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata/lab", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cfg := strings.NewReplacer(
		"udp:127.0.0.1:5080", fmt.Sprintf("udp:127.0.0.1:%d", p.sbc),
		"tcp:127.0.0.1:5081", fmt.Sprintf("tcp:127.0.0.1:%d", p.rpc),
		"sip:127.0.0.1:9060", fmt.Sprintf("sip:127.0.0.1:%d", p.hep),
		"LABDIR", dir,
	).Replace(read("kamailio.cfg"))
	disp := strings.NewReplacer(
		"127.0.0.1:5060", fmt.Sprintf("127.0.0.1:%d", p.newC),
		"127.0.0.1:5070", fmt.Sprintf("127.0.0.1:%d", p.legacy),
	).Replace(read("dispatcher.list"))
	carrier := read("carrier.xml")
	newC := strings.NewReplacer("FAIL488", fail488RE, "FAIL503", fail503RE).Replace(carrier)
	legacy := strings.NewReplacer("FAIL488", "NEVER", "FAIL503", "NEVER").Replace(carrier)
	var nums strings.Builder
	nums.WriteString("SEQUENTIAL\n")
	for i := 0; i < labCalls; i++ {
		fmt.Fprintf(&nums, "+1415555%04d;+14155550100;\n", labFirst+i)
	}
	files := map[string]string{
		"kamailio.cfg": cfg, "dispatcher.list": disp, "new.xml": newC, "legacy.xml": legacy,
		"caller.xml": read("caller.xml"), "numbers.csv": nums.String(),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// labConfig is the cutover.toml of the lab: the carriers are the trunks.
func labConfig(p labPorts) string {
	return fmt.Sprintf(`name = "lab cutover"
[hep]
listen = "127.0.0.1:%d"
[[trunks]]
name = "legacy"
role = "legacy"
addrs = ["127.0.0.1:%d"]
[[trunks]]
name = "new"
role = "new"
addrs = ["127.0.0.1:%d"]
[[numbers]]
range = "+14155550100-+14155550199"
state = "in_progress"
`, p.hep, p.legacy, p.newC)
}

// proc is a peer started in its own process group, stopped with the group.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan error
	out  *os.File
}

func startProc(t *testing.T, dir, name string, args ...string) *proc {
	t.Helper()
	out, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan error, 1), out: out}
	go func() { p.done <- cmd.Wait(); out.Close() }()
	t.Cleanup(func() { p.stop(syscall.SIGKILL, time.Second) })
	return p
}

// stop signals the process group and waits (bounded) for the leader.
func (p *proc) stop(sig syscall.Signal, wait time.Duration) error {
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(wait):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		return fmt.Errorf("%s did not stop within %s", p.name, wait)
	}
}

// wait waits (bounded) for the process to end by itself.
func (p *proc) wait(t *testing.T, limit time.Duration) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("%s: %v (log %s)", p.name, err, p.out.Name())
		}
	case <-time.After(limit):
		t.Fatalf("%s still running after %s (log %s)", p.name, limit, p.out.Name())
	}
}

// waitLog waits (bounded) until the process's log contains want.
func waitLog(t *testing.T, p *proc, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(p.out.Name()); strings.Contains(string(b), want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(p.out.Name())
	t.Fatalf("%s never said %q:\n%s", p.name, want, b)
}

// waitBound waits (bounded) until something listens on UDP port on
// 127.0.0.1 (/proc/net/udp), so the lab sends nothing before Kamailio can
// receive it: a probe sent too early would be on the wire but never in HEP.
func waitBound(t *testing.T, port int) {
	t.Helper()
	want := fmt.Sprintf(":%04X ", port)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile("/proc/net/udp")
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 2 && strings.HasSuffix(f[1]+" ", want) && f[2] == "00000000:0000" {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listens on udp port %d", port)
}

// liveLab is the in-process `cutover watch --headless` of the lab.
type liveLab struct {
	col    *hep.Collector
	db     string
	cancel context.CancelFunc
	done   chan outcome
}

func startLive(t *testing.T, dir string, p labPorts) *liveLab {
	t.Helper()
	f, err := config.Parse("lab.toml", []byte(labConfig(p)))
	if err != nil {
		t.Fatal(err)
	}
	col, err := hep.Listen(hep.Options{Listen: f.HEP.Listen})
	if err != nil {
		t.Fatal(err)
	}
	l := &liveLab{col: col, db: filepath.Join(dir, "lab.db"), done: make(chan outcome, 1)}
	st, err := store.Open(l.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.BeginCutover(f.Cutover, "live", time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	w := store.NewWriter(st, store.WriterOptions{})
	s := &session{mode: tui.ModeLive, cfg: f.Cutover, path: l.db, recorder: w, live: true, headless: true, feed: liveFeed(f, col, slog.New(slog.DiscardHandler))}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go func() {
		out, err := s.run(ctx)
		if err != nil && !stopped(err) {
			t.Errorf("watch: %v", err)
		}
		if err := w.Close(); err != nil {
			t.Errorf("writer: %v", err)
		}
		st.Close()
		l.done <- out
	}()
	t.Cleanup(func() { cancel() })
	return l
}

// stopWhen waits (bounded) until the collector has seen n packets, then
// stops the session and returns its outcome.
func (l *liveLab) stopWhen(t *testing.T, n uint64) outcome {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for l.col.Stats().Packets < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a packet beyond n would show as a mismatch below
	l.cancel()
	select {
	case out := <-l.done:
		return out
	case <-time.After(20 * time.Second):
		t.Fatal("watch did not stop")
	}
	return outcome{}
}

// lines reads a file's lines (for logs in failure messages).
func lines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// TestLabRecordingMatchesTsharkAndSipp is issue 3's check: real peers on
// 127.0.0.1, Kamailio's siptrace → our collector → the recording.
//
// Which legs: siptrace (trace_mode 1) mirrors every SIP message Kamailio
// receives or sends, and every SIP packet in the lab has Kamailio at one
// end (caller ↔ SBC, SBC ↔ carriers; dispatcher OPTIONS pings too). So one
// HEP packet stands for exactly one packet on the wire, and tcpdump on lo,
// filtered to the SBC's and the carriers' ports (not the HEP port), sees
// exactly the same messages: the recording's counts per method and per
// code must equal tshark's, not merely be close.
func TestLabRecordingMatchesTsharkAndSipp(t *testing.T) {
	needLab(t)
	dir := t.TempDir()
	keepOnFailure(t, dir)
	p := labPorts{sbc: freeUDP(t), rpc: freeTCP(t), newC: freeUDP(t), legacy: freeUDP(t), caller: freeUDP(t), hep: freeUDP(t)}
	writeLab(t, dir, p)
	live := startLive(t, dir, p)

	pcap := filepath.Join(dir, "lab.pcap")
	filter := fmt.Sprintf("udp and (port %d or port %d or port %d)", p.sbc, p.newC, p.legacy)
	dump := startProc(t, dir, "tcpdump", "tcpdump", "-i", "lo", "-n", "-U", "-w", pcap, filter)
	waitLog(t, dump, "listening on")
	carrier := func(name string, port int) *proc {
		return startProc(t, dir, name, "sipp", "-sf", name+".xml", "-i", "127.0.0.1", "-p", portArg(port),
			"-aa", "-trace_counts", "-nostdin")
	}
	newC, legacy := carrier("new", p.newC), carrier("legacy", p.legacy)
	kam := startProc(t, dir, "kamailio", "/usr/sbin/kamailio", "-f", "kamailio.cfg",
		"-P", filepath.Join(dir, "run", "kamailio.pid"), "-Y", filepath.Join(dir, "run"), "-DD", "-E")
	waitBound(t, p.sbc)
	time.Sleep(time.Second) // its children are up and siptrace ready once the socket is bound and forked

	caller := startProc(t, dir, "caller", "sipp", "-sf", "caller.xml", "-inf", "numbers.csv",
		"-i", "127.0.0.1", "-p", portArg(p.caller), "-m", strconv.Itoa(labCalls), "-r", strconv.Itoa(labRate),
		"-timeout", "60s", "-trace_counts", "-nostdin", fmt.Sprintf("127.0.0.1:%d", p.sbc))
	caller.wait(t, 90*time.Second)
	time.Sleep(1500 * time.Millisecond) // the carriers' last 200s to BYE and their timewait
	for _, pr := range []*proc{kam, newC, legacy} {
		if err := pr.stop(syscall.SIGTERM, 10*time.Second); err != nil && !strings.Contains(err.Error(), "signal") {
			t.Logf("%s: %v", pr.name, err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	dump.stop(syscall.SIGINT, 10*time.Second)

	wire, raw := labTshark(t, pcap, p.sbc, p.newC, p.legacy)
	t.Logf("tshark:\n%s", raw)
	out := live.stopWhen(t, wire.total)
	hs := live.col.Stats()
	if hs.Malformed+hs.NotSIP+hs.Dropped+out.stats.Dropped != 0 {
		t.Errorf("collector %+v, pipeline dropped %d", hs, out.stats.Dropped)
	}
	newAddr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p.newC))
	legAddr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p.legacy))
	rec := recordedCounts(t, live.db, newAddr, legAddr)
	t.Logf("recording: %s\ntshark:    %s", rec.all, wire)
	if rec.all.total != wire.total || len(diffMaps(rec.all.requests, wire.requests)) > 0 || len(diffMaps(rec.all.codes, wire.codes)) > 0 {
		t.Errorf("recording differs from tshark: requests %v, codes %v",
			diffMaps(rec.all.requests, wire.requests), diffMaps(rec.all.codes, wire.codes))
	}
	if wire.codes[488] == 0 || wire.codes[503] == 0 || wire.requests["INVITE"] < 2*labCalls {
		t.Errorf("the lab did not produce its traffic: %s", wire)
	}
	checkCarriers(t, dir, rec, out.snap, map[string]netip.AddrPort{"new": newAddr, "legacy": legAddr})
}

// atLeast checks the recording has every message sipp counted, and at
// most slack more of them in all (the ones sipp did not expect).
func atLeast(t *testing.T, what string, sipp, recorded map[string]int, slack int) {
	t.Helper()
	extra := 0
	for k, n := range sipp {
		if recorded[k] < n {
			t.Errorf("%s: sipp counted %d %s, the recording has %d", what, n, k, recorded[k])
		}
	}
	for k, n := range recorded {
		extra += n - sipp[k]
	}
	if extra > slack {
		t.Errorf("%s: the recording has %d messages more than sipp counted, with %d unexpected", what, extra, slack)
	}
}

// checkCarriers compares, per trunk, what sipp says each carrier received
// and sent with the recording, and the fold's attempts with sipp's INVITEs.
func checkCarriers(t *testing.T, dir string, rec recorded, snap *monitor.Snapshot, addrs map[string]netip.AddrPort) {
	t.Helper()
	if snap == nil {
		t.Fatal("no snapshot")
	}
	total, fold := 0, map[string]int{}
	for name, addr := range addrs {
		recv, sent, invites := sippCounts(t, dir, name)
		t.Logf("%s: sipp received %v sent %v; recorded %v / %v", name, recv, sent, rec.toCarrier[addr], rec.carrierSnt[addr])
		if unexp := recv[unexpected]; unexp > 0 {
			// Under load a message can reach sipp out of the order its
			// scenario expects; sipp then answers it outside the scenario.
			delete(recv, unexpected)
			atLeast(t, name+" received", recv, rec.toCarrier[addr], 2*unexp) // and the message it orphans
			atLeast(t, name+" sent", sent, rec.carrierSnt[addr], 2*unexp)
		} else {
			if d := diffMaps(recv, rec.toCarrier[addr]); len(d) > 0 {
				t.Errorf("%s: requests sipp received vs recorded: %v", name, d)
			}
			if d := diffMaps(sent, rec.carrierSnt[addr]); len(d) > 0 {
				t.Errorf("%s: responses sipp sent vs recorded: %v", name, d)
			}
		}
		total += invites
		fold[name] = invites
	}
	// A 503 from the new carrier makes Kamailio fail the call over to
	// legacy with the same Call-ID: the fold keeps one attempt per call, on
	// the trunk it reached first, so legacy's failover INVITEs are not its
	// attempts.
	_, newSent, _ := sippCounts(t, dir, "new")
	fold["legacy"] -= newSent["503"]
	for _, tr := range snap.Trunks {
		if got := tr.Win[monitor.Win15m].Attempts; got != fold[tr.Name] {
			t.Errorf("%s: the fold counts %d attempts, want %d (sipp's INVITEs less failovers)", tr.Name, got, fold[tr.Name])
		}
	}
	if total < labCalls {
		t.Errorf("carriers received %d INVITEs for %d calls", total, labCalls)
	}
}
