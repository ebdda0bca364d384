package session

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

// The control socket lets `cutover act` record into the recording a
// running watch writes. The store has one writer, the watch; so act hands
// each audit step to the watch over a Unix socket next to the recording
// (FILE.db.ctl, owner-only), and the watch's pipeline records and folds it
// like an action taken on its own screen. One JSON event a line; the watch
// answers "ok" once the event is committed to the recording (a kill -9
// of the watch cannot lose it), or "error: why" (refused, or not
// committed within controlCommit: a full disk, say; it may still be
// recorded later).

// ControlPath is the socket of the watch writing db.
func ControlPath(db string) string { return db + ".ctl" }

// ErrAnotherWatch: a live watch already serves the recording's socket.
var ErrAnotherWatch = errors.New("another cutover watch is writing")

// controlSkew is how far an event's time may be from the watch's clock.
const controlSkew = time.Hour

// controlTimeout bounds one exchange on the control socket.
const controlTimeout = 10 * time.Second

// controlCommit bounds how long the watch waits for an event's commit
// before it answers an error: well inside the client's controlTimeout.
const controlCommit = 5 * time.Second

// serveControl listens on db's control socket until ctx ends, handing
// every valid action or port-state event to publish. A socket left by a watch that died
// is replaced; a live one (another watch on the same file) is an error.
// A sweeper, when not nil, also serves SweepVerb (`cutover sweep`).
//
// latest gives the watch's latest snapshot, for HealthVerb (`cutover act`).
func serveControl(ctx context.Context, db string, publish func(context.Context, monitor.Event) error, sweeper *Sweeper,
	latest func() *monitor.Snapshot, logger *slog.Logger) (func(), error) {
	path := ControlPath(db)
	if err := store.CheckOwner(path); err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("control socket %s: %w %s", path, ErrAnotherWatch, db)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	old := syscall.Umask(0o077) // owner-only from the start: whoever can write here can record actions
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		ln.Close() // also removes the socket file
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveControlConn(ctx, c, publish, sweeper, latest, logger)
			}()
		}
	}()
	return func() { cancel(); wg.Wait() }, nil
}

func serveControlConn(ctx context.Context, c net.Conn, publish func(context.Context, monitor.Event) error, sweeper *Sweeper,
	latest func() *monitor.Snapshot, logger *slog.Logger) {
	defer c.Close()
	go func() { <-ctx.Done(); c.SetDeadline(time.Now()) }()
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if isHealthRequest(sc.Bytes()) {
			b, _ := json.Marshal(healthOf(latest()))
			if _, err := fmt.Fprintf(c, "%s\n", b); err != nil {
				return
			}
			continue
		}
		if req, ok := sweepRequest(sc.Bytes()); ok {
			if sweeper == nil {
				fmt.Fprintln(c, `{"Error":"this watch has no probes to sweep with"}`)
				continue
			}
			logger.Info("sweep started from cutover sweep", "target", req.Target)
			sweeper.serveSweep(ctx, req, c)
			continue
		}
		reply := "ok"
		ev, err := controlEvent(sc.Bytes())
		if err == nil {
			cctx, cancel := context.WithTimeout(ctx, controlCommit)
			err = publish(cctx, ev)
			cancel()
		}
		if err != nil {
			reply = "error: " + strings.ReplaceAll(err.Error(), "\n", " ")
			logger.Warn("control socket: event refused", "err", err)
		} else if ev.Action != nil {
			logger.Info("action recorded from cutover act", "id", ev.Action.ID, "state", ev.Action.State)
		} else {
			logger.Info("port state set by hand", "number", ev.Port.Number, "state", ev.Port.State, "by", ev.Port.By)
		}
		if _, err := fmt.Fprintln(c, reply); err != nil {
			return
		}
	}
}

// sweepRequest reads a line that asks for a sweep (SweepVerb).
func sweepRequest(line []byte) (SweepRequest, bool) {
	var req SweepRequest
	return req, json.Unmarshal(line, &req) == nil && req.Verb == SweepVerb
}

// controlEvent reads one line: an action event or an operator's port
// state (`cutover port set`), nothing else (the socket records what
// operators do, never traffic).
func controlEvent(line []byte) (monitor.Event, error) {
	var ev monitor.Event
	if err := json.Unmarshal(line, &ev); err != nil {
		return ev, fmt.Errorf("not an event: %w", err)
	}
	if d := time.Since(time.Unix(0, ev.Time)); ev.Time <= 0 || d > controlSkew || d < -controlSkew {
		return ev, fmt.Errorf("the event's time is not now (off by %s): the fold's clock is the night's", d.Round(time.Second))
	}
	switch {
	case ev.Kind == monitor.KindPortState:
		return validPortEvent(ev)
	case ev.Kind != monitor.KindAction || ev.Action == nil || ev.Action.ID == "":
		return ev, errors.New("only action and port-state events are recorded through the control socket")
	}
	return monitor.Event{Time: ev.Time, Kind: monitor.KindAction, Source: monitor.SourceOperator, Action: ev.Action}, nil
}

// ControlClient records events through a running watch.
type ControlClient struct {
	c  net.Conn
	rd *bufio.Reader
}

// DialControl connects to the control socket of the watch writing db.
func DialControl(db string) (*ControlClient, error) {
	// Only a watch of this user records: a socket someone else left in a
	// shared directory could take the audit and drop it.
	fi, err := os.Lstat(ControlPath(db))
	if err != nil {
		return nil, err
	}
	if store.CheckOwner(ControlPath(db)) != nil || fi.Mode()&fs.ModeSocket == 0 {
		return nil, fmt.Errorf("%s is not a socket of this user's watch", ControlPath(db))
	}
	c, err := net.DialTimeout("unix", ControlPath(db), 2*time.Second)
	if err != nil {
		return nil, err
	}
	return &ControlClient{c: c, rd: bufio.NewReader(c)}, nil
}

// Record sends one event and waits for the watch to commit it.
func (cc *ControlClient) Record(ev monitor.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	cc.c.SetDeadline(time.Now().Add(controlTimeout))
	if _, err := cc.c.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("recording through the watch: %w", err)
	}
	line, err := cc.rd.ReadString('\n')
	if err != nil {
		return fmt.Errorf("recording through the watch: no answer: %w", err)
	}
	if line = strings.TrimSpace(line); line != "ok" {
		return fmt.Errorf("recording through the watch: %s", strings.TrimPrefix(line, "error: "))
	}
	return nil
}

// Close hangs up.
func (cc *ControlClient) Close() error { return cc.c.Close() }
