package config

import (
	"net/netip"
	"path/filepath"
)

// SSH is [ssh]: the war room served to several operators over SSH
// (`cutover watch --ssh`). No listen: not served.
type SSH struct {
	Listen         string // host:port ("" = not served unless --ssh)
	AuthorizedKeys string // who may connect, named (and read-only) per key
	HostKey        string // the server's key, generated once ("" = next to the recording)
	// (both paths, relative in the file, are taken from the file's directory)
	MaxSessions int // sessions at once; one more is refused with a message
}

// DefaultSSHMaxSessions bounds the SSH sessions when [ssh] says nothing.
const DefaultSSHMaxSessions = 8

type rawSSH struct {
	Listen         string `toml:"listen"`
	AuthorizedKeys string `toml:"authorized_keys"`
	HostKey        string `toml:"host_key"`
	MaxSessions    int    `toml:"max_sessions"`
}

func (b *builder) ssh(r rawSSH) SSH {
	s := SSH(r)
	for _, p := range []*string{&s.AuthorizedKeys, &s.HostKey} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(filepath.Dir(b.name), *p)
		}
	}
	if s.MaxSessions == 0 {
		s.MaxSessions = DefaultSSHMaxSessions
	}
	if s.MaxSessions < 0 {
		b.fail("ssh.max_sessions", "want a positive number of sessions, got %d", r.MaxSessions)
	}
	if s.Listen != "" {
		if _, err := netip.ParseAddrPort(hostDefault(s.Listen)); err != nil {
			b.fail("ssh.listen", "want host:port with a numeric host, such as \"127.0.0.1:2222\", got %q", r.Listen)
		}
		if s.AuthorizedKeys == "" {
			b.fail("ssh.authorized_keys", "an SSH listener needs the operators' keys: authorized_keys = \"path\"")
		}
	}
	return s
}
