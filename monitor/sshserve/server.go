package sshserve

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"
)

// Operator is who a session's key names.
type Operator struct {
	Name     string
	ReadOnly bool
}

// Screens is what the server serves: a screen per session, fed live.
type Screens interface {
	// Model is the operator's own screen (focus, filter, window, panes).
	Model(op Operator) tea.Model
	// Attach feeds p the live night until detach.
	Attach(p *tea.Program) (detach func())
}

// Options configure a Server.
type Options struct {
	Listen      string // host:port
	HostKey     string // the server's private key, generated once (owner-only) if absent
	Keys        []Key
	MaxSessions int // sessions at once (> 0); one more is refused with a message
	Logger      *slog.Logger
}

// Server is the war room's SSH listener.
type Server struct {
	o   Options
	ln  net.Listener
	srv *ssh.Server

	mu       sync.Mutex
	sessions int
	screens  Screens
}

// Listen binds the SSH address with the host key (made if absent).
func Listen(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxSessions <= 0 || len(o.Keys) == 0 {
		return nil, errors.New("ssh: want operators' keys and a positive max_sessions")
	}
	hostPEM, err := hostKey(o.HostKey)
	if err != nil {
		return nil, err
	}
	s := &Server{o: o}
	s.srv, err = wish.NewServer(
		wish.WithHostKeyPEM(hostPEM),
		wish.WithPublicKeyAuth(func(_ ssh.Context, pk ssh.PublicKey) bool { return lookup(o.Keys, pk) != nil }),
		wish.WithMiddleware(s.middleware),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	if s.ln, err = net.Listen("tcp", o.Listen); err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	return s, nil
}

// Addr is where the server listens.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Sessions is how many sessions are open.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Serve serves screens until ctx ends, then closes every session.
func (s *Server) Serve(ctx context.Context, screens Screens) error {
	s.mu.Lock()
	s.screens = screens
	s.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { _ = s.srv.Close() })
	defer stop()
	err := s.srv.Serve(s.ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops a server that never served (Serve closes its own).
func (s *Server) Close() error {
	s.ln.Close()
	return s.srv.Close()
}

// middleware runs one session's screen; a session ends without touching
// the watch or the other sessions.
func (s *Server) middleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		key := lookup(s.o.Keys, sess.PublicKey())
		if key == nil { // the auth handler let no other key in
			return
		}
		release, ok := s.acquire()
		if !ok {
			wish.Fatalf(sess, "cutover: %d operators are already in the war room (max_sessions); try again later\r\n", s.o.MaxSessions)
			return
		}
		defer release()
		_, windows, ok := sess.Pty()
		if !ok {
			wish.Fatalln(sess, "cutover: the war room needs a terminal (ssh -t)")
			return
		}
		op := Operator{Name: key.Name, ReadOnly: key.ReadOnly}
		s.o.Logger.Info("ssh: operator in", "operator", op.Name, "read-only", op.ReadOnly, "from", sess.RemoteAddr().String())
		opts := append(bm.MakeOptions(sess), tea.WithContext(sess.Context()))
		prog := tea.NewProgram(s.screens.Model(op), opts...)
		detach := s.screens.Attach(prog)
		defer detach()
		go func() {
			for {
				select {
				case <-sess.Context().Done():
					prog.Quit()
					return
				case w := <-windows:
					prog.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
				}
			}
		}()
		if _, err := prog.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
			s.o.Logger.Warn("ssh: screen ended", "operator", op.Name, "err", err)
		}
		prog.Kill()
		s.o.Logger.Info("ssh: operator out", "operator", op.Name)
		next(sess)
	}
}

// acquire takes one of MaxSessions places.
func (s *Server) acquire() (release func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions >= s.o.MaxSessions || s.screens == nil {
		return nil, false
	}
	s.sessions++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.sessions--
			s.mu.Unlock()
		})
	}, true
}

// hostKey reads the host key at path, or makes one there (ed25519,
// owner-only) the first time, so operators' known_hosts stay true from
// one night to the next. A key others can read is refused, as sshd does.
func hostKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("ssh host key: %w", err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("ssh host key %s: others can read it (%04o): chmod 600 %s", path, fi.Mode().Perm(), path)
		}
		if _, err := gossh.ParsePrivateKey(data); err != nil {
			return nil, fmt.Errorf("ssh host key %s: %w", path, err)
		}
		return data, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("ssh host key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "cutover war room")
	if err != nil {
		return nil, err
	}
	data = pem.EncodeToMemory(block)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("ssh host key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("ssh host key: %w", err)
	}
	return data, f.Close()
}
