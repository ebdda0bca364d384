package probe

import (
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

func TestHealthThresholds(t *testing.T) {
	h := newHealth(3, 2)
	steps := []struct {
		ok   bool
		want monitor.Health
	}{
		{false, "pending"}, {true, "up"}, {false, "up"}, {false, "up"}, {false, "down"},
		{true, "down"}, {false, "down"}, {true, "down"}, {true, "up"}, {false, "up"},
	}
	for i, s := range steps {
		if got := h.observe(s.ok); got != s.want {
			t.Fatalf("step %d (ok=%v): %s, want %s", i, s.ok, got, s.want)
		}
	}
}

func TestOptionsAgainstSippIsUpWithRTT(t *testing.T) {
	port := freePort(t)
	sipp(t, port, "-sn", "uas", "-aa")
	f := lab(port)
	f.Probes.OptionsInterval = 100 * time.Millisecond
	_, s := start(t, f, Options{Timeout: 500 * time.Millisecond})
	evs := s.waitFor(t, "an answered OPTIONS", func(evs []monitor.Event) bool {
		for _, p := range probes(evs, "options") {
			if p.Code == 200 && p.Health == monitor.HealthUp {
				return true
			}
		}
		return false
	})
	var sawReq, sawRes bool
	for _, ev := range evs {
		if ev.SIP == nil {
			continue
		}
		raw := string(ev.SIP.Raw)
		if strings.HasPrefix(raw, "OPTIONS sip:127.0.0.1:") && ev.SIP.Dst.Port() == uint16(port) {
			sawReq = true
		}
		if strings.HasPrefix(raw, "SIP/2.0 200") && ev.SIP.Src.Port() == uint16(port) {
			sawRes = true
		}
	}
	if !sawReq || !sawRes {
		t.Fatalf("the OPTIONS and its 200 should be events with the trunk's address:\n%s", dump(evs))
	}
	tr := fold(t, f, evs)
	if tr.OptionsUp != 1 || tr.OptionsCode != 200 || tr.OptionsRTT <= 0 {
		t.Fatalf("fold: up %d code %d rtt %v", tr.OptionsUp, tr.OptionsCode, tr.OptionsRTT)
	}
}

func TestOptionsDeadPortGoesDownAfterFailAfter(t *testing.T) {
	port := freePort(t) // nothing listens there
	f := lab(port)
	f.Probes.OptionsInterval = 50 * time.Millisecond
	f.Probes.FailAfter = 3
	_, s := start(t, f, Options{Timeout: 50 * time.Millisecond})
	evs := s.waitFor(t, "three failed OPTIONS", func(evs []monitor.Event) bool { return len(probes(evs, "options")) >= 3 })
	ps := probes(evs, "options")
	for i, want := range []monitor.Health{"pending", "pending", "down"} {
		if ps[i].Code != 408 || ps[i].Health != want {
			t.Fatalf("probe %d: code %d health %q, want 408 %q (%s)", i, ps[i].Code, ps[i].Health, want, ps[i].Err)
		}
	}
	// fold only up to the third verdict: the threshold, not the first failure, turns it down
	var upTo []monitor.Event
	n := 0
	for _, ev := range evs {
		upTo = append(upTo, ev)
		if ev.Probe != nil {
			n++
			if n == 2 {
				if tr := fold(t, f, upTo); tr.OptionsUp != 0 {
					t.Fatalf("after two failures of three the trunk shows %d, want unknown", tr.OptionsUp)
				}
			}
			if n == 3 {
				break
			}
		}
	}
	if tr := fold(t, f, upTo); tr.OptionsUp != -1 || tr.OptionsCode != 408 {
		t.Fatalf("fold: up %d code %d, want down 408", tr.OptionsUp, tr.OptionsCode)
	}
}
