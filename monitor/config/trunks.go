package config

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/cutover/cutover/monitor"
)

func (b *builder) trunks(f *File, raws []rawTrunk) {
	if len(raws) == 0 {
		b.fail("trunks", "describe at least one trunk with [[trunks]]")
		return
	}
	seen := map[string]bool{}
	for i, r := range raws {
		at := fmt.Sprintf("trunks[%d]", i)
		name := strings.TrimSpace(r.Name)
		switch {
		case name == "":
			b.fail(at+".name", "every trunk needs a name")
		case seen[name]:
			b.fail(at+".name", "trunk %q is described twice", name)
		}
		seen[name] = true
		role := monitor.Role(r.Role)
		if role != monitor.RoleLegacy && role != monitor.RoleNew {
			b.fail(at+".role", "want \"legacy\" or \"new\", got %q", r.Role)
		}
		tr := monitor.Trunk{Name: name, Role: role, CarrierSigns: r.CarrierSigns}
		if r.CarrierSigns && f.Cutover.Topology == monitor.TopologyTransit {
			b.fail(at+".carrier_signs", "carrier_signs describes a business's side of its SBC; with topology = \"transit\" a call from a trunk arrives signed by that carrier, and its attestation counts as it is: remove carrier_signs")
		}
		if len(r.Addrs) == 0 {
			b.fail(at+".addrs", "list the addresses that identify the trunk's traffic (\"198.51.100.10:5060\", \"203.0.113.0/24\")")
		}
		for j, a := range r.Addrs {
			ta, err := parseTrunkAddr(a)
			if err != nil {
				b.fail(fmt.Sprintf("%s.addrs[%d]", at, j), "%v", err)
			}
			tr.Addrs = append(tr.Addrs, ta)
		}
		f.Cutover.Trunks = append(f.Cutover.Trunks, tr)
		f.Trunks = append(f.Trunks, b.setup(at, name, r))
	}
}

func (b *builder) setup(at, name string, r rawTrunk) TrunkSetup {
	s := TrunkSetup{Name: name, URI: r.URI, Transport: strings.ToLower(r.Transport)}
	if s.Transport == "" {
		s.Transport = "udp"
	}
	switch s.Transport {
	case "udp", "tcp", "tls":
	default:
		b.fail(at+".transport", "want udp, tcp or tls, got %q", r.Transport)
	}
	if s.URI != "" && !strings.HasPrefix(s.URI, "sip:") && !strings.HasPrefix(s.URI, "sips:") {
		b.fail(at+".uri", "want a SIP URI such as \"sip:sip.carrier.example:5060\", got %q", r.URI)
	}
	if r.Register != nil {
		s.Register = b.register(at+".register", *r.Register, s.URI)
	}
	return s
}

func (b *builder) register(at string, r rawRegister, uri string) *Register {
	reg := &Register{
		Registrar: r.Registrar, User: r.User, Realm: r.Realm, PasswordEnv: r.PasswordEnv,
		Expires: b.duration(at+".expires", r.Expires, DefaultRegisterExpires),
	}
	if reg.Registrar == "" {
		reg.Registrar = uri
	}
	switch {
	case reg.Registrar == "":
		b.fail(at+".registrar", "registration needs a registrar (or the trunk's uri)")
	case !strings.HasPrefix(reg.Registrar, "sip:") && !strings.HasPrefix(reg.Registrar, "sips:"):
		b.fail(at+".registrar", "want a SIP URI, got %q", reg.Registrar)
	case reg.User == "":
		b.fail(at+".user", "registration needs a user")
	case reg.PasswordEnv == "":
		b.fail(at+".password_env", "name the environment variable that holds the password")
	case !envName.MatchString(reg.PasswordEnv):
		b.fail(at+".password_env", "want the name of an environment variable, got %q", reg.PasswordEnv)
	}
	return reg
}

// parseTrunkAddr accepts "198.51.100.10:5060", "198.51.100.10",
// "203.0.113.0/24", "[2001:db8::1]:5060", "2001:db8::/32".
func parseTrunkAddr(s string) (monitor.TrunkAddr, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return monitor.TrunkAddr{}, fmt.Errorf("want an address, address:port or network, got %q", s)
		}
		return monitor.TrunkAddr{Prefix: p.Masked()}, nil
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		a := ap.Addr().Unmap()
		return monitor.TrunkAddr{Prefix: netip.PrefixFrom(a, a.BitLen()), Port: ap.Port()}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return monitor.TrunkAddr{}, fmt.Errorf("want an address, address:port or network (numeric, no host names), got %q", s)
	}
	a = a.Unmap()
	return monitor.TrunkAddr{Prefix: netip.PrefixFrom(a, a.BitLen())}, nil
}
