package stir

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// OIDTNAuthList is the TNAuthList certificate extension (RFC 8226) every
// STI certificate carries.
var OIDTNAuthList = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 26}

// chainCache remembers leaf certificates whose chain to a trust pool was
// built, so a warm verification only re-checks validity dates (the one
// input that changes with capture time). Entries are keyed by the leaf's
// and intermediates' fingerprints and the pool they were built against.
type chainCache struct {
	mu  sync.Mutex
	max int
	m   map[chainKey][]*x509.Certificate // a verified chain, leaf first
}

type chainKey struct {
	certs [sha256.Size]byte
	pool  *x509.CertPool
}

func newChainCache(max int) *chainCache {
	return &chainCache{max: max, m: make(map[chainKey][]*x509.Certificate)}
}

// verify checks that leaf (with the intermediates served beside it) chains
// to trust, that every certificate of the chain is valid at at, and that the
// leaf carries TNAuthList.
func (c *chainCache) verify(leaf *x509.Certificate, inter []*x509.Certificate, trust *x509.CertPool, at time.Time) error {
	if !hasTNAuthList(leaf) {
		return errors.New("certificate has no TNAuthList extension (RFC 8226)")
	}
	h := sha256.New()
	h.Write(leaf.Raw)
	for _, ic := range inter {
		h.Write(ic.Raw)
	}
	key := chainKey{pool: trust}
	h.Sum(key.certs[:0])
	c.mu.Lock()
	chain, ok := c.m[key]
	c.mu.Unlock()
	if !ok {
		var err error
		if chain, err = buildChain(leaf, inter, trust, at); err != nil {
			return err
		}
		c.mu.Lock()
		if len(c.m) >= c.max {
			clear(c.m) // rare: as many distinct signers as max
		}
		c.m[key] = chain
		c.mu.Unlock()
	}
	for _, cert := range chain {
		if at.Before(cert.NotBefore) || at.After(cert.NotAfter) {
			return fmt.Errorf("certificate %q is valid %s to %s, not at %s", cert.Subject.CommonName,
				cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339), at.Format(time.RFC3339))
		}
	}
	return nil
}

// buildChain does RFC 5280 path building and signature checks, ignoring
// extended key usage (STI certificates carry none that Go knows). Dates are
// judged by the caller at capture time: when the chain does not verify at
// at because of them, it is built at a time inside the leaf's validity so
// that an expired certificate is named as such, not as untrusted.
func buildChain(leaf *x509.Certificate, inter []*x509.Certificate, trust *x509.CertPool, at time.Time) ([]*x509.Certificate, error) {
	ip := x509.NewCertPool()
	for _, ic := range inter {
		ip.AddCert(ic)
	}
	opts := x509.VerifyOptions{
		Roots: trust, Intermediates: ip, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	chains, err := leaf.Verify(opts)
	var inv x509.CertificateInvalidError
	if errors.As(err, &inv) && inv.Reason == x509.Expired {
		opts.CurrentTime = leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
		chains, err = leaf.Verify(opts)
	}
	if err != nil {
		var ua x509.UnknownAuthorityError
		if errors.As(err, &ua) {
			return nil, fmt.Errorf("certificate %q does not chain to the trust store", leaf.Subject.CommonName)
		}
		return nil, fmt.Errorf("certificate chain: %v", err)
	}
	return chains[0], nil
}

func hasTNAuthList(c *x509.Certificate) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(OIDTNAuthList) {
			return true
		}
	}
	return false
}

// LoadTrust reads the STI-CA roots from a PEM file or from every file of a
// directory (files without certificates are ignored). It fails when no
// certificate is found: an empty trust store would make every call
// cert-untrusted.
func LoadTrust(name string) (*x509.CertPool, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("trust store: %w", err)
	}
	files := []string{name}
	if st.IsDir() {
		ents, err := os.ReadDir(name)
		if err != nil {
			return nil, fmt.Errorf("trust store: %w", err)
		}
		files = files[:0]
		for _, e := range ents {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(name, e.Name()))
			}
		}
	}
	pool, n := x509.NewCertPool(), 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("trust store: %w", err)
		}
		certs, err := ParseCerts(b)
		if err != nil {
			continue
		}
		for _, c := range certs {
			pool.AddCert(c)
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("trust store %s: no certificate found", name)
	}
	return pool, nil
}
