package session

import (
	"cmp"
	"errors"
	"log/slog"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/sshserve"
)

// SSH is the war room over SSH: a listening server whose every session
// gets a screen of its own on the session's fold, fed by the same relay
// as the local screen.
type SSH struct {
	Server *sshserve.Server
	// Screen is an operator's screen: the session's, with the operator's
	// own actor, acks and notes (or none, read-only).
	Screen func(op sshserve.Operator) Screen
}

// sshScreens makes the SSH sessions' screens (sshserve.Screens).
type sshScreens struct {
	s   *Session
	fan *fanout
}

func (sc sshScreens) Model(op sshserve.Operator) tea.Model { return sc.s.model(sc.s.o.SSH.Screen(op)) }

func (sc sshScreens) Attach(p *tea.Program) (detach func()) { return sc.fan.Attach(p) }

// HostKeyName is the SSH host key's file when [ssh] host_key says
// nothing: next to the recording, so every night recorded in that
// directory shows operators the same host key.
const HostKeyName = "cutover-ssh-host-key"

// serveSSH listens for the war room if c says so (nil: not served).
func (wa Watch) serveSSH(recording string, logger *slog.Logger, screen func(sshserve.Operator) Screen) (*SSH, error) {
	c := wa.SSH
	if c.Listen == "" {
		return nil, nil
	}
	if c.AuthorizedKeys == "" {
		return nil, errors.New("ssh: the war room needs the operators' keys (--authorized-keys or [ssh] authorized_keys)")
	}
	keys, err := sshserve.LoadKeys(c.AuthorizedKeys)
	if err != nil {
		return nil, err
	}
	srv, err := sshserve.Listen(sshserve.Options{Listen: c.Listen, Keys: keys, Logger: logger,
		HostKey:     cmp.Or(c.HostKey, filepath.Join(filepath.Dir(recording), HostKeyName)),
		MaxSessions: cmp.Or(c.MaxSessions, config.DefaultSSHMaxSessions)})
	if err != nil {
		return nil, err
	}
	logger.Info("ssh: war room", "listen", srv.Addr().String(), "operators", len(keys))
	return &SSH{Server: srv, Screen: screen}, nil
}
