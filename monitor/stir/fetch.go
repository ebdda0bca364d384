package stir

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrCertUnavailable is wrapped by every error a Fetcher returns.
var ErrCertUnavailable = errors.New("certificate unavailable")

// FetcherOptions configure a Fetcher. The zero value fetches over HTTPS
// with the defaults below.
type FetcherOptions struct {
	// Static maps x5u URLs to PEM (or DER) certificates served from memory:
	// the demo maps fixtures.X5U to the fixtures' SP certificate.
	Static map[string][]byte
	// Dir is a local certificate directory for offline use. An x5u
	// https://host/a/b.pem is looked up as Dir/host/a/b.pem, then Dir/b.pem.
	Dir string
	// Offline forbids network fetches: only Static and Dir answer.
	Offline bool
	// AllowHTTP lets plain-http x5u URLs be fetched. ATIS-1000074 wants
	// https; labs and tests may not.
	AllowHTTP bool
	// AnyPort lets x5u URLs name any port. ATIS-1000074 allows only 443
	// and 8443 (a monitor fetching URLs that callers choose should not be
	// pointed at arbitrary services); labs and tests may need others.
	AnyPort bool
	// Client fetches (default: an http.Client with Timeout). The Fetcher
	// uses a copy that never follows a redirect (see Fetcher).
	Client   *http.Client
	Timeout  time.Duration // one fetch (default 5 s)
	MaxBytes int64         // largest body accepted (default 64 KiB)
	// MaxEntries bounds the cache (default 1024 URLs).
	MaxEntries int
	// TTL is how long a fetched certificate is cached when the response
	// has no Cache-Control max-age (default 1 h). A max-age is honoured
	// within [1 min, 24 h].
	TTL time.Duration
	// FailTTL is how long a failed fetch is remembered, so an unreachable
	// x5u costs one timeout, not one per call (default 30 s).
	FailTTL time.Duration
	Now     func() time.Time // the cache's clock (default time.Now)
}

// Fetcher resolves x5u URLs to certificate chains: from memory, from a
// local directory, or over HTTPS with a timeout, a size cap and a bounded
// cache keyed by URL. It is safe for concurrent use, and concurrent
// lookups of one URL share a single fetch.
//
// A redirect is refused, not followed: the x5u is chosen by whoever signs
// the call, and the rules above (https, port 443 or 8443, no user info,
// query or fragment) are what keeps a monitor from being pointed at
// arbitrary services; a Location would take the fetch past them.
// Re-checking the rules on each hop would keep them, but still let the
// signer send the monitor through a chain of hosts (each another timeout
// spent on a URL the caller chose) and cache under the x5u a certificate
// served from elsewhere. A certificate repository serves its URL itself,
// so a refused redirect costs a genuine signer nothing, and the verdict
// (cert-unavailable) says where it pointed.
type Fetcher struct {
	o        FetcherOptions
	mu       sync.Mutex
	cache    map[string]*fetchEntry
	inflight map[string]*fetchCall
}

type fetchEntry struct {
	certs   []*x509.Certificate
	err     error
	expires time.Time
}

type fetchCall struct {
	done  chan struct{}
	certs []*x509.Certificate
	err   error
	ttl   time.Duration
}

// NewFetcher returns a Fetcher with defaults filled in.
func NewFetcher(o FetcherOptions) *Fetcher {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: o.Timeout}
	}
	c := *o.Client // the caller's client stays as it was
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	o.Client = &c
	if o.MaxBytes <= 0 {
		o.MaxBytes = 64 << 10
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 1024
	}
	if o.TTL <= 0 {
		o.TTL = time.Hour
	}
	if o.FailTTL <= 0 {
		o.FailTTL = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Fetcher{o: o, cache: map[string]*fetchEntry{}, inflight: map[string]*fetchCall{}}
}

// Certs returns the chain x5u points at, leaf first.
func (f *Fetcher) Certs(ctx context.Context, x5u string) ([]*x509.Certificate, error) {
	now := f.o.Now()
	f.mu.Lock()
	if e, ok := f.cache[x5u]; ok && now.Before(e.expires) {
		f.mu.Unlock()
		return e.certs, e.err
	}
	if c, ok := f.inflight[x5u]; ok {
		f.mu.Unlock()
		select {
		case <-c.done:
			return c.certs, c.err
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %s: %v", ErrCertUnavailable, x5u, ctx.Err())
		}
	}
	c := &fetchCall{done: make(chan struct{})}
	f.inflight[x5u] = c
	f.mu.Unlock()

	var local bool
	if c.certs, c.ttl, c.err, local = f.loadLocal(x5u); !local {
		c.certs, c.ttl, c.err = f.get(ctx, x5u)
	}
	f.mu.Lock()
	delete(f.inflight, x5u)
	f.remember(now, x5u, c.certs, c.ttl, c.err)
	f.mu.Unlock()
	close(c.done)
	return c.certs, c.err
}

// ErrWouldFetch is what CertsNow returns when only the network can
// answer: the certificate is not cached (or its fetch is under way), and
// neither memory nor the local directory has it.
var ErrWouldFetch = errors.New("certificate not cached: it must be fetched")

// CertsNow is Certs without waiting for the network: the cache, memory
// and the local directory answer, and the x5u rules refuse at once;
// anything else is ErrWouldFetch (which, unlike every other error a
// Fetcher returns, does not wrap ErrCertUnavailable).
func (f *Fetcher) CertsNow(x5u string) ([]*x509.Certificate, error) {
	now := f.o.Now()
	f.mu.Lock()
	if e, ok := f.cache[x5u]; ok && now.Before(e.expires) {
		f.mu.Unlock()
		return e.certs, e.err
	}
	_, busy := f.inflight[x5u]
	f.mu.Unlock()
	if busy {
		return nil, ErrWouldFetch
	}
	certs, ttl, err, local := f.loadLocal(x5u)
	if !local {
		return nil, ErrWouldFetch
	}
	f.mu.Lock()
	f.remember(now, x5u, certs, ttl, err)
	f.mu.Unlock()
	return certs, err
}

// remember caches a lookup's outcome (a failure for FailTTL); f.mu is held.
func (f *Fetcher) remember(now time.Time, x5u string, certs []*x509.Certificate, ttl time.Duration, err error) {
	if err != nil {
		ttl = f.o.FailTTL
	}
	if len(f.cache) >= f.o.MaxEntries {
		f.evict(now)
	}
	f.cache[x5u] = &fetchEntry{certs: certs, err: err, expires: now.Add(ttl)}
}

// evict drops expired entries, or the one closest to expiry when none is.
func (f *Fetcher) evict(now time.Time) {
	var oldest string
	for k, e := range f.cache {
		if !now.Before(e.expires) {
			delete(f.cache, k)
		} else if oldest == "" || e.expires.Before(f.cache[oldest].expires) {
			oldest = k
		}
	}
	if len(f.cache) >= f.o.MaxEntries && oldest != "" {
		delete(f.cache, oldest)
	}
}

// loadLocal finds the certificate without the cache and without the
// network: memory, directory, or a refusal by the x5u rules. done is
// false when only a fetch (get) can answer.
func (f *Fetcher) loadLocal(x5u string) (certs []*x509.Certificate, ttl time.Duration, err error, done bool) {
	if b, ok := f.o.Static[x5u]; ok {
		certs, err := ParseCerts(b)
		return certs, 24 * time.Hour, wrapUnavailable(x5u, err), true
	}
	u, err := url.Parse(x5u)
	if err != nil || u.Host == "" {
		return nil, 0, fmt.Errorf("%w: x5u %q is not an absolute URL", ErrCertUnavailable, x5u), true
	}
	if f.o.Dir != "" {
		for _, name := range []string{filepath.Join(f.o.Dir, u.Host, filepath.FromSlash(path.Clean("/"+u.Path))), filepath.Join(f.o.Dir, path.Base(u.Path))} {
			if b, err := os.ReadFile(name); err == nil {
				certs, err := ParseCerts(b)
				return certs, f.o.TTL, wrapUnavailable(x5u, err), true
			}
		}
	}
	switch {
	case f.o.Offline:
		return nil, 0, fmt.Errorf("%w: %s not in the offline certificate store", ErrCertUnavailable, x5u), true
	case u.Scheme != "https" && !(u.Scheme == "http" && f.o.AllowHTTP):
		return nil, 0, fmt.Errorf("%w: x5u %s is not https", ErrCertUnavailable, x5u), true
	case !f.o.AnyPort && u.Port() != "" && u.Port() != "443" && u.Port() != "8443":
		return nil, 0, fmt.Errorf("%w: x5u %s: port %s, want 443 or 8443 (ATIS-1000074)", ErrCertUnavailable, x5u, u.Port()), true
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return nil, 0, fmt.Errorf("%w: x5u %s has user info, a query or a fragment (ATIS-1000074)", ErrCertUnavailable, x5u), true
	}
	return nil, 0, nil, false
}

func (f *Fetcher) get(ctx context.Context, x5u string) ([]*x509.Certificate, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, x5u, nil)
	if err != nil {
		return nil, 0, wrapUnavailable(x5u, err)
	}
	resp, err := f.o.Client.Do(req)
	if err != nil {
		return nil, 0, wrapUnavailable(x5u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 3 {
		loc := resp.Header.Get("Location")
		if len(loc) > 200 {
			loc = loc[:200] + "…"
		}
		return nil, 0, fmt.Errorf("%w: %s: HTTP %s redirects to %q: redirects are not followed", ErrCertUnavailable, x5u, resp.Status, loc)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("%w: %s: HTTP %s", ErrCertUnavailable, x5u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.o.MaxBytes+1))
	if err != nil {
		return nil, 0, wrapUnavailable(x5u, err)
	}
	if int64(len(body)) > f.o.MaxBytes {
		return nil, 0, fmt.Errorf("%w: %s: body larger than %d bytes", ErrCertUnavailable, x5u, f.o.MaxBytes)
	}
	certs, err := ParseCerts(body)
	return certs, f.ttl(resp.Header.Get("Cache-Control")), wrapUnavailable(x5u, err)
}

// ttl reads max-age from Cache-Control, bounded to [1 min, 24 h].
func (f *Fetcher) ttl(cc string) time.Duration {
	for _, d := range strings.Split(cc, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(d), "=")
		if !strings.EqualFold(k, "max-age") {
			continue
		}
		n, err := strconv.Atoi(strings.Trim(v, `"`))
		if err != nil {
			break
		}
		return min(max(time.Duration(n)*time.Second, time.Minute), 24*time.Hour)
	}
	return f.o.TTL
}

func wrapUnavailable(x5u string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %s: %v", ErrCertUnavailable, x5u, err)
}

// ParseCerts reads every CERTIFICATE block of PEM input, leaf first, or a
// DER certificate (or DER sequence of certificates).
func ParseCerts(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := b
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) > 0 {
		return certs, nil
	}
	certs, err := x509.ParseCertificates(b)
	if err != nil || len(certs) == 0 {
		return nil, errors.New("no certificate in PEM or DER")
	}
	return certs, nil
}
