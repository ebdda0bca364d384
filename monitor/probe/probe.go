// Package probe runs cutover's active probes with sipgo: OPTIONS health per
// trunk (RTT, up/down after consecutive-failure thresholds, as Kamailio's
// dispatcher does), REGISTER with digest authentication and refresh from
// the granted expiry, and test calls to ported numbers.
//
// Probes produce events like every other source: each SIP message a probe
// sends or receives becomes a KindSIP event (Source "probe") so the fold
// reads it exactly as observed traffic, followed by the probe's own
// conclusion (KindProbe, KindRegistration) where the fold needs it: a
// timeout has no message, and up/down honours the thresholds.
package probe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"golang.org/x/sync/errgroup"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
)

// Options configure a Prober. Zero values take the defaults.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Timeout bounds one OPTIONS or REGISTER transaction (default 5s, at
	// most the OPTIONS interval); no final answer by then is a 408.
	Timeout time.Duration
	// RetryAfter is the pause before a failed registration is tried again
	// (default 30s).
	RetryAfter time.Duration
	// AnswerTimeout bounds a test call's wait for a final answer before it
	// is cancelled (default 30s); HoldFor is how long an answered test call
	// stays up before its BYE (default 2s).
	AnswerTimeout, HoldFor time.Duration
}

// Prober owns one SIP user agent and runs every configured probe on it.
type Prober struct {
	f    *config.File
	opts Options
	log  *slog.Logger

	laddr   sip.Addr // the UDP socket every UDP probe goes out of (zero: any)
	mu      sync.Mutex
	client  *sipgo.Client
	publish func(monitor.Event) bool
	ready   chan struct{}
}

// New prepares the probes of f; Run starts them.
func New(f *config.File, opts Options) *Prober {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if iv := f.Probes.OptionsInterval; iv > 0 && opts.Timeout > iv {
		opts.Timeout = iv
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = 30 * time.Second
	}
	if opts.AnswerTimeout <= 0 {
		opts.AnswerTimeout = 30 * time.Second
	}
	if opts.HoldFor <= 0 {
		opts.HoldFor = 2 * time.Second
	}
	return &Prober{f: f, opts: opts, log: opts.Logger, ready: make(chan struct{})}
}

// Run starts the user agent and every probe, publishing their events,
// until ctx ends. It returns nil when ctx ends, or the first setup error.
func (p *Prober) Run(ctx context.Context, publish func(monitor.Event) bool) error {
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("cutover-probe"), // sipgo logs through our logger, never the terminal
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(p.log)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(p.log)))
	if err != nil {
		return fmt.Errorf("probe: user agent: %w", err)
	}
	defer ua.Close()
	copts := []sipgo.ClientOption{sipgo.WithClientLogger(p.log)}
	if la := p.f.Probes.LocalAddr; la != "" {
		stop, err := p.listen(ua, la)
		if err != nil {
			return err
		}
		defer stop()
		if host, _, err := net.SplitHostPort(la); err == nil && host != "" && host != "0.0.0.0" && host != "::" {
			copts = append(copts, sipgo.WithClientHostname(host))
		}
	}
	client, err := sipgo.NewClient(ua, copts...)
	if err != nil {
		return fmt.Errorf("probe: client: %w", err)
	}
	defer client.Close()
	p.mu.Lock()
	p.client, p.publish = client, publish
	close(p.ready)
	p.mu.Unlock()

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { <-gctx.Done(); return nil }) // the user agent serves TestCall until ctx ends, probes or not
	for i := range p.f.Trunks {
		tr := p.f.Trunks[i]
		if p.f.Probes.OptionsInterval > 0 && tr.URI != "" {
			g.Go(func() error { p.optionsLoop(gctx, tr); return nil })
		}
		if tr.Register != nil {
			g.Go(func() error { p.registerLoop(gctx, tr); return nil })
		}
	}
	if p.f.Probes.TestCallEvery > 0 && p.f.Probes.TestCallFrom != "" {
		g.Go(func() error { p.scheduledCalls(gctx); return nil })
	}
	return g.Wait()
}

// emit publishes one event; a full queue drops it (and the pipeline counts it).
func (p *Prober) emit(ev monitor.Event) {
	ev.Source = monitor.SourceProbe
	if !p.publish(ev) {
		p.log.Debug("probe event dropped", "kind", ev.Kind.String())
	}
}

// emitSIP publishes a message the probe sent (req) or received (res),
// with its digest credentials redacted.
func (p *Prober) emitSIP(at time.Time, msg sip.Message, src, dst netip.AddrPort, transport string) {
	if msg == nil {
		return
	}
	p.emit(monitor.Event{Time: at.UnixNano(), Kind: monitor.KindSIP, SIP: &monitor.SIPMessage{
		Src: src, Dst: dst, Transport: strings.ToLower(transport), Raw: []byte(redactCredentials(msg.String())),
	}})
}

// exchange records a request and its final response (nil when none came)
// as SIP events, with the addresses the transport used.
func (p *Prober) exchange(sent time.Time, req *sip.Request, res *sip.Response, got time.Time) {
	local, remote := addrOf(req.Source()), addrOf(req.Destination())
	if res != nil {
		if a := addrOf(res.Source()); a.IsValid() {
			remote = a
		}
		if a := addrOf(res.Destination()); a.IsValid() {
			local = a
		}
	}
	if !local.IsValid() {
		local = addrOf(p.f.Probes.LocalAddr)
	}
	p.emitSIP(sent, req, local, remote, req.Transport())
	if res != nil {
		p.emitSIP(got, res, remote, local, req.Transport())
	}
}

// received records a response on its own (a provisional, or one of
// several responses to a test call's INVITE).
func (p *Prober) received(at time.Time, req *sip.Request, res *sip.Response) {
	local, remote := addrOf(res.Destination()), addrOf(res.Source())
	if !remote.IsValid() {
		remote = addrOf(req.Destination())
	}
	if !local.IsValid() {
		local = addrOf(p.f.Probes.LocalAddr)
	}
	p.emitSIP(at, res, remote, local, req.Transport())
}

func addrOf(s string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// listen binds local_addr for UDP and serves it: every UDP probe goes out
// of this one socket (as a SIP stack does; a socket per transaction would
// collide on the port), and the far end's requests to it (OPTIONS, a BYE
// ending a test call) are answered 200.
func (p *Prober) listen(ua *sipgo.UserAgent, addr string) (func(), error) {
	conn, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("probe: local_addr: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(p.log))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("probe: server: %w", err)
	}
	ok := func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	}
	srv.OnOptions(ok)
	srv.OnBye(ok)
	go func() { _ = srv.ServeUDP(conn) }()
	la := conn.LocalAddr().(*net.UDPAddr)
	p.laddr = sip.Addr{IP: la.IP, Port: la.Port, Hostname: la.IP.String()}
	// Requests find the socket in sipgo's pool once ServeUDP has put it
	// there; before that they would try to bind the port a second time.
	for i := 0; i < 200; i++ {
		if c, _ := ua.TransportLayer().GetConnection("udp", conn.LocalAddr().String()); c != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return func() { conn.Close() }, nil
}

// target parses a trunk URI and sets the transport on a new request.
func (p *Prober) target(method sip.RequestMethod, uri, transport string) (*sip.Request, error) {
	var u sip.Uri
	if err := sip.ParseUri(uri, &u); err != nil {
		return nil, fmt.Errorf("bad uri %q: %w", uri, err)
	}
	req := sip.NewRequest(method, u)
	if transport != "" {
		req.SetTransport(strings.ToUpper(transport))
	}
	p.bind(req)
	return req, nil
}

// bind sends a UDP request out of the probes' socket.
func (p *Prober) bind(req *sip.Request) {
	if p.laddr.IP != nil && strings.EqualFold(req.Transport(), "UDP") {
		p.laddr.Copy(&req.Laddr)
	}
}

// timedOut tells a transaction that got no final answer from other errors.
func timedOut(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sip.ErrTransactionTimeout)
}

// waitReady blocks until Run has started the user agent.
func (p *Prober) waitReady(ctx context.Context) error {
	select {
	case <-p.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
