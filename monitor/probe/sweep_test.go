package probe

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

// TestSweepRecordsEveryStep: a sweep of three numbers through a sipp
// carrier records its start (ID, caller, numbers), one result per call,
// each INVITE carrying the sweep header, and its end last. Folded alone
// (no mirror of the far side), each call is answered but never seen
// arriving.
func TestSweepRecordsEveryStep(t *testing.T) {
	port := freePort(t)
	sipp(t, port, "-sn", "uas")
	f := lab(port)
	f.Probes.TestCallFrom = "+14155550000"
	nums := []string{"+14155550101", "+14155550102", "+14155550103"}
	for _, n := range nums {
		f.Cutover.Numbers = append(f.Cutover.Numbers, monitor.Number{E164: n, PortState: monitor.PortCompleted})
	}
	p, s := start(t, f, Options{Timeout: time.Second, HoldFor: time.Millisecond})
	if err := p.Sweep(context.Background(), SweepSpec{ID: "sw-test", Numbers: nums, Rate: 20, Concurrency: 2}); err != nil {
		t.Fatal(err)
	}
	evs := s.events()
	starts, calls, ends := probes(evs, monitor.ProbeSweep), probes(evs, monitor.ProbeSweepCall), probes(evs, monitor.ProbeSweepEnd)
	if len(starts) != 1 || starts[0].Sweep != "sw-test" || starts[0].From != "+14155550000" || strings.Join(starts[0].Numbers, ",") != strings.Join(nums, ",") {
		t.Fatalf("start %+v", starts)
	}
	if len(calls) != 3 || len(ends) != 1 || evs[len(evs)-1].Probe == nil || evs[len(evs)-1].Probe.Probe != monitor.ProbeSweepEnd {
		t.Fatalf("want 3 call results and the end last:\n%s", dump(evs))
	}
	invites := 0
	for _, ev := range evs {
		if ev.SIP != nil && strings.HasPrefix(string(ev.SIP.Raw), "INVITE ") {
			invites++
			if !strings.Contains(string(ev.SIP.Raw), "\r\nX-Cutover-Sweep: sw-test\r\n") {
				t.Errorf("INVITE without the sweep header:\n%s", ev.SIP.Raw)
			}
		}
	}
	for _, c := range calls {
		if c.Sweep != "sw-test" || c.Code != 200 || c.Trunk != "new" || c.PDD <= 0 {
			t.Errorf("call result %+v", c)
		}
	}
	if invites != 3 {
		t.Errorf("%d INVITEs, want 3", invites)
	}
	st := monitor.NewState(f.Cutover)
	for _, ev := range evs {
		if ev.SIP != nil {
			if err := ev.SIP.Decode(sipparse.Parse); err != nil {
				t.Fatal(err)
			}
		}
		st.Apply(ev)
	}
	st.Apply(monitor.Event{Time: time.Now().Add(time.Minute).UnixNano(), Kind: monitor.KindTick})
	snap := st.Snapshot()
	if len(snap.Sweeps) != 1 || snap.Sweeps[0].Never != 3 || !snap.Sweeps[0].Finished() {
		t.Fatalf("fold: %+v", snap.Sweeps)
	}
}

// TestSweepStoppedEarly: a cancelled sweep still records its end, and the
// fold counts the numbers never called as unplaced, not as verdicts.
func TestSweepStoppedEarly(t *testing.T) {
	port := freePort(t)
	sipp(t, port, "-sn", "uas")
	f := lab(port)
	f.Probes.TestCallFrom = "+14155550000"
	nums := []string{"+14155550101", "+14155550102", "+14155550103"}
	for _, n := range nums {
		f.Cutover.Numbers = append(f.Cutover.Numbers, monitor.Number{E164: n})
	}
	p, s := start(t, f, Options{Timeout: time.Second, HoldFor: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Sweep(ctx, SweepSpec{ID: "sw-stop", Numbers: nums, Rate: 0.01, Concurrency: 1}) }()
	s.waitFor(t, "the first call's result", func(evs []monitor.Event) bool { return len(probes(evs, monitor.ProbeSweepCall)) == 1 })
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled sweep returned no error")
	}
	evs := s.events()
	if len(probes(evs, monitor.ProbeSweepEnd)) != 1 {
		t.Fatalf("no end recorded:\n%s", dump(evs))
	}
	st := monitor.NewState(f.Cutover)
	for _, ev := range evs {
		if ev.SIP != nil {
			_ = ev.SIP.Decode(sipparse.Parse)
		}
		st.Apply(ev)
	}
	st.Apply(monitor.Event{Time: time.Now().Add(time.Minute).UnixNano(), Kind: monitor.KindTick})
	if sw := st.Snapshot().Sweeps; len(sw) != 1 || sw[0].Unplaced != 2 || sw[0].Done() != 1 || !sw[0].Finished() {
		t.Fatalf("fold: %+v", sw)
	}
}

// TestOutboundCheckCallsFromTheNumbers: the outbound check calls
// outbound_check_to through sbc_uri from each number (From and
// P-Asserted-Identity), with the sweep header, and records it as Out.
func TestOutboundCheckCallsFromTheNumbers(t *testing.T) {
	port := freePort(t)
	sipp(t, port, "-sn", "uas")
	f := lab(port)
	f.Trunks[0].URI = "" // no trunk to call through: the check goes to the SBC only
	f.Probes.SBCURI, f.Probes.OutboundCheckTo = fmt.Sprintf("sip:127.0.0.1:%d", port), "+14155559999"
	nums := []string{"+14155550101", "+14155550102"}
	p, s := start(t, f, Options{Timeout: time.Second, HoldFor: time.Millisecond})
	if err := p.Sweep(context.Background(), SweepSpec{ID: "out-1", Numbers: []string{"+14155550101"}}); err == nil {
		t.Fatal("an inbound sweep without test_call_from ran")
	}
	if err := p.Sweep(context.Background(), SweepSpec{ID: "out-1", Numbers: nums, Out: true, Rate: 20}); err != nil {
		t.Fatal(err)
	}
	evs := s.events()
	if st := probes(evs, monitor.ProbeSweep); len(st) != 1 || !st[0].Out || st[0].From != "+14155559999" {
		t.Fatalf("start %+v", st)
	}
	from := map[string]bool{}
	for _, ev := range evs {
		if ev.SIP == nil || !strings.HasPrefix(string(ev.SIP.Raw), "INVITE sip:+14155559999@127.0.0.1") {
			continue
		}
		raw := string(ev.SIP.Raw)
		for _, n := range nums {
			if strings.Contains(raw, "\r\nFrom: <sip:"+n+"@") && strings.Contains(raw, "\r\nP-Asserted-Identity: <sip:"+n+"@") &&
				strings.Contains(raw, "\r\nX-Cutover-Sweep: out-1\r\n") {
				from[n] = true
			}
		}
	}
	if len(from) != 2 {
		t.Fatalf("INVITEs from %v, want both numbers:\n%s", from, dump(evs))
	}
	for _, c := range probes(evs, monitor.ProbeSweepCall) {
		if !c.Out || c.Code != 200 || c.Trunk != "sbc" {
			t.Errorf("result %+v", c)
		}
	}
}
