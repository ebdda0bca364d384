package config

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipmsg"
)

// builder turns a rawFile into a File, stopping at the first error (with
// the field's line from the position map).
type builder struct {
	name string
	pos  positions
	err  error
}

func (b *builder) fail(field, format string, args ...any) {
	if b.err != nil {
		return
	}
	at := b.pos.lookup(field)
	b.err = &Error{File: b.name, Line: at.line, Column: at.col, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (b *builder) build(r *rawFile) *File {
	f := &File{DB: r.DB}
	c := &f.Cutover
	c.Name = strings.TrimSpace(r.Name)
	if c.Name == "" {
		b.fail("name", "the cutover needs a name")
	}
	c.DefaultCountry = r.DefaultCountry
	if c.DefaultCountry == "" {
		c.DefaultCountry = "1"
	}
	if !digits(c.DefaultCountry) || len(c.DefaultCountry) > 3 {
		b.fail("default_country", "want a country calling code of 1 to 3 digits (1 for NANP), got %q", r.DefaultCountry)
	}
	c.Thresholds = b.thresholds(r.Thresholds)
	f.HEP = b.hep(r.HEP)
	f.Metrics = Metrics(r.Metrics)
	if err := CheckMetricsListen(f.Metrics.Listen); err != nil {
		b.fail("metrics.listen", "%v", err)
	}
	f.Probes = b.probes(r.Probes, c.DefaultCountry)
	c.Topology = b.topology(r.Topology)
	b.trunks(f, r.Trunks)
	c.Numbers = b.numbers(r.Numbers, c.DefaultCountry)
	f.Actions = b.actions(r.Actions)
	f.Porting = b.porting(r.Porting, c.Numbers)
	f.Alerts = b.alerts(r.Alerts)
	f.SSH = b.ssh(r.SSH)
	f.Capture = b.capture(r.Capture)
	f.STIR = STIR{Trust: r.STIR.Trust, Certs: r.STIR.Certs, Offline: r.STIR.Offline,
		Freshness: b.duration("stir.freshness", r.STIR.Freshness, 0)}
	if f.STIR.Trust == "" && (f.STIR.Certs != "" || f.STIR.Offline) {
		b.fail("stir.trust", "certs and offline need a trust store to verify against")
	}
	return f
}

func (b *builder) duration(field, s string, def time.Duration) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		b.fail(field, "want a duration such as \"30s\", \"5m\" or \"1h\", got %q", s)
		return def
	}
	return d
}

func (b *builder) thresholds(r rawThresholds) monitor.Thresholds {
	t := monitor.Thresholds{
		ShortCall:       b.duration("thresholds.short_call", r.ShortCall, 0),
		Codec488Count:   r.Codec488Count,
		Codec488Share:   r.Codec488Share,
		NERMin:          r.NERMin,
		NERMinAttempts:  r.NERMinAttempts,
		TimeoutBurst:    r.TimeoutBurst,
		SilentAfter:     b.duration("thresholds.silent_after", r.SilentAfter, 0),
		ZombieAfter:     b.duration("thresholds.zombie_after", r.ZombieAfter, 0),
		SplitBrainQuiet: b.duration("thresholds.split_brain_quiet", r.SplitBrainQuiet, 0),
		DropRateMax:     r.DropRateMax,
		DropMinAnswered: r.DropMinAnswered,
	}
	for field, v := range map[string]float64{"codec488_share": r.Codec488Share, "ner_min": r.NERMin, "drop_rate_max": r.DropRateMax} {
		if v < 0 || v > 1 {
			b.fail("thresholds."+field, "want a share between 0 and 1, got %g", v)
		}
	}
	for field, v := range map[string]int{"codec488_count": r.Codec488Count, "ner_min_attempts": r.NERMinAttempts, "timeout_burst": r.TimeoutBurst, "drop_min_answered": r.DropMinAnswered} {
		if v < 0 {
			b.fail("thresholds."+field, "must not be negative, got %d", v)
		}
	}
	b.mediaThresholds(r, &t)
	return t
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (b *builder) hep(r rawHEP) HEP {
	h := HEP(r)
	if h.Listen == "" {
		h.Listen = DefaultHEPListen
	}
	if _, err := netip.ParseAddrPort(hostDefault(h.Listen)); err != nil {
		b.fail("hep.listen", "want host:port with a numeric host, such as \":9060\" or \"127.0.0.1:9060\", got %q", r.Listen)
	}
	if h.AuthKeyEnv != "" && !envName.MatchString(h.AuthKeyEnv) {
		b.fail("hep.auth_key_env", "want the name of an environment variable, got %q", h.AuthKeyEnv)
	}
	b.forward(h)
	return h
}

// forward checks [hep] forward: host:port each, no target twice, and
// not this collector itself (every packet would loop back to it).
func (b *builder) forward(h HEP) {
	seen := map[string]bool{}
	for i, t := range h.Forward {
		at := fmt.Sprintf("hep.forward[%d]", i)
		host, port, err := net.SplitHostPort(t)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			b.fail(at, "want host:port of a HEP collector to relay to, such as \"homer.example.net:9060\" or \"10.0.0.5:9060\", got %q", t)
			return
		}
		if seen[t] {
			b.fail(at, "%s is already a forward target: it would get every packet twice", t)
		}
		seen[t] = true
		if lh, lp, _ := net.SplitHostPort(h.Listen); lp == port && (host == lh || isLocal(host) && (lh == "" || isLocal(lh))) {
			b.fail(at, "%s is this collector's own listen address (%s): every packet would loop back", t, h.Listen)
		}
	}
}

// isLocal says host names this machine (loopback or any address).
func isLocal(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && (a.IsLoopback() || a.IsUnspecified())
}

// CheckMetricsListen checks a [metrics] listen address or a --metrics
// flag: host:port with a numeric host ("" = not served).
func CheckMetricsListen(addr string) error {
	if addr == "" {
		return nil
	}
	if _, err := netip.ParseAddrPort(hostDefault(addr)); err != nil {
		return fmt.Errorf("want host:port with a numeric host, such as \"127.0.0.1:9464\" or \":9464\", got %q", addr)
	}
	return nil
}

// hostDefault turns ":9060" into "0.0.0.0:9060" for parsing.
func hostDefault(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "0.0.0.0" + addr
	}
	return addr
}

func (b *builder) probes(r rawProbes, cc string) Probes {
	p := Probes{
		OptionsInterval:  b.duration("probes.options_interval", r.OptionsInterval, DefaultOptionsInterval),
		FailAfter:        r.FailAfter,
		RecoverAfter:     r.RecoverAfter,
		TestCallEvery:    b.duration("probes.test_call_every", r.TestCallEvery, 0),
		LocalAddr:        r.LocalAddr,
		SweepRate:        r.SweepRate,
		SweepConcurrency: r.SweepConcurrency,
	}
	switch {
	case p.SweepRate < 0 || p.SweepRate > MaxSweepRate:
		b.fail("probes.sweep_rate", "want test calls a second between 0 and %g, got %g", MaxSweepRate, p.SweepRate)
	case p.SweepRate == 0:
		p.SweepRate = DefaultSweepRate
	}
	switch {
	case p.SweepConcurrency < 0 || p.SweepConcurrency > MaxSweepConcurrency:
		b.fail("probes.sweep_concurrency", "want test calls at once between 1 and %d, got %d", MaxSweepConcurrency, p.SweepConcurrency)
	case p.SweepConcurrency == 0:
		p.SweepConcurrency = DefaultSweepConcurrency
	}
	if p.FailAfter == 0 {
		p.FailAfter = DefaultFailAfter
	}
	if p.RecoverAfter == 0 {
		p.RecoverAfter = DefaultRecoverAfter
	}
	if p.FailAfter < 0 || p.RecoverAfter < 0 {
		b.fail("probes", "fail_after and recover_after must be positive")
	}
	if r.TestCallFrom != "" {
		if p.TestCallFrom = sipmsg.NormalizeE164(r.TestCallFrom, cc); p.TestCallFrom == "" {
			b.fail("probes.test_call_from", "want a telephone number, got %q", r.TestCallFrom)
		}
	}
	if p.TestCallEvery > 0 && p.TestCallFrom == "" {
		b.fail("probes.test_call_from", "test_call_every needs test_call_from (the caller's number)")
	}
	b.outboundCheck(&p, r, cc)
	if p.LocalAddr != "" {
		if _, err := netip.ParseAddrPort(hostDefault(p.LocalAddr)); err != nil {
			b.fail("probes.local_addr", "want host:port with a numeric host, got %q", p.LocalAddr)
		}
	}
	return p
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// outboundCheck reads [probes] sbc_uri and outbound_check_to: both or
// neither.
func (b *builder) outboundCheck(p *Probes, r rawProbes, cc string) {
	p.SBCURI = r.SBCURI
	if r.OutboundCheckTo != "" {
		if p.OutboundCheckTo = sipmsg.NormalizeE164(r.OutboundCheckTo, cc); p.OutboundCheckTo == "" {
			b.fail("probes.outbound_check_to", "want a telephone number, got %q", r.OutboundCheckTo)
		}
	}
	switch {
	case p.SBCURI != "" && !strings.HasPrefix(p.SBCURI, "sip:") && !strings.HasPrefix(p.SBCURI, "sips:"):
		b.fail("probes.sbc_uri", "want a SIP URI such as \"sip:10.0.0.5:5060\", got %q", p.SBCURI)
	case (p.SBCURI == "") != (r.OutboundCheckTo == ""):
		b.fail("probes.outbound_check_to", "the outbound check needs both sbc_uri and outbound_check_to")
	}
}
