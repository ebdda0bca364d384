package stir

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"
)

// CertSource gives the certificate chain an x5u URL points at, leaf first.
// Fetcher is the implementation used outside tests.
type CertSource interface {
	Certs(ctx context.Context, url string) ([]*x509.Certificate, error)
}

// Options configure a Verifier.
type Options struct {
	// Certs resolves x5u URLs. Required.
	Certs CertSource
	// Trust holds the STI-CA roots a certificate must chain to. System roots
	// are never assumed: a nil pool trusts nothing (every chain is
	// cert-untrusted).
	Trust *x509.CertPool
	// Freshness is how old iat may be at capture time (default 60 s, RFC
	// 8224 §4.1).
	Freshness time.Duration
	// MaxFuture is how far iat may be ahead of capture time before it is
	// refused (default 1 s: iat has one-second granularity). Set it
	// negative for no tolerance at all.
	MaxFuture time.Duration
	// CountryCode, when set ("1"), lets a national number match its
	// international form in the orig and dest checks.
	CountryCode string
	// Timeout bounds one certificate lookup (default 5 s).
	Timeout time.Duration
	// MaxIdentities caps the SHAKEN Identity headers verified per request
	// (default 4): each may name another x5u to fetch, and one request can
	// carry a hundred. The rest are counted in Verdict.TooMany.
	MaxIdentities int
}

// Verifier checks the Identity headers of SIP requests. It is safe for
// concurrent use; its only I/O is through Options.Certs.
type Verifier struct {
	o      Options
	chains *chainCache
}

// NewVerifier returns a Verifier with defaults filled in.
func NewVerifier(o Options) (*Verifier, error) {
	if o.Certs == nil {
		return nil, errors.New("stir: Options.Certs is required")
	}
	if o.Freshness <= 0 {
		o.Freshness = 60 * time.Second
	}
	if o.MaxFuture == 0 {
		o.MaxFuture = time.Second
	} else if o.MaxFuture < 0 {
		o.MaxFuture = 0
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Trust == nil {
		o.Trust = x509.NewCertPool()
	}
	if o.MaxIdentities <= 0 {
		o.MaxIdentities = 4
	}
	return &Verifier{o: o, chains: newChainCache(1024)}, nil
}

// VerifyRaw parses a raw SIP request and verifies it at capture time at.
// Input that is not a SIP request is an error; everything else is a Verdict.
func (v *Verifier) VerifyRaw(ctx context.Context, raw []byte, at time.Time) (Verdict, error) {
	req, err := ParseRequest(raw)
	if err != nil {
		return Verdict{}, err
	}
	return v.Verify(ctx, req, at), nil
}

// Verify checks the Identity headers of req at capture time at (the
// message's own time, so a replay verifies identically) and reports the
// PASSporT that got furthest. Headers whose ppt parameter is not "shaken"
// (a "div" PASSporT, say) are not SHAKEN attestations and are skipped;
// past Options.MaxIdentities SHAKEN headers, the rest are not verified
// but counted (TooMany), unless one has already verified.
func (v *Verifier) Verify(ctx context.Context, req *Request, at time.Time) Verdict {
	return v.verify(ctx, req, at, v.o.Certs)
}

func (v *Verifier) verify(ctx context.Context, req *Request, at time.Time, certs CertSource) Verdict {
	at = at.UTC()
	best := Verdict{Result: NoIdentity}
	first, verified, tooMany := true, 0, 0
	for _, raw := range v.shaken(req) {
		if verified == v.o.MaxIdentities {
			tooMany++
			continue
		}
		verified++
		vd := v.verifyOne(ctx, req, raw, at, certs)
		if first || vd.Result.rank() > best.Result.rank() {
			best, first = vd, false
		}
		if best.Result == Valid {
			break
		}
	}
	if first {
		cl := newChecklist()
		detail := "no Identity header"
		if len(req.Identities) > 0 {
			detail = "no Identity header with ppt=shaken"
		}
		cl.fail(CheckIdentity, detail)
		best.Checks = cl.checks
	}
	best.At, best.Identities, best.Verstat, best.TooMany = at, len(req.Identities), req.Verstat, tooMany
	return best
}

// shaken is the request's Identity header values that may be SHAKEN
// PASSporTs: all but those whose ppt parameter names another type.
func (v *Verifier) shaken(req *Request) []string {
	out := make([]string, 0, len(req.Identities))
	for _, raw := range req.Identities {
		if id, err := ParseIdentity(raw); err == nil && id.Ppt != "" && !strings.EqualFold(id.Ppt, "shaken") {
			continue
		}
		out = append(out, raw)
	}
	return out
}

// certsNow is a CertSource that can answer without waiting for the
// network (Fetcher), or say it cannot (ErrWouldFetch).
type certsNow interface {
	CertsNow(x5u string) ([]*x509.Certificate, error)
}

// noWait is a CertSource that never waits: it notes when a lookup needed
// the network.
type noWait struct {
	src    certsNow
	missed bool
}

func (n *noWait) Certs(_ context.Context, x5u string) ([]*x509.Certificate, error) {
	certs, err := n.src.CertsNow(x5u)
	if errors.Is(err, ErrWouldFetch) {
		n.missed = true
	}
	return certs, err
}

// VerifyNow is Verify when it needs no certificate fetch: every
// certificate the verdict depends on is cached, in memory or in the local
// directory (the common case once a signer's x5u has been seen). ok is
// false when a fetch is needed, or Options.Certs cannot tell (it is not a
// Fetcher); then nothing waited.
func (v *Verifier) VerifyNow(req *Request, at time.Time) (vd Verdict, ok bool) {
	src, can := v.o.Certs.(certsNow)
	if !can {
		return Verdict{}, false
	}
	nw := &noWait{src: src}
	vd = v.verify(context.Background(), req, at, nw)
	return vd, !nw.missed
}

// prefetch looks up the certificates of the headers Verify would check,
// all at once, under ctx: with a Fetcher they are then cached (or their
// failure is), so Verify waits for the slowest x5u, not for their sum.
func (v *Verifier) prefetch(ctx context.Context, req *Request) {
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for i, raw := range v.shaken(req) {
		if i == v.o.MaxIdentities {
			break
		}
		p, _, err := decodeIdentity(raw)
		if err != nil || p == nil || seen[p.X5U] {
			continue
		}
		seen[p.X5U] = true
		wg.Add(1)
		go func(x5u string) {
			defer wg.Done()
			_, _ = v.o.Certs.Certs(ctx, x5u)
		}(p.X5U)
	}
	wg.Wait()
}

// verifyOne runs the checks on one Identity header value, in order; a
// failed check skips the ones that depend on it.
func (v *Verifier) verifyOne(ctx context.Context, req *Request, raw string, at time.Time, certs CertSource) Verdict {
	cl := newChecklist()
	cl.pass(CheckIdentity, "")
	vd := Verdict{}
	p, id, err := decodeIdentity(raw)
	if id.Compact {
		vd.Compact = true
	}
	if p != nil {
		vd.Attest, vd.Orig, vd.Dest, vd.Iat, vd.X5U, vd.OrigID = p.Attest, p.OrigTN, p.DestTN, p.Iat, p.X5U, p.OrigID
	}
	if err != nil {
		cl.fail(CheckFormat, err.Error())
		vd.Result, vd.Checks = cl.result(), cl.checks
		return vd
	}
	cl.pass(CheckFormat, "")
	v.checkCert(ctx, cl, p, at, certs)
	v.checkIat(cl, req, p, at)
	v.checkOrig(cl, req, p)
	v.checkDest(cl, req, p)
	vd.Result, vd.Checks = cl.result(), cl.checks
	return vd
}

// decodeIdentity parses the header value and decodes its PASSporT against
// the SHAKEN profile. The PASSporT is returned whenever its claims could be
// read, even if a later profile check failed.
func decodeIdentity(raw string) (*PASSporT, Identity, error) {
	id, err := ParseIdentity(raw)
	if err != nil {
		return nil, id, err
	}
	if id.Compact {
		return nil, id, ErrCompact
	}
	p, err := DecodePASSporT(id.Token)
	if err != nil {
		return nil, id, err
	}
	switch {
	case id.Info == "":
		return p, id, fmt.Errorf("%w: no info parameter (RFC 8224 §4)", ErrBadIdentity)
	case id.Alg != "" && id.Alg != "ES256":
		return p, id, fmt.Errorf("%w: alg parameter %q, want ES256", ErrBadIdentity, id.Alg)
	case id.Ppt != "" && id.Ppt != p.Ppt:
		return p, id, fmt.Errorf("%w: ppt parameter %q but PASSporT ppt %q", ErrBadIdentity, id.Ppt, p.Ppt)
	}
	if err := p.CheckSHAKEN(); err != nil {
		return p, id, err
	}
	if len(p.Signature) != 64 {
		return p, id, fmt.Errorf("%w: ES256 signature is %d bytes, want 64 (R||S)", ErrBadPASSporT, len(p.Signature))
	}
	return p, id, nil
}

// checkCert obtains the x5u certificate, checks the signature with it and
// then its chain and dates at capture time.
func (v *Verifier) checkCert(ctx context.Context, cl *checklist, p *PASSporT, at time.Time, src CertSource) {
	ctx, cancel := context.WithTimeout(ctx, v.o.Timeout)
	defer cancel()
	certs, err := src.Certs(ctx, p.X5U)
	if err == nil && len(certs) == 0 {
		err = errors.New("no certificate")
	}
	if err != nil {
		cl.fail(CheckCert, err.Error())
		return
	}
	leaf := certs[0]
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		cl.fail(CheckCert, fmt.Sprintf("certificate key is %T, want ECDSA P-256", leaf.PublicKey))
		return
	}
	cl.pass(CheckCert, leaf.Subject.String())
	if !VerifyES256(pub, p.SigningInput, p.Signature) {
		cl.fail(CheckSignature, "ES256 signature does not verify with the x5u certificate's key")
	} else {
		cl.pass(CheckSignature, "")
	}
	if err := v.chains.verify(leaf, certs[1:], v.o.Trust, at); err != nil {
		cl.fail(CheckChain, err.Error())
		return
	}
	cl.pass(CheckChain, "")
}

// VerifyES256 checks a JWS ES256 signature (raw R||S, 64 bytes) over input.
func VerifyES256(pub *ecdsa.PublicKey, input string, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	digest := sha256.Sum256([]byte(input))
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(pub, digest[:], r, s)
}

// checkIat measures iat, and the Date header when there is one (RFC 8224
// §6.2: 403 Stale Date), against capture time: too old or in the future.
func (v *Verifier) checkIat(cl *checklist, req *Request, p *PASSporT, at time.Time) {
	if msg := v.freshness("iat", time.Unix(p.Iat, 0), at); msg != "" {
		cl.fail(CheckIat, msg)
		return
	}
	if req.HasDate {
		if msg := v.freshness("Date header", req.Date, at); msg != "" {
			cl.fail(CheckIat, msg)
			return
		}
	}
	cl.pass(CheckIat, "")
}

// freshness explains why ts is stale or in the future at at, or returns "".
func (v *Verifier) freshness(what string, ts, at time.Time) string {
	age := at.Sub(ts)
	switch {
	case age > v.o.Freshness:
		return fmt.Sprintf("%s %s is %s old at %s, more than %s", what, ts.UTC().Format(time.RFC3339), age.Round(time.Second), at.Format(time.RFC3339), v.o.Freshness)
	case -age > v.o.MaxFuture:
		return fmt.Sprintf("%s %s is %s in the future at %s", what, ts.UTC().Format(time.RFC3339), (-age).Round(time.Second), at.Format(time.RFC3339))
	}
	return ""
}

// checkOrig matches orig.tn against any P-Asserted-Identity, else From
// (ATIS-1000074 §5.3.1).
func (v *Verifier) checkOrig(cl *checklist, req *Request, p *PASSporT) {
	cands, where := req.PAIUsers, "P-Asserted-Identity"
	if len(cands) == 0 {
		cands, where = []string{req.FromUser}, "From"
	}
	for _, c := range cands {
		if sameTN(p.OrigTN, c, v.o.CountryCode) {
			cl.pass(CheckOrig, where)
			return
		}
	}
	cl.fail(CheckOrig, fmt.Sprintf("orig.tn %s is not the %s number %s", p.OrigTN, where, strings.Join(cands, ", ")))
}

// checkDest matches any dest.tn against the request URI or To.
func (v *Verifier) checkDest(cl *checklist, req *Request, p *PASSporT) {
	for _, d := range p.DestTN {
		for _, c := range [...]string{req.RURIUser, req.ToUser} {
			if sameTN(d, c, v.o.CountryCode) {
				cl.pass(CheckDest, "")
				return
			}
		}
	}
	cl.fail(CheckDest, fmt.Sprintf("dest.tn %s is neither the request URI %s nor To %s", strings.Join(p.DestTN, ", "), req.RURIUser, req.ToUser))
}
