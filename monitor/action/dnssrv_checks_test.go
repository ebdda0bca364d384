package action

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/miekg/dns"
)

// A TTL above 300 s gets a warning at the top of the plan's notes: the
// resolvers will be slow to see the change. 300 s itself does not.
func TestDNSSRVWarnsOfAHighTTL(t *testing.T) {
	bind := lab.StartBIND(t)
	ctx := context.Background()
	d := labSRVActuator(bind, bind.Secret)
	for _, c := range []struct {
		ttl  string
		warn bool
	}{{"300", false}, {"3600", true}} {
		bind.NSUpdate(t,
			"update delete _sip._udp.porting.test. SRV",
			"update add _sip._udp.porting.test. "+c.ttl+" SRV 10 50 5060 sbc-a.porting.test.",
			"update add _sip._udp.porting.test. "+c.ttl+" SRV 20 50 5070 sbc-b.porting.test.")
		plan, err := d.Plan(ctx, Request{Type: Failover})
		if err != nil {
			t.Fatal(err)
		}
		warned := strings.HasPrefix(plan.Notes, "⚠ TTL "+c.ttl+"s is high") && strings.Contains(plan.Notes, "1h0m0s")
		if warned != c.warn {
			t.Errorf("TTL %s: notes %q", c.ttl, plan.Notes)
		}
	}
}

// A server that answers without authority (a resolver's cache) is
// refused before anything is planned: its records may be stale, and an
// UPDATE is not its to take.
func TestDNSSRVRefusesANonAuthoritativeAnswer(t *testing.T) {
	rr, err := dns.NewRR("_sip._udp.porting.test.\t30\tIN\tSRV\t10 50 5060 sbc-a.porting.test.")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: l, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Answer = []dns.RR{rr} // AA clear, as a recursive resolver answers from its cache
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	d := &DNSSRV{Server: l.Addr().String(), Zone: "porting.test.", Name: "_sip._udp.porting.test.",
		LegacyTarget: "sbc-b.porting.test.", NewTarget: "sbc-a.porting.test.", Timeout: 2 * time.Second}
	_, err = d.Plan(context.Background(), Request{Type: Failover})
	if err == nil || !strings.Contains(err.Error(), "without authority") {
		t.Fatalf("plan from a non-authoritative answer: err = %v", err)
	}
}
