package session

import (
	"fmt"
	"path/filepath"

	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/stir"
)

// configVerifier is the ingest verifier a cutover.toml asks for, or nil
// when it names no trust store (then attestation is counted as claimed).
// Relative paths are taken from the file's directory.
func configVerifier(f *config.File) (*stir.Verifier, error) {
	c := f.STIR
	if c.Trust == "" {
		return nil, nil
	}
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(filepath.Dir(f.Path), p)
	}
	trust, err := stir.LoadTrust(rel(c.Trust))
	if err != nil {
		return nil, fmt.Errorf("%s: stir.trust: %w", f.Path, err)
	}
	return stir.NewVerifier(stir.Options{
		Trust:       trust,
		Certs:       stir.NewFetcher(stir.FetcherOptions{Dir: rel(c.Certs), Offline: c.Offline}),
		Freshness:   c.Freshness,
		CountryCode: f.Cutover.DefaultCountry,
	})
}
