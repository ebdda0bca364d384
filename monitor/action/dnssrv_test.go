package action

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/miekg/dns"
)

// labSRVActuator is the lab zone's SRV failover, signed with secret.
func labSRVActuator(bind *lab.BIND, secret string) *DNSSRV {
	return &DNSSRV{
		Server: bind.Addr, Zone: "porting.test.", Name: "_sip._udp.porting.test.",
		KeyName: "ddns-key", Secret: secret,
		LegacyTarget: "sbc-b.porting.test.", NewTarget: "sbc-a.porting.test.",
		Timeout: 5 * time.Second,
	}
}

func TestDNSSRVFailoverAndUndo(t *testing.T) {
	bind := lab.StartBIND(t)
	ctx := context.Background()
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("before: dig = %q", got)
	}
	d := labSRVActuator(bind, bind.Secret)
	plan, err := d.Plan(ctx, Request{Type: Failover, Target: "sbc"})
	if err != nil {
		t.Fatal(err)
	}
	if plan.NoChange || !strings.Contains(plan.Diff, "- _sip._udp.porting.test.\t30\tIN\tSRV\t10 50 5060 sbc-a.porting.test.") ||
		!strings.Contains(plan.Diff, "+ _sip._udp.porting.test.\t30\tIN\tSRV\t10 50 5070 sbc-b.porting.test.") {
		t.Fatalf("plan diff:\n%s", plan.Diff)
	}
	if !strings.Contains(plan.Notes, "TTL 30s") {
		t.Errorf("plan notes = %q", plan.Notes)
	}
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("a plan changed the zone: %q", got)
	}
	res, err := d.Apply(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	if got := bind.Dig(t); got != "10 50 5070 sbc-b.porting.test.\n20 50 5060 sbc-a.porting.test." {
		t.Fatalf("after failover: dig = %q", got)
	}
	if !strings.Contains(res.Notes, "T+30s") || res.Undo == "" {
		t.Errorf("result = %+v", res)
	}
	again, err := d.Plan(ctx, Request{Type: Failover})
	if err != nil || !again.NoChange {
		t.Fatalf("second failover plan: %+v %v", again, err)
	}
	undo, err := d.Undo(ctx, Result{Plan: plan, Undo: res.Undo})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Apply(ctx, undo); err != nil {
		t.Fatal(err)
	}
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("after undo: dig = %q, want the records exactly as before", got)
	}
	// Undo once more: the records are no longer what the action wrote.
	if _, err := d.Undo(ctx, Result{Plan: plan, Undo: res.Undo}); !errors.Is(err, ErrChanged) {
		t.Fatalf("second undo: err = %v, want ErrChanged", err)
	}
}

func TestDNSSRVRefusals(t *testing.T) {
	bind := lab.StartBIND(t)
	ctx := context.Background()
	good := labSRVActuator(bind, bind.Secret)
	plan, err := good.Plan(ctx, Request{Type: Failover})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("wrong TSIG secret", func(t *testing.T) {
		bad := labSRVActuator(bind, bind.OtherSecret)
		_, err := bad.Apply(ctx, plan)
		if err == nil || !strings.Contains(err.Error(), `TSIG key "ddns-key" was not accepted`) || !strings.Contains(err.Error(), "nothing was changed") {
			t.Fatalf("err = %v", err)
		}
		if got := bind.Dig(t); got != lab.SRV {
			t.Fatalf("zone changed: %q", got)
		}
	})
	t.Run("key not allowed to update", func(t *testing.T) {
		other := labSRVActuator(bind, bind.OtherSecret)
		other.KeyName = "other-key"
		_, err := other.Apply(ctx, plan)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("err = %v", err)
		}
		if got := bind.Dig(t); got != lab.SRV {
			t.Fatalf("zone changed: %q", got)
		}
	})
	t.Run("changed under us", func(t *testing.T) {
		// Another operator moves sbc-a to priority 30.
		bind.NSUpdate(t, "update delete _sip._udp.porting.test. SRV 10 50 5060 sbc-a.porting.test.",
			"update add _sip._udp.porting.test. 30 SRV 30 50 5060 sbc-a.porting.test.")
		theirs := "20 50 5070 sbc-b.porting.test.\n30 50 5060 sbc-a.porting.test."
		if got := bind.Dig(t); got != theirs {
			t.Fatalf("nsupdate: dig = %q", got)
		}
		_, err := good.Apply(ctx, plan)
		if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "the records changed since the plan") ||
			!strings.Contains(err.Error(), "30 50 5060 sbc-a") {
			t.Fatalf("err = %v", err)
		}
		// The change slips in after Apply's own read: the UPDATE's RFC 2136
		// prerequisite refuses it.
		var ch srvChange
		if err := json.Unmarshal([]byte(plan.Data), &ch); err != nil {
			t.Fatal(err)
		}
		before, _ := parseSRV(ch.Before)
		after, _ := parseSRV(ch.After)
		if err := good.update(ctx, before, after); !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "NXRRSET") {
			t.Fatalf("update with a stale prerequisite: err = %v", err)
		}
		if got := bind.Dig(t); got != theirs {
			t.Fatalf("our stale plan changed the zone: %q", got)
		}
	})
}

func TestDNSSRVDeadAndSilentServers(t *testing.T) {
	ctx := context.Background()
	d := &DNSSRV{Server: "127.0.0.1:" + strconv.Itoa(lab.FreePort(t)), Zone: "porting.test.", Name: "_sip._udp.porting.test.",
		KeyName: "ddns-key", Secret: "c2VjcmV0", LegacyTarget: "sbc-b.porting.test.", Timeout: 2 * time.Second}
	if _, err := d.Plan(ctx, Request{Type: Failover}); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("dead server: err = %v", err)
	}
	// A server that accepts the connection and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	d.Server, d.Timeout = l.Addr().String(), 300*time.Millisecond
	_, err = d.Plan(ctx, Request{Type: Failover})
	if err == nil || !strings.Contains(err.Error(), d.Server) || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("silent server: err = %v", err)
	}
	// An UPDATE without an answer: the operator is told the state is unknown.
	const rec = "_sip._udp.porting.test.\t30\tIN\tSRV\t10 50 5060 sbc-a.porting.test."
	d.Server, d.KeyName = silentOnUpdate(t, rec), ""
	plan := d.plan(Request{Type: Failover}, srvChange{
		Before: []string{rec},
		After:  []string{"_sip._udp.porting.test.\t30\tIN\tSRV\t20 50 5060 sbc-a.porting.test."},
	})
	if _, err := d.Apply(ctx, plan); err == nil || !strings.Contains(err.Error(), "could not be read back either") {
		t.Fatalf("update without an answer: err = %v", err)
	}
}

// silentOnUpdate serves rec to SRV queries until the first UPDATE, then
// answers nothing more.
func silentOnUpdate(t *testing.T, rec string) string {
	t.Helper()
	rr, err := dns.NewRR(rec)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var silent atomic.Bool
	srv := &dns.Server{Listener: l, MsgAcceptFunc: func(dns.Header) dns.MsgAcceptAction { return dns.MsgAccept }, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		if q.Opcode == dns.OpcodeUpdate {
			silent.Store(true)
		}
		if silent.Load() {
			return
		}
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		m.Answer = []dns.RR{rr}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return l.Addr().String()
}

// Explicit priorities: one UPDATE with the RRset as prerequisite, read
// back, and an undo that restores the records exactly; a host that is not
// in the RRset is refused before anything is sent.
func TestDNSSRVExplicitPriorities(t *testing.T) {
	bind := lab.StartBIND(t)
	ctx := context.Background()
	d := labSRVActuator(bind, bind.Secret)
	if _, err := d.Plan(ctx, Request{Type: Failover, Priorities: map[string]uint16{"sbc-a.porting.test": 5, "sbc-c.porting.test.": 1}}); err == nil ||
		!strings.Contains(err.Error(), "no SRV record points at sbc-c.porting.test. (the targets are sbc-a.porting.test., sbc-b.porting.test.)") {
		t.Fatalf("unknown host: err = %v", err)
	}
	plan, err := d.Plan(ctx, Request{Type: Failover, Priorities: map[string]uint16{"SBC-B.porting.test": 5, "sbc-a.porting.test.": 15}})
	if err != nil {
		t.Fatal(err)
	}
	if plan.NoChange || !strings.Contains(plan.Diff, "+ _sip._udp.porting.test.\t30\tIN\tSRV\t5 50 5070 sbc-b.porting.test.") ||
		!strings.Contains(plan.Diff, "+ _sip._udp.porting.test.\t30\tIN\tSRV\t15 50 5060 sbc-a.porting.test.") {
		t.Fatalf("plan diff:\n%s", plan.Diff)
	}
	res, err := d.Apply(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	const set = "15 50 5060 sbc-a.porting.test.\n5 50 5070 sbc-b.porting.test." // dig sorts as text
	if got := bind.Dig(t); got != set || !strings.Contains(res.ReadBack, "5 50 5070 sbc-b") {
		t.Fatalf("after setting priorities: dig = %q, read back %q", got, res.ReadBack)
	}
	if again, err := d.Plan(ctx, Request{Type: Failover, Priorities: map[string]uint16{"sbc-b.porting.test.": 5}}); err != nil || !again.NoChange {
		t.Fatalf("the same priorities again: %+v %v", again, err)
	}
	undo, err := d.Undo(ctx, Result{Plan: plan, Undo: res.Undo})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Apply(ctx, undo); err != nil {
		t.Fatal(err)
	}
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("after undo: dig = %q, want the records exactly as before", got)
	}
}

// Someone else changes only the RRset's TTL between plan and apply. RFC
// 2136 prerequisites compare records without their TTL, so Apply must
// read the RRset again and refuse: the zone keeps the other operator's TTL.
func TestDNSSRVRefusesTTLChangedUnderUs(t *testing.T) {
	bind := lab.StartBIND(t)
	ctx := context.Background()
	d := labSRVActuator(bind, bind.Secret)
	plan, err := d.Plan(ctx, Request{Type: Failover})
	if err != nil {
		t.Fatal(err)
	}
	bind.NSUpdate(t,
		"update add _sip._udp.porting.test. 300 SRV 10 50 5060 sbc-a.porting.test.",
		"update add _sip._udp.porting.test. 300 SRV 20 50 5070 sbc-b.porting.test.")
	const theirs = "300 10 50 5060 sbc-a.porting.test.\n300 20 50 5070 sbc-b.porting.test."
	if got := bind.DigTTL(t); got != theirs {
		t.Fatalf("nsupdate: dig = %q", got)
	}
	_, err = d.Apply(ctx, plan)
	if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "TTL") {
		t.Errorf("apply after a TTL change: err = %v, want ErrChanged naming the TTL", err)
	}
	if got := bind.DigTTL(t); got != theirs {
		t.Fatalf("our stale plan changed the zone: %q", got)
	}
}

// A load-shared RRset (both targets at priority 10): a failover must make
// the legacy target strictly preferred, say so in the plan, and an undo
// must put the sharing back.
func TestDNSSRVLoadSharedFailover(t *testing.T) {
	bind := lab.StartBINDWith(t, lab.BINDOptions{SRV: lab.LoadSharedSRV})
	ctx := context.Background()
	d := labSRVActuator(bind, bind.Secret)
	plan, err := d.Plan(ctx, Request{Type: Failover, Target: "sbc"})
	if err != nil {
		t.Fatal(err)
	}
	if plan.NoChange || !strings.Contains(plan.Diff, "- _sip._udp.porting.test.\t30\tIN\tSRV\t10 50 5060 sbc-a.porting.test.") ||
		!strings.Contains(plan.Diff, "+ _sip._udp.porting.test.\t30\tIN\tSRV\t20 50 5060 sbc-a.porting.test.") ||
		!strings.Contains(plan.Diff, "  _sip._udp.porting.test.\t30\tIN\tSRV\t10 50 5070 sbc-b.porting.test.") {
		t.Fatalf("plan: no change %v, diff:\n%s", plan.NoChange, plan.Diff)
	}
	for _, want := range []string{"load-shared", "sbc-b.porting.test. takes every call"} {
		if !strings.Contains(plan.Notes, want) {
			t.Errorf("plan notes lack %q:\n%s", want, plan.Notes)
		}
	}
	res, err := d.Apply(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	if got := bind.Dig(t); got != "10 50 5070 sbc-b.porting.test.\n20 50 5060 sbc-a.porting.test." {
		t.Fatalf("after failover: dig = %q", got)
	}
	undo, err := d.Undo(ctx, Result{Plan: plan, Undo: res.Undo})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Apply(ctx, undo); err != nil {
		t.Fatal(err)
	}
	if got := bind.Dig(t); got != lab.LoadSharedSRV {
		t.Fatalf("after undo: dig = %q, want the sharing back", got)
	}
	// A restore of the shared set makes the new target strictly preferred.
	plan, err = d.Plan(ctx, Request{Type: Restore})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if got := bind.Dig(t); got != "10 50 5060 sbc-a.porting.test.\n20 50 5070 sbc-b.porting.test." {
		t.Fatalf("after restore: dig = %q", got)
	}
}

// The TSIG key may be hmac-sha384 or hmac-sha512, as BIND's tsig-keygen
// makes them: a failover signed with the key's own algorithm is applied.
func TestDNSSRVTSIGAlgorithms(t *testing.T) {
	for _, alg := range []string{"hmac-sha384", "hmac-sha512"} {
		t.Run(alg, func(t *testing.T) {
			bind := lab.StartBINDWith(t, lab.BINDOptions{Algorithm: alg})
			ctx := context.Background()
			d := labSRVActuator(bind, bind.Secret)
			d.Algorithm = alg
			plan, err := d.Plan(ctx, Request{Type: Failover})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Apply(ctx, plan); err != nil {
				t.Fatal(err)
			}
			if got := bind.Dig(t); got != "10 50 5070 sbc-b.porting.test.\n20 50 5060 sbc-a.porting.test." {
				t.Fatalf("after failover: dig = %q", got)
			}
		})
	}
}

// A refused signature names the server's own TSIG error: BADKEY (no such
// key with that algorithm), BADSIG (another secret), BADTIME (clocks apart).
func TestDNSSRVNamesTSIGError(t *testing.T) {
	bind := lab.StartBIND(t)
	ctx := context.Background()
	plan, err := labSRVActuator(bind, bind.Secret).Plan(ctx, Request{Type: Failover})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, want string
		change     func(d *DNSSRV)
	}{
		{"other algorithm", "BADKEY", func(d *DNSSRV) { d.Algorithm = "hmac-sha512" }},
		{"other secret", "BADSIG", func(d *DNSSRV) { d.Secret = bind.OtherSecret }},
		{"clock an hour off", "BADTIME", func(d *DNSSRV) { d.Now = func() time.Time { return time.Now().Add(time.Hour) } }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := labSRVActuator(bind, bind.Secret)
			tc.change(d)
			_, err := d.Apply(ctx, plan)
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "nothing was changed") {
				t.Errorf("err = %v, want ErrRefused naming %s", err, tc.want)
			}
			if got := bind.Dig(t); got != lab.SRV {
				t.Fatalf("zone changed: %q", got)
			}
		})
	}
}
