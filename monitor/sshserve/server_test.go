package sshserve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/cutover/cutover/fixtures/lab"
	gossh "golang.org/x/crypto/ssh"
)

// board is a screen that shows its operator.
type board struct{ op Operator }

func (b board) Init() tea.Cmd { return nil }
func (b board) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "q" {
		return b, tea.Quit
	}
	return b, nil
}
func (b board) View() tea.View { return tea.NewView("operator " + b.op.Name) }

type screens struct {
	mu       sync.Mutex
	attached int
}

func (s *screens) Model(op Operator) tea.Model { return board{op} }
func (s *screens) Attach(*tea.Program) func() {
	s.mu.Lock()
	s.attached++
	s.mu.Unlock()
	return func() { s.mu.Lock(); s.attached--; s.mu.Unlock() }
}

func clientKey(t *testing.T) (gossh.Signer, string) {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey())))
}

// open starts a terminal session as signer; its output goes to out.
func open(t *testing.T, addr string, signer gossh.Signer, out *lab.LockedBuffer) *gossh.Client {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	s.Stdout, s.Stderr = out, out
	if err := s.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	return c
}

// The sessions are bounded: one more than max_sessions is told why and
// let go, and a place freed by a dropped session is taken again.
func TestMaxSessionsRefusesOneMore(t *testing.T) {
	ana, anaLine := clientKey(t)
	bob, bobLine := clientKey(t)
	keys, err := ParseKeys("keys", strings.NewReader(anaLine+" ana\n"+bobLine+" bob\n"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Listen(Options{Listen: "127.0.0.1:0", HostKey: filepath.Join(t.TempDir(), "host"), Keys: keys, MaxSessions: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sc := &screens{}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, sc) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	var anaOut, bobOut lab.LockedBuffer
	anaConn := open(t, srv.Addr().String(), ana, &anaOut)
	lab.WaitFor(t, "ana's screen", func() bool { return strings.Contains(anaOut.String(), "operator ana") })
	open(t, srv.Addr().String(), bob, &bobOut)
	lab.WaitFor(t, "bob refused", func() bool { return strings.Contains(bobOut.String(), "1 operators are already in the war room") })
	if strings.Contains(bobOut.String(), "operator bob") {
		t.Fatalf("bob got a screen past max_sessions: %q", bobOut.String())
	}
	anaConn.Close() // ana drops: her place is free again
	lab.WaitFor(t, "ana's session to end", func() bool { return srv.Sessions() == 0 })
	var again lab.LockedBuffer
	open(t, srv.Addr().String(), bob, &again)
	lab.WaitFor(t, "bob's screen", func() bool { return strings.Contains(again.String(), "operator bob") })
}

// The host key is made once, owner-only, and read back the next night;
// a key others can read is refused.
func TestHostKeyPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "host")
	first, err := hostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key %v: mode %v", err, fi.Mode())
	}
	again, err := hostKey(path)
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("second night: err %v, same key %v", err, bytes.Equal(first, again))
	}
	os.Chmod(path, 0o644)
	if _, err := hostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a readable host key: err = %v", err)
	}
}
