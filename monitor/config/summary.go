package config

import (
	"cmp"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/cutover/cutover/monitor"
)

// Summary describes a valid file for `cutover check`: trunks, numbers by
// port state, probes, collector, recording. Secrets show only as set or
// not in this environment.
func (f *File) Summary() string {
	var b strings.Builder
	c := f.Cutover
	fmt.Fprintf(&b, "%s: %q is valid\n", f.Path, c.Name)
	fmt.Fprintf(&b, "  topology %s\n", topologyText(c.Topology))
	for i, t := range c.Trunks {
		s := f.Trunks[i]
		fmt.Fprintf(&b, "  trunk    %-10s %-6s %s %s, %d address(es):", t.Name, t.Role, cmp.Or(s.URI, "—"), s.Transport, len(t.Addrs))
		for _, a := range t.Addrs {
			b.WriteString(" " + addrText(a))
		}
		b.WriteString("\n")
		if t.CarrierSigns {
			b.WriteString("           the carrier signs its outbound calls: unsigned ones raise no attestation alert\n")
		}
		if r := s.Register; r != nil {
			fmt.Fprintf(&b, "           registers %s at %s every %s, password from $%s (%s)\n",
				r.User, r.Registrar, r.Expires, r.PasswordEnv, envState(r.PasswordEnv))
		}
	}
	fmt.Fprintf(&b, "  numbers  %d (%s)\n", len(c.Numbers), byState(c.Numbers))
	p := f.Probes
	fmt.Fprintf(&b, "  probes   OPTIONS every %s (down after %d failures, up after %d)", p.OptionsInterval, p.FailAfter, p.RecoverAfter)
	if p.TestCallEvery > 0 {
		fmt.Fprintf(&b, ", test call from %s every %s", p.TestCallFrom, p.TestCallEvery)
	}
	b.WriteString("\n")
	h := f.HEP
	proto := "udp"
	if h.TCP {
		proto = "udp+tcp"
	}
	fmt.Fprintf(&b, "  hep      %s %s", h.Listen, proto)
	if h.AuthKeyEnv != "" {
		fmt.Fprintf(&b, ", auth key from $%s (%s)", h.AuthKeyEnv, envState(h.AuthKeyEnv))
	}
	if len(h.Forward) > 0 {
		fmt.Fprintf(&b, ", forwarded as received (udp) to %s", strings.Join(h.Forward, ", "))
	}
	b.WriteString("\n")
	b.WriteString(captureSummary(f.Capture))
	b.WriteString(mediaSummary(c.Thresholds))
	b.WriteString(portingSummary(f.Porting, c.Numbers))
	b.WriteString(alertsSummary(f.Alerts))
	if f.Metrics.Listen != "" {
		fmt.Fprintf(&b, "  metrics  /metrics on %s\n", f.Metrics.Listen)
	}
	if s := f.SSH; s.Listen != "" {
		fmt.Fprintf(&b, "  ssh      %s, operators' keys in %s, at most %d sessions, host key %s\n",
			s.Listen, s.AuthorizedKeys, s.MaxSessions, cmp.Or(s.HostKey, "next to the recording"))
	}
	fmt.Fprintf(&b, "  record   %s\n", cmp.Or(f.DB, "cutover-live-YYYYMMDD-HHMMSS.db"))
	return b.String()
}

func byState(ns []monitor.Number) string {
	count := map[monitor.PortState]int{}
	for _, n := range ns {
		count[n.PortState]++
	}
	var parts []string
	for st, n := range count {
		parts = append(parts, fmt.Sprintf("%d %s", n, st))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func addrText(a monitor.TrunkAddr) string {
	s := a.Prefix.String()
	if a.Prefix.IsSingleIP() {
		s = a.Prefix.Addr().String()
	}
	if a.Port != 0 {
		if a.Prefix.Addr().Is6() {
			s = "[" + s + "]"
		}
		s += fmt.Sprintf(":%d", a.Port)
	}
	return s
}

func envState(name string) string {
	if os.Getenv(name) != "" {
		return "set"
	}
	return "NOT SET in this environment"
}
