package probe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

func TestTestCallAnsweredThenBye(t *testing.T) {
	port := freePort(t)
	sipp(t, port, "-sn", "uas")
	f := lab(port)
	f.Probes.TestCallFrom = "+14155550000"
	p, s := start(t, f, Options{Timeout: time.Second, HoldFor: 10 * time.Millisecond})
	if err := p.TestCall(context.Background(), "+14155550101"); err != nil {
		t.Fatal(err)
	}
	evs := s.events()
	calls := probes(evs, "call")
	if len(calls) != 1 {
		t.Fatalf("want one call result:\n%s", dump(evs))
	}
	c := calls[0]
	if c.Code != 200 || c.Trunk != "new" || c.Number != "+14155550101" || c.PDD <= 0 || c.Err != "" {
		t.Fatalf("call result %+v", c)
	}
	var seq []string
	for _, ev := range evs {
		if ev.SIP != nil {
			line, _, _ := strings.Cut(string(ev.SIP.Raw), " ")
			if line == "SIP/2.0" {
				line = string(ev.SIP.Raw[8:11])
			}
			seq = append(seq, line)
		}
	}
	if got := strings.Join(seq, " "); got != "INVITE 180 200 ACK BYE 200" {
		t.Fatalf("messages %q, want the whole call: INVITE 180 200 ACK BYE 200", got)
	}
	tr := fold(t, f, evs)
	if tr.Win[0].Attempts != 1 || tr.Win[0].Answered != 1 {
		t.Fatalf("fold counts the test call as %d attempts, %d answered", tr.Win[0].Attempts, tr.Win[0].Answered)
	}
}

func TestTestCallRingingTooLongIsCancelled(t *testing.T) {
	port := freePort(t)
	sipp(t, port, "-sf", "testdata/ring_forever.xml")
	f := lab(port)
	f.Probes.TestCallFrom = "+14155550000"
	p, s := start(t, f, Options{Timeout: time.Second, AnswerTimeout: 300 * time.Millisecond})
	if err := p.TestCall(context.Background(), "+14155550102"); err == nil || !strings.Contains(err.Error(), "487") {
		t.Fatalf("err = %v, want the 487 named", err)
	}
	evs := s.waitFor(t, "the 487 after CANCEL", func(evs []monitor.Event) bool {
		cs := probes(evs, "call")
		return len(cs) == 1
	})
	c := probes(evs, "call")[0]
	if c.Code != 487 || c.PDD <= 0 {
		t.Fatalf("call result %+v\n%s", c, dump(evs))
	}
	var sawCancel, saw487 bool
	for _, ev := range evs {
		sawCancel = sawCancel || (ev.SIP != nil && strings.HasPrefix(string(ev.SIP.Raw), "CANCEL "))
		saw487 = saw487 || (ev.SIP != nil && strings.HasPrefix(string(ev.SIP.Raw), "SIP/2.0 487"))
	}
	if !sawCancel || !saw487 {
		t.Fatalf("want the CANCEL sent and the carrier's 487 recorded:\n%s", dump(evs))
	}
}

func TestScheduledTestCallsGoThroughTheNumbers(t *testing.T) {
	port := freePort(t)
	sipp(t, port, "-sn", "uas")
	f := lab(port)
	f.Probes.TestCallFrom = "+14155550000"
	f.Probes.TestCallEvery = 50 * time.Millisecond
	f.Cutover.Numbers = []monitor.Number{{E164: "+14155550101"}, {E164: "+14155550102"}}
	_, s := start(t, f, Options{Timeout: time.Second, HoldFor: time.Millisecond})
	evs := s.waitFor(t, "two scheduled calls", func(evs []monitor.Event) bool { return len(probes(evs, "call")) >= 2 })
	calls := probes(evs, "call")
	if calls[0].Number != "+14155550101" || calls[1].Number != "+14155550102" || calls[0].Code != 200 {
		t.Fatalf("scheduled calls %+v", calls[:2])
	}
}
