package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/cutover/cutover/monitor"
)

// Actions configures the actuators behind `cutover act` (and the TUI's
// action keys): where a failover is made, how an outbound route is
// corrected, which programs may be run. Secrets are named by environment
// variable, never written here.
type Actions struct {
	Timeout time.Duration // default for each actuator (DefaultActionTimeout)
	// VerifyWindow and VerifyCalls say when an action counts as verified
	// by traffic: VerifyCalls new calls on the expected trunks (and a
	// majority of the new calls) within VerifyWindow of it being done.
	VerifyWindow time.Duration
	VerifyCalls  int
	Failover     []FailoverTarget
	Outbound     *OutboundBackend // nil: no outbound corrections
	Commands     []CommandSpec
}

// FailoverTarget is one place a failover (and a restore) is made: the SRV
// records of a name, or a Kamailio dispatcher set. Exactly one is set.
type FailoverTarget struct {
	Name    string
	Timeout time.Duration
	// Direction is the calls the target routes: "out" (calls to the
	// providers, the default: an SBC's SRV name or dispatcher set) or "in".
	// Verification watches those calls move.
	Direction  monitor.Dir
	DNS        *DNSTarget
	Dispatcher *DispatcherTarget
}

// DNSTarget is an SRV name updated with RFC 2136 + TSIG.
type DNSTarget struct {
	Server       string // host:port of the primary
	Zone         string
	Name         string // SRV owner name
	KeyName      string
	KeySecretEnv string // the environment variable holding the base64 secret
	Algorithm    string // the key's TSIG algorithm: one of TSIGAlgorithms (default hmac-sha256)
	LegacyTarget string // SRV target host of the legacy provider
	NewTarget    string // SRV target host of the new provider
}

// TSIGAlgorithms are the TSIG key algorithms a DNS target may name (as
// BIND's tsig-keygen -a does); the first is the default.
var TSIGAlgorithms = []string{"hmac-sha256", "hmac-sha384", "hmac-sha512"}

// Secret reads the TSIG secret from its environment variable.
func (d *DNSTarget) Secret() (string, error) {
	return fromEnv(d.KeySecretEnv, "the TSIG secret of "+d.KeyName)
}

// DispatcherTarget is a Kamailio dispatcher set reached over JSON-RPC.
type DispatcherTarget struct {
	URL    string
	Set    int
	Legacy []string // destination URIs
	New    []string
}

// OutboundBackend says how an outbound route is moved.
type OutboundBackend struct {
	Backend string // "htable" or "http"
	Timeout time.Duration
	HTable  *HTableBackend
	HTTP    *HTTPBackend
}

// HTableBackend is a Kamailio htable written over JSON-RPC.
type HTableBackend struct {
	URL    string
	Table  string
	Values map[string]string // trunk name -> value written
}

// HTTPBackend is a carrier's or contact centre's API: one request per
// correction. URL and bodies are text/template with .Number, .Trunk,
// .Previous and .Operator.
type HTTPBackend struct {
	Method        string
	URL           string
	Headers       map[string]string
	SecretHeaders map[string]string // header -> environment variable
	Body          string
	UndoMethod    string
	UndoURL       string
	UndoBody      string // "" with UndoURL "": the API cannot be undone
}

// CommandSpec is a program that may be run, with its arguments.
type CommandSpec struct {
	Name    string
	Program string
	Args    []string
	Timeout time.Duration
}

// Defaults for [actions].
const (
	DefaultActionTimeout = 10 * time.Second // each actuator the file gives no timeout
	DefaultVerifyWindow  = 5 * time.Minute
	DefaultVerifyCalls   = 3
)

func fromEnv(name, what string) (string, error) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return "", fmt.Errorf("environment variable %s (%s) is not set", name, what)
	}
	return v, nil
}

func (b *builder) actions(r rawActions) Actions {
	a := Actions{Timeout: b.duration("actions.timeout", r.Timeout, DefaultActionTimeout),
		VerifyWindow: b.duration("actions.verify_window", r.VerifyWindow, DefaultVerifyWindow), VerifyCalls: r.VerifyCalls}
	switch {
	case r.VerifyCalls == 0:
		a.VerifyCalls = DefaultVerifyCalls
	case r.VerifyCalls < 0:
		b.fail("actions.verify_calls", "want a positive number of calls, got %d", r.VerifyCalls)
	}
	seen := map[string]bool{}
	for i, f := range r.Failover {
		at := fmt.Sprintf("actions.failover[%d]", i)
		if f.Name == "" || seen[f.Name] {
			b.fail(at+".name", "every failover target needs a name of its own, got %q", f.Name)
		}
		seen[f.Name] = true
		t := FailoverTarget{Name: f.Name, Timeout: b.duration(at+".timeout", f.Timeout, a.Timeout), Direction: monitor.Dir(f.Direction)}
		switch t.Direction {
		case "":
			t.Direction = monitor.DirOut
		case monitor.DirIn, monitor.DirOut:
		default:
			b.fail(at+".direction", "want \"out\" (calls to the providers) or \"in\", got %q", f.Direction)
		}
		switch {
		case (f.DNS == nil) == (f.Dispatcher == nil):
			b.fail(at, "give exactly one of [actions.failover.dns] and [actions.failover.dispatcher]")
		case f.DNS != nil:
			t.DNS = b.dnsTarget(at+".dns", *f.DNS)
		default:
			t.Dispatcher = b.dispatcherTarget(at+".dispatcher", *f.Dispatcher)
		}
		a.Failover = append(a.Failover, t)
	}
	if r.Outbound != nil {
		a.Outbound = b.outbound(*r.Outbound, a.Timeout)
	}
	for i, c := range r.Command {
		at := fmt.Sprintf("actions.command[%d]", i)
		if c.Name == "" || c.Program == "" {
			b.fail(at, "a command needs a name and a program")
		}
		a.Commands = append(a.Commands, CommandSpec{Name: c.Name, Program: c.Program, Args: c.Args,
			Timeout: b.duration(at+".timeout", c.Timeout, a.Timeout)})
	}
	return a
}

func (b *builder) dnsTarget(at string, r rawDNSTarget) *DNSTarget {
	d := &DNSTarget{Server: r.Server, Zone: r.Zone, Name: r.Name, KeyName: r.KeyName, KeySecretEnv: r.KeySecretEnv,
		Algorithm: strings.TrimSuffix(strings.ToLower(r.Algorithm), "."), LegacyTarget: r.LegacyTarget, NewTarget: r.NewTarget}
	switch {
	case d.Algorithm == "":
		d.Algorithm = TSIGAlgorithms[0]
	case !slices.Contains(TSIGAlgorithms, d.Algorithm):
		b.fail(at+".algorithm", "want the TSIG key's algorithm, one of %s, got %q", strings.Join(TSIGAlgorithms, ", "), r.Algorithm)
	}
	if _, err := netip.ParseAddrPort(d.Server); err != nil {
		b.fail(at+".server", "want the primary's numeric host:port, such as \"192.0.2.53:53\", got %q", r.Server)
	}
	for field, v := range map[string]string{"zone": d.Zone, "name": d.Name, "key_name": d.KeyName, "legacy_target": d.LegacyTarget, "new_target": d.NewTarget} {
		if strings.TrimSpace(v) == "" {
			b.fail(at+"."+field, "missing")
		}
	}
	if !envName.MatchString(d.KeySecretEnv) {
		b.fail(at+".key_secret_env", "name the environment variable that holds the TSIG secret, got %q", d.KeySecretEnv)
	}
	return d
}

func (b *builder) dispatcherTarget(at string, r rawDispatcher) *DispatcherTarget {
	b.httpURL(at+".url", r.URL)
	if r.Set <= 0 {
		b.fail(at+".set", "want the dispatcher set id (a positive number), got %d", r.Set)
	}
	if len(r.New) == 0 || len(r.Legacy) == 0 {
		b.fail(at, "list the destination URIs of both providers in legacy and new")
	}
	return &DispatcherTarget{URL: r.URL, Set: r.Set, Legacy: r.Legacy, New: r.New}
}

func (b *builder) httpURL(field, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		b.fail(field, "want an http:// or https:// URL, got %q", s)
	}
}

func (b *builder) outbound(r rawOutbound, def time.Duration) *OutboundBackend {
	o := &OutboundBackend{Backend: r.Backend, Timeout: b.duration("actions.outbound.timeout", r.Timeout, def)}
	switch r.Backend {
	case "htable":
		if r.HTable == nil {
			b.fail("actions.outbound", "backend \"htable\" needs [actions.outbound.htable]")
			return o
		}
		b.httpURL("actions.outbound.htable.url", r.HTable.URL)
		if r.HTable.Table == "" {
			b.fail("actions.outbound.htable.table", "name the htable")
		}
		o.HTable = &HTableBackend{URL: r.HTable.URL, Table: r.HTable.Table, Values: r.HTable.Values}
	case "http":
		if r.HTTP == nil {
			b.fail("actions.outbound", "backend \"http\" needs [actions.outbound.http]")
			return o
		}
		o.HTTP = b.httpBackend(*r.HTTP)
	default:
		b.fail("actions.outbound.backend", "want \"htable\" or \"http\", got %q", r.Backend)
	}
	return o
}

func (b *builder) httpBackend(r rawHTTP) *HTTPBackend {
	h := &HTTPBackend{Method: strings.ToUpper(r.Method), URL: r.URL, Headers: r.Headers, SecretHeaders: r.SecretHeaders,
		Body: r.Body, UndoMethod: strings.ToUpper(r.UndoMethod), UndoURL: r.UndoURL, UndoBody: r.UndoBody}
	if h.Method == "" {
		h.Method = "POST"
	}
	if h.UndoMethod == "" {
		h.UndoMethod = h.Method
	}
	for field, tpl := range map[string]string{"url": h.URL, "body": h.Body, "undo_url": h.UndoURL, "undo_body": h.UndoBody} {
		if _, err := template.New(field).Option("missingkey=error").Parse(tpl); err != nil {
			b.fail("actions.outbound.http."+field, "bad template: %v", err)
		}
	}
	if h.URL == "" {
		b.fail("actions.outbound.http.url", "missing")
	}
	for hdr, env := range h.SecretHeaders {
		if !envName.MatchString(env) {
			b.fail("actions.outbound.http.secret_headers."+hdr, "want the name of an environment variable, got %q", env)
		}
	}
	return h
}
