package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Apply sends the plan as one UPDATE (prerequisite: the RRset Plan read;
// deletes and adds), then reads the RRset back.
func (d *DNSSRV) Apply(ctx context.Context, p Plan) (Result, error) {
	ctx, cancel := withTimeout(ctx, d.Timeout)
	defer cancel()
	var ch srvChange
	if err := json.Unmarshal([]byte(p.Data), &ch); err != nil {
		return Result{}, fmt.Errorf("dns: bad plan: %w", err)
	}
	before, err := parseSRV(ch.Before)
	if err != nil {
		return Result{}, err
	}
	after, err := parseSRV(ch.After)
	if err != nil {
		return Result{}, err
	}
	res := Result{Plan: p}
	if !p.NoChange {
		if err := d.unchanged(ctx, ch.Before); err != nil {
			return res, err
		}
		if err := d.update(ctx, before, after); err != nil {
			return res, d.afterFailure(ctx, ch, err)
		}
		undo, _ := json.Marshal(srvChange{Before: ch.After, After: ch.Before})
		res.Undo = string(undo)
	}
	got, err := d.read(ctx)
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrUnverified, err)
	}
	res.ReadBack = strings.Join(srvText(got), "\n")
	if !slices.Equal(srvText(got), ch.After) {
		return res, fmt.Errorf("dns: %w: %s now holds\n%s", ErrUnverified, d.Name, res.ReadBack)
	}
	if ttl := firstTTL(ch.After); ttl > 0 {
		seen := d.now().Add(time.Duration(ttl) * time.Second).UTC()
		res.Notes = fmt.Sprintf("the server answers with the new records now; resolvers that cached the old ones (TTL %ds) see the change by ~%s (T+%ds)", ttl, seen.Format("15:04:05 MST"), ttl)
	}
	return res, nil
}

// unchanged reads the RRset again just before the UPDATE and refuses when
// anything in it differs from what Plan read, the TTL included: RFC 2136
// prerequisites compare records without their TTL (§3.2.5), so the UPDATE's
// own prerequisite would let a TTL set by someone else be overwritten. The
// prerequisite stays, for a change made between this read and the UPDATE.
func (d *DNSSRV) unchanged(ctx context.Context, want []string) error {
	cur, err := d.read(ctx)
	if err != nil {
		return fmt.Errorf("%w; nothing was changed", err)
	}
	now := srvText(cur)
	if slices.Equal(now, want) {
		return nil
	}
	what := "the records"
	if sameButTTL(cur, want) {
		what = "the TTL"
	}
	return fmt.Errorf("dns: update %s: %s changed since the plan: %w (now:\n%s)", d.Name, what, ErrChanged, strings.Join(now, "\n"))
}

// sameButTTL: cur holds the records of want, some with another TTL.
func sameButTTL(cur []*dns.SRV, want []string) bool {
	was, err := parseSRV(want)
	if err != nil || len(was) != len(cur) {
		return false
	}
	for _, w := range was {
		if !slices.ContainsFunc(cur, func(c *dns.SRV) bool { return dns.IsDuplicate(c, w) }) {
			return false
		}
	}
	return true
}

// afterFailure says what the server holds after an UPDATE that got no
// clear answer (a timeout, a broken connection): the update may or may not
// have been applied, and the operator must know which.
func (d *DNSSRV) afterFailure(ctx context.Context, ch srvChange, err error) error {
	if errors.Is(err, ErrChanged) || errors.Is(err, ErrRefused) {
		return err // the server answered: nothing was changed
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	got, rerr := d.read(rctx)
	switch {
	case rerr != nil:
		return fmt.Errorf("%w; the records could not be read back either (%v): check them before acting again", err, rerr)
	case slices.Equal(srvText(got), ch.After):
		return fmt.Errorf("%w; yet the server now holds the new records: the update was applied", err)
	case slices.Equal(srvText(got), ch.Before):
		return fmt.Errorf("%w; the server still holds the records as they were: nothing was changed", err)
	}
	return fmt.Errorf("%w; the server now holds:\n%s", err, strings.Join(srvText(got), "\n"))
}

// update sends one signed UPDATE. The records are copied before the
// message is built: dns.Msg's Used and Remove rewrite what they are given.
func (d *DNSSRV) update(ctx context.Context, before, after []*dns.SRV) error {
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(d.Zone))
	m.Used(copies(before))
	m.Remove(copies(missing(before, after)))
	m.Insert(copies(missing(after, before)))
	if d.KeyName != "" {
		alg, err := d.algorithm()
		if err != nil {
			return err
		}
		m.SetTsig(dns.Fqdn(strings.ToLower(d.KeyName)), alg, 300, d.now().Unix())
	}
	in, _, err := d.client().ExchangeContext(ctx, m, d.Server)
	if err != nil && in != nil && in.Rcode == dns.RcodeNotAuth {
		// The server refused the signature: its answer is not signed
		// with our key, so it cannot verify, yet it says why.
		return rcodeErr(d, in)
	}
	if err != nil {
		if errors.Is(err, dns.ErrSig) || errors.Is(err, dns.ErrAuth) || errors.Is(err, dns.ErrSecret) {
			return fmt.Errorf("dns: update %s at %s: TSIG key %q was not accepted (check the key name and secret): %w", d.Name, d.Server, d.KeyName, err)
		}
		return fmt.Errorf("dns: update %s at %s: %w", d.Name, d.Server, err)
	}
	return rcodeErr(d, in)
}

func rcodeErr(d *DNSSRV, in *dns.Msg) error {
	what := fmt.Sprintf("dns: update %s at %s", d.Name, d.Server)
	switch in.Rcode {
	case dns.RcodeSuccess:
		return nil
	case dns.RcodeNXRrset, dns.RcodeYXRrset:
		return fmt.Errorf("%s: %s: %w", what, dns.RcodeToString[in.Rcode], ErrChanged)
	case dns.RcodeRefused:
		return fmt.Errorf("%s: the server refused the update (update-policy/allow-update for key %q); nothing was changed: %w", what, d.KeyName, ErrRefused)
	case dns.RcodeNotAuth:
		detail := "the server is not authoritative for the zone"
		if t := in.IsTsig(); t != nil || d.KeyName != "" {
			detail = fmt.Sprintf("TSIG key %q was not accepted (check the key name and secret)", d.KeyName)
			if t != nil && t.Error != 0 {
				detail = fmt.Sprintf("TSIG key %q was not accepted: %s", d.KeyName, tsigWhy(d, t.Error))
			}
		}
		return fmt.Errorf("%s: NOTAUTH: %s; nothing was changed: %w", what, detail, ErrRefused)
	default:
		return fmt.Errorf("%s: %s", what, dns.RcodeToString[in.Rcode])
	}
}

// tsigWhy explains the TSIG error the server returned (RFC 8945 §5.2).
func tsigWhy(d *DNSSRV, code uint16) string {
	alg, _ := d.algorithm()
	switch int(code) {
	case dns.RcodeBadKey:
		return fmt.Sprintf("BADKEY: the server knows no key of that name with algorithm %s (check key_name and algorithm)", strings.TrimSuffix(alg, "."))
	case dns.RcodeBadSig:
		return "BADSIG: the signature does not verify (the secret differs from the server's)"
	case dns.RcodeBadTime:
		return fmt.Sprintf("BADTIME: the server's clock and ours (%s) are more than 300 s apart", d.now().UTC().Format("15:04:05 MST"))
	}
	if s, ok := dns.RcodeToString[int(code)]; ok {
		return s
	}
	return fmt.Sprintf("TSIG error %d", code)
}

// Undo plans putting back the records the result replaced; the
// prerequisite is that the records are still the ones the action wrote.
func (d *DNSSRV) Undo(ctx context.Context, r Result) (Plan, error) {
	if r.Undo == "" {
		return Plan{}, ErrNoUndo
	}
	var ch srvChange
	if err := json.Unmarshal([]byte(r.Undo), &ch); err != nil {
		return Plan{}, fmt.Errorf("dns: bad undo data: %w", err)
	}
	ctx, cancel := withTimeout(ctx, d.Timeout)
	defer cancel()
	cur, err := d.read(ctx)
	if err != nil {
		return Plan{}, err
	}
	if !slices.Equal(srvText(cur), ch.Before) {
		return Plan{}, fmt.Errorf("dns: undo %s: %w (now:\n%s)", d.Name, ErrChanged, strings.Join(srvText(cur), "\n"))
	}
	return d.plan(Request{Type: UndoType, Target: r.Plan.Request.Target}, ch), nil
}

func copies(rrs []*dns.SRV) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, r := range rrs {
		out[i] = dns.Copy(r)
	}
	return out
}

// missing is what a holds that b does not.
func missing(a, b []*dns.SRV) []*dns.SRV {
	var out []*dns.SRV
	for _, r := range a {
		if !slices.ContainsFunc(b, func(o *dns.SRV) bool { return dns.IsDuplicate(r, o) && r.Hdr.Ttl == o.Hdr.Ttl }) {
			out = append(out, r)
		}
	}
	return out
}

func srvText(rrs []*dns.SRV) []string {
	out := make([]string, len(rrs))
	for i, r := range rrs {
		out[i] = r.String()
	}
	return out
}

func parseSRV(lines []string) ([]*dns.SRV, error) {
	out := make([]*dns.SRV, 0, len(lines))
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			return nil, fmt.Errorf("dns: bad record %q: %w", l, err)
		}
		srv, ok := rr.(*dns.SRV)
		if !ok {
			return nil, fmt.Errorf("dns: not an SRV record: %q", l)
		}
		out = append(out, srv)
	}
	return out, nil
}

func firstTTL(lines []string) uint32 {
	rrs, err := parseSRV(lines)
	if err != nil || len(rrs) == 0 {
		return 0
	}
	return rrs[0].Hdr.Ttl
}

// diffLines shows each line removed (-), added (+) or kept ( ).
func diffLines(before, after []string) string {
	var b strings.Builder
	for _, l := range before {
		if !slices.Contains(after, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range after {
		if slices.Contains(before, l) {
			b.WriteString("  " + l + "\n")
		} else {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
