// Package config reads cutover.toml, the one file that describes a cutover:
// its trunks, the ported numbers and ranges, the probes, the HEP collector
// and the alert thresholds.
//
// What the fold needs (File.Cutover, a monitor.Config) holds no secret: it
// is stored with the recording. Secrets stay in the environment; the file
// only names the variables (Register.PasswordEnv, HEP.AuthKeyEnv).
//
// The TOML parser is github.com/pelletier/go-toml/v2: its strict mode
// reports every unknown key with its line and column, and a value of the
// wrong type comes back as a DecodeError with its position. Its unstable
// parser also gives the position of every key, which is how a value that
// is well-typed but wrong (a bad E.164, an unknown role) is reported with
// its line too (see positions.go).
package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/notify"
	"github.com/cutover/cutover/monitor/porting"
)

// File is a parsed and validated cutover.toml.
type File struct {
	Path string
	// Cutover is what the fold and the recording get: name, trunks (roles,
	// addresses), numbers (ranges expanded), thresholds, DefaultCountry. No
	// secrets.
	Cutover monitor.Config
	Trunks  []TrunkSetup // same order as Cutover.Trunks
	Probes  Probes
	HEP     HEP
	DB      string // recording path, "" = default name
	Actions Actions
	STIR    STIR
	// Porting is [porting], resolved from its preset: the carrier's
	// porting API to poll (nil: none). Credentials only by variable name.
	Porting *porting.Spec
	// Alerts is [alerts]: where alerts are pushed (nil: nowhere).
	Alerts *notify.Spec
	SSH    SSH // [ssh]: the war room over SSH
	// Metrics is [metrics]: where a watch serves Prometheus's /metrics
	// ("" = nowhere; cutover watch --metrics wins).
	Metrics Metrics
	Capture Capture // [capture]: live capture from an interface
}

// Metrics configures the Prometheus endpoint of a watch.
type Metrics struct {
	Listen string // host:port ("127.0.0.1:9464"), "" = not served
}

// STIR configures STIR/SHAKEN verification at ingest. With no Trust set
// nothing is verified: the fold counts the attestation the Identity
// header claims, unverified.
type STIR struct {
	Trust     string        // STI-CA roots: a PEM file or a directory of them
	Certs     string        // offline certificate directory for x5u URLs ("" = none)
	Offline   bool          // never fetch x5u over HTTPS
	Freshness time.Duration // how old iat may be at capture time (default 60 s)
}

// TrunkSetup is how to reach a trunk, for the probes.
type TrunkSetup struct {
	Name      string
	URI       string // like "sip:sip.newcarrier.example:5060"
	Transport string // udp, tcp or tls
	Register  *Register
}

// Register is a trunk's registration: the password is read from the
// environment variable PasswordEnv, never from the file.
type Register struct {
	Registrar   string
	User        string
	Realm       string
	PasswordEnv string
	Expires     time.Duration
}

// Password reads the registration secret from its environment variable.
func (r *Register) Password() (string, error) {
	if r == nil || r.PasswordEnv == "" {
		return "", fmt.Errorf("registration has no password_env")
	}
	v, ok := os.LookupEnv(r.PasswordEnv)
	if !ok || v == "" {
		return "", fmt.Errorf("environment variable %s (the registration password of %s) is not set", r.PasswordEnv, r.User)
	}
	return v, nil
}

// Probes configures the active probes.
type Probes struct {
	OptionsInterval time.Duration // 0 = no OPTIONS probes
	FailAfter       int           // consecutive failures before a trunk is down
	RecoverAfter    int           // consecutive successes before it is up again
	TestCallFrom    string        // E.164 caller of test calls
	TestCallEvery   time.Duration // 0 = no test calls
	LocalAddr       string        // where the probes' SIP stack binds ("" = any)
	// A sweep (T, cutover sweep) places at most SweepRate test calls a
	// second, at most SweepConcurrency at once.
	SweepRate        float64
	SweepConcurrency int
	// The outbound check (cutover sweep --out) calls OutboundCheckTo
	// (E.164) from each number through SBCURI (sip:host:port), as the PBX
	// would; both or neither.
	SBCURI          string
	OutboundCheckTo string
}

// HEP configures the HEPv3 collector.
type HEP struct {
	Listen     string // host:port, default ":9060"
	TCP        bool   // also listen on TCP at the same address
	AuthKeyEnv string // names the env var holding the shared auth key ("" = none)
	// Forward relays every accepted HEP packet, unchanged, over UDP to
	// these collectors (host:port: Homer, heplify-server).
	Forward []string
}

// AuthKey reads the collector's shared key from its environment variable
// ("" and no error when none is configured).
func (h HEP) AuthKey() (string, error) {
	if h.AuthKeyEnv == "" {
		return "", nil
	}
	v, ok := os.LookupEnv(h.AuthKeyEnv)
	if !ok || v == "" {
		return "", fmt.Errorf("environment variable %s (the HEP auth key) is not set", h.AuthKeyEnv)
	}
	return v, nil
}

// Defaults for what the file leaves out.
const (
	DefaultHEPListen        = ":9060"
	DefaultOptionsInterval  = 30 * time.Second
	DefaultFailAfter        = 3
	DefaultRecoverAfter     = 2
	DefaultRegisterExpires  = time.Hour
	DefaultSweepRate        = 2.0 // test calls a second
	DefaultSweepConcurrency = 4   // test calls at once
	// MaxSweepRate and MaxSweepConcurrency bound a sweep: past them a
	// sweep is a flood of the carriers it calls through.
	MaxSweepRate        = 50.0
	MaxSweepConcurrency = 64
	// MaxNumbers bounds how many numbers the ranges may expand to.
	MaxNumbers = 100_000
)

// Load reads and validates path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse validates data; name is used in errors and kept as File.Path.
func Parse(name string, data []byte) (*File, error) {
	raw, err := decode(name, data)
	if err != nil {
		return nil, err
	}
	pos := positionsOf(data)
	b := &builder{name: name, pos: pos}
	f := b.build(raw)
	if b.err != nil {
		return nil, b.err
	}
	f.Path = name
	return f, nil
}

// Error is a refused file: where, which field, and why.
type Error struct {
	File   string
	Line   int // 0 when the field is missing altogether
	Column int
	Field  string // dotted path, e.g. "trunks[1].addrs[0]"
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}
