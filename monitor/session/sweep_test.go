package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/store"
)

func TestSweepTargets(t *testing.T) {
	c := monitor.Config{DefaultCountry: "1"}
	for i, pr := range []string{"PR-1", "PR-1", "PR-2", "PR-2"} {
		c.Numbers = append(c.Numbers, monitor.Number{E164: fmt.Sprintf("+1415555010%d", i), PortRequestID: pr})
	}
	for target, want := range map[string]string{
		"":                          "+14155550100 +14155550101 +14155550102 +14155550103",
		"PR-2":                      "+14155550102 +14155550103",
		"+14155550101-+14155550102": "+14155550101 +14155550102",
		"4155550103":                "+14155550103",
		"+1415555010*":              "+14155550100 +14155550101 +14155550102 +14155550103",
	} {
		got, err := SweepTargets(c, target)
		if err != nil || strings.Join(got, " ") != want {
			t.Errorf("%q: %v %v, want %s", target, got, err, want)
		}
	}
	for _, bad := range []string{"+14155550199", "+14155550102-+14155550101", "x-y", "+14155550200-+14155550299"} {
		if got, err := SweepTargets(c, bad); err == nil {
			t.Errorf("%q: %v, want an error", bad, got)
		}
	}
}

// sippUAS runs a sipp UAS (the carrier: it answers every call) on
// 127.0.0.1:port until the test ends.
func sippUAS(t *testing.T, port int) {
	t.Helper()
	bin := lab.NeedTool(t, "sipp")
	cmd := exec.Command(bin, "-sn", "uas", "-i", "127.0.0.1", "-p", fmt.Sprint(port), "-nostdin")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lab.WaitFor(t, "sipp on its port", func() bool {
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
		}
		return err != nil
	})
}

// `cutover sweep` through a running watch: the watch places the calls
// through the new carrier (a sipp UAS that answers), records the sweep,
// and answers with its progress and every number's verdict. Nothing
// mirrors the far side here, so each answered call never arrived on a
// trunk: the command says so and fails (the lab shows the landings).
func TestSweepThroughARunningWatch(t *testing.T) {
	port := lab.FreePort(t)
	sippUAS(t, port)
	addr := netip.MustParseAddr("127.0.0.1")
	f := &config.File{
		Path: "test",
		Cutover: monitor.Config{Name: "sweep test", DefaultCountry: "1",
			Trunks: []monitor.Trunk{{Name: "new", Role: monitor.RoleNew,
				Addrs: []monitor.TrunkAddr{{Prefix: netip.PrefixFrom(addr, 32), Port: uint16(port)}}}},
			Numbers: []monitor.Number{{E164: "+14155550101"}, {E164: "+14155550102"}, {E164: "+14155550103"}}},
		Trunks: []config.TrunkSetup{{Name: "new", URI: fmt.Sprintf("sip:127.0.0.1:%d", port), Transport: "udp"}},
		Probes: config.Probes{FailAfter: 3, RecoverAfter: 2, LocalAddr: "127.0.0.1:0", TestCallFrom: "+14155550000",
			SweepRate: 10, SweepConcurrency: 2},
		HEP: config.HEP{Listen: freeAddr(t)},
	}
	db := t.TempDir() + "/live.db"
	stop := startWatch(t, f, db)
	var out bytes.Buffer
	err := SweepCommand{File: f, DB: db, Yes: true, Out: &out, Request: SweepRequest{Target: "+14155550101-+14155550102"}}.Run()
	if !errors.Is(err, ErrNotAllNew) || !strings.Contains(err.Error(), "2 of 2") {
		t.Fatalf("err %v, want 2 of 2 not on new\n%s", err, out.String())
	}
	if got := out.String(); strings.Count(got, "never_arrived") != 2 || !strings.Contains(got, "2 of 2  new 0") ||
		!strings.Contains(got, "+14155550101") || strings.Contains(got, "+14155550103") {
		t.Fatalf("output:\n%s", got)
	}
	bad := SweepCommand{File: f, DB: db, Yes: true, Out: &out, Request: SweepRequest{Target: "+19995550000"}}.Run()
	if bad == nil || !strings.Contains(bad.Error(), "no number") {
		t.Errorf("a number not in the file: %v", bad)
	}
	flood := SweepCommand{File: f, DB: db, Yes: true, Out: &out, Request: SweepRequest{Rate: 500}}.Run()
	if flood == nil || !strings.Contains(flood.Error(), "want a rate between 0 and 50") {
		t.Errorf("a flood: %v", flood)
	}
	noSBC := SweepCommand{File: f, DB: db, Yes: true, Out: &out, Request: SweepRequest{Out: true}}.Run()
	if noSBC == nil || !strings.Contains(noSBC.Error(), "sbc_uri") {
		t.Errorf("an outbound check without [probes] sbc_uri: %v", noSBC)
	}
	stop()
	r, err := store.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	kinds := map[monitor.ProbeKind]int{}
	err = r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if ev.Probe != nil {
			kinds[ev.Probe.Probe]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if kinds[monitor.ProbeSweep] != 1 || kinds[monitor.ProbeSweepCall] != 2 || kinds[monitor.ProbeSweepVerdict] != 2 || kinds[monitor.ProbeSweepEnd] != 1 {
		t.Errorf("recorded sweep events %v, want its start, 2 results, 2 verdicts and its end", kinds)
	}
}
