package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// DNSSRV fails over by changing the priorities of the SRV records of one
// name with an RFC 2136 UPDATE signed with TSIG (hmac-sha256, -sha384 or
// -sha512: the key's algorithm as the server knows it).
//
// Failover makes the legacy target's records the most preferred (lowest
// priority); Restore makes the new target's the most preferred. The
// priorities already in the RRset are swapped, never invented: the two
// records trade places, weights, ports and the TTL stay. A request with
// Priorities sets the named targets' priorities instead (the others, and
// every weight, port and TTL, stay).
//
// The UPDATE carries a value-dependent prerequisite (RFC 2136 §2.4.2)
// asserting the whole RRset as read by Plan, then deletes the records that
// change and adds their replacements: the server applies it atomically or
// not at all, so two operators cannot clobber each other.
type DNSSRV struct {
	Server       string // host:port of the primary, e.g. "127.0.0.1:5353"
	Zone         string // "porting.test."
	Name         string // the SRV owner, "_sip._udp.porting.test."
	KeyName      string // TSIG key name, as in the server's key clause
	Secret       string // base64 TSIG secret (from the environment)
	Algorithm    string // the key's: "hmac-sha256" ("" too), "hmac-sha384" or "hmac-sha512"
	LegacyTarget string // SRV target of the legacy provider, "sbc-b.porting.test."
	NewTarget    string // SRV target of the new provider
	Net          string // "tcp" (default) or "udp"
	Timeout      time.Duration
	Now          func() time.Time // nil: time.Now (TSIG time and the "seen by" estimate)
}

// srvChange is a DNSSRV plan's Data and a result's Undo: the RRset as read
// and as written, in zone-file text.
type srvChange struct {
	Before []string
	After  []string
}

func (d *DNSSRV) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// TSIGAlgorithms are the algorithms a TSIG key may have, as BIND's
// tsig-keygen and key clauses name them.
var TSIGAlgorithms = []string{"hmac-sha256", "hmac-sha384", "hmac-sha512"}

// algorithm is the key's algorithm as a TSIG record names it.
func (d *DNSSRV) algorithm() (string, error) {
	a := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d.Algorithm)), ".")
	if a == "" {
		return dns.HmacSHA256, nil
	}
	if !slices.Contains(TSIGAlgorithms, a) {
		return "", fmt.Errorf("dns: TSIG algorithm %q: want one of %s", d.Algorithm, strings.Join(TSIGAlgorithms, ", "))
	}
	return dns.Fqdn(a), nil
}

func (d *DNSSRV) client() *dns.Client {
	c := &dns.Client{Net: d.Net}
	if c.Net == "" {
		c.Net = "tcp"
	}
	if d.KeyName != "" {
		c.TsigSecret = map[string]string{dns.Fqdn(strings.ToLower(d.KeyName)): d.Secret}
	}
	return c
}

// read asks the server (no recursion) for the SRV RRset.
func (d *DNSSRV) read(ctx context.Context) ([]*dns.SRV, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(d.Name), dns.TypeSRV)
	m.RecursionDesired = false
	in, _, err := d.client().ExchangeContext(ctx, m, d.Server)
	if err != nil {
		return nil, fmt.Errorf("dns: read SRV %s from %s: %w", d.Name, d.Server, err)
	}
	if in.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("dns: read SRV %s from %s: %s", d.Name, d.Server, dns.RcodeToString[in.Rcode])
	}
	if !in.Authoritative { // a resolver's cache: its records age, and an UPDATE is not its to take
		return nil, fmt.Errorf("dns: %s answered for SRV %s without authority (AA flag clear): it is not a server of zone %s, and its records may be a cache's; set the action's server to the zone's primary",
			d.Server, d.Name, d.Zone)
	}
	var out []*dns.SRV
	for _, rr := range in.Answer {
		if srv, ok := rr.(*dns.SRV); ok {
			out = append(out, srv)
		}
	}
	sortSRV(out)
	return out, nil
}

func sortSRV(rrs []*dns.SRV) {
	slices.SortFunc(rrs, func(a, b *dns.SRV) int {
		if a.Priority != b.Priority {
			return int(a.Priority) - int(b.Priority)
		}
		return strings.Compare(a.String(), b.String())
	})
}

// Plan reads the RRset and swaps the priorities so the preferred target's
// records come first, or sets the priorities the request gives.
func (d *DNSSRV) Plan(ctx context.Context, req Request) (Plan, error) {
	ctx, cancel := withTimeout(ctx, d.Timeout)
	defer cancel()
	prefer := d.NewTarget
	switch req.Type {
	case Failover:
		prefer = d.LegacyTarget
	case Restore:
	default:
		return Plan{}, fmt.Errorf("dns: cannot %s", req.Type)
	}
	if _, err := d.algorithm(); err != nil {
		return Plan{}, err
	}
	cur, err := d.read(ctx)
	if err != nil {
		return Plan{}, err
	}
	after, note, err := swapFor(cur, prefer)
	if req.Priorities != nil {
		after, note = nil, ""
		after, err = setPriorities(cur, req.Priorities)
	}
	if err != nil {
		return Plan{}, fmt.Errorf("dns: %s: %w", d.Name, err)
	}
	ch := srvChange{Before: srvText(cur), After: srvText(after)}
	p := d.plan(req, ch)
	if note != "" {
		p.Notes = strings.TrimSuffix(note+"\n"+p.Notes, "\n")
	}
	return p, nil
}

func (d *DNSSRV) plan(req Request, ch srvChange) Plan {
	data, _ := json.Marshal(ch)
	p := Plan{Request: req, Actuator: "dnssrv", Data: string(data), NoChange: slices.Equal(ch.Before, ch.After)}
	var b strings.Builder
	fmt.Fprintf(&b, "DNS UPDATE %s at %s (zone %s, TSIG key %s)\n", d.Name, d.Server, d.Zone, d.KeyName)
	b.WriteString(diffLines(ch.Before, ch.After))
	p.Diff = b.String()
	if ttl := firstTTL(ch.After); ttl > 0 {
		p.Notes = fmt.Sprintf("TTL %ds: resolvers holding the old records see the change within ~%ds of it; SIP proxies with their own DNS cache (Kamailio ds_dns_interval) may take longer", ttl, ttl)
	}
	if ttl := firstTTL(ch.After); ttl > highTTL {
		p.Notes = fmt.Sprintf("⚠ TTL %ds is high: resolvers may keep sending calls by the old records for up to %s after the change (lower it to %ds or less well before the night)\n",
			ttl, time.Duration(ttl)*time.Second, highTTL) + p.Notes
	}
	return p
}

// highTTL is the TTL (seconds) above which a plan warns that resolvers
// will be slow to see the change: a cutover runbook lowers the TTL to
// 60–300 s a day or more ahead.
const highTTL = 300

// loadShareStep is how far a failover or restore moves the other targets
// of a load-shared RRset behind the preferred one.
const loadShareStep = 10

// swapFor gives the records of target the lowest priority in the set by
// swapping priorities with the records that hold it now.
//
// When target already holds the lowest priority but shares it with other
// targets (a load-shared RRset), a swap would change nothing while the
// others keep their share of the calls: their records at that priority
// move loadShareStep behind instead, so target alone is preferred, and
// note says so (an undo puts the sharing back).
func swapFor(cur []*dns.SRV, target string) (out []*dns.SRV, note string, err error) {
	if len(cur) == 0 {
		return nil, "", errors.New("no SRV records")
	}
	target = dns.Fqdn(strings.ToLower(target))
	lowest := cur[0].Priority
	var mine uint16
	found := false
	var sharing []string // the other targets at the lowest priority
	for _, r := range cur {
		t := strings.ToLower(r.Target)
		switch {
		case t == target && (!found || r.Priority < mine):
			mine, found = r.Priority, true
		case t != target && r.Priority == lowest && !slices.Contains(sharing, t):
			sharing = append(sharing, t)
		}
	}
	if !found {
		return nil, "", fmt.Errorf("no SRV record points at %s", target)
	}
	from, to := lowest, mine // others at from move to to; target's at mine move to lowest
	if mine == lowest && len(sharing) > 0 {
		if lowest > math.MaxUint16-loadShareStep {
			return nil, "", fmt.Errorf("the RRset is load-shared at priority %d (%s and %s) and there is no higher priority to move %s to: set the priorities with --priority",
				lowest, target, strings.Join(sharing, ", "), strings.Join(sharing, ", "))
		}
		to = lowest + loadShareStep
		note = fmt.Sprintf("the RRset is load-shared: %s and %s share priority %d; %s moves to priority %d so that %s takes every call (an undo puts the sharing back)",
			target, strings.Join(sharing, ", "), lowest, strings.Join(sharing, ", "), to, target)
	}
	out = make([]*dns.SRV, len(cur))
	for i, r := range cur {
		c := dns.Copy(r).(*dns.SRV)
		switch {
		case c.Priority == from && !strings.EqualFold(c.Target, target):
			c.Priority = to
		case c.Priority == mine && strings.EqualFold(c.Target, target):
			c.Priority = lowest
		}
		out[i] = c
	}
	sortSRV(out)
	return out, note, nil
}

// setPriorities gives the records of each named target host its priority.
// A host with no record in the RRset is refused: a typo must not pass for
// a change.
func setPriorities(cur []*dns.SRV, prio map[string]uint16) ([]*dns.SRV, error) {
	if len(cur) == 0 {
		return nil, errors.New("no SRV records")
	}
	want := make(map[string]uint16, len(prio))
	for host, p := range prio {
		want[dns.Fqdn(strings.ToLower(host))] = p
	}
	out := make([]*dns.SRV, len(cur))
	seen := map[string]bool{}
	var targets []string
	for i, r := range cur {
		c := dns.Copy(r).(*dns.SRV)
		t := strings.ToLower(c.Target)
		if p, ok := want[t]; ok {
			c.Priority, seen[t] = p, true
		}
		if !slices.Contains(targets, t) {
			targets = append(targets, t)
		}
		out[i] = c
	}
	for _, host := range slices.Sorted(maps.Keys(want)) {
		if !seen[host] {
			return nil, fmt.Errorf("no SRV record points at %s (the targets are %s)", host, strings.Join(targets, ", "))
		}
	}
	sortSRV(out)
	return out, nil
}
