package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cutover/cutover/monitor"
)

// A running `cutover watch` takes the action events of `cutover act` over
// a unix socket beside its recording (FILE.db.act, mode 0600) and
// publishes them into its own pipeline, so the recording keeps a single
// writer. One JSON event a line; the watch answers each with "ok" once the
// event is queued for the writer, or with why not.

// actSocket is the socket of the watch recording to db.
func actSocket(db string) string {
	if abs, err := filepath.Abs(db); err == nil {
		db = abs
	}
	return db + ".act"
}

// actRelayTimeout bounds one event's round trip through the watch.
const actRelayTimeout = 30 * time.Second

// serveActRelay accepts `cutover act`'s action events for the recording db
// until ctx ends, and publishes them with publish (which must not drop an
// event). The returned stop closes the socket and waits. When another
// watch answers on it, or the socket cannot be made, it logs why and
// serves nothing (act then refuses the recording, as before).
func serveActRelay(ctx context.Context, db string, publish func(context.Context, monitor.Event) error, logger *slog.Logger) (stop func()) {
	path := actSocket(db)
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		logger.Warn("another watch takes actions for this recording", "socket", path)
		return func() {}
	}
	_ = os.Remove(path) // left by a watch that did not stop cleanly
	ln, err := net.Listen("unix", path)
	if err != nil {
		logger.Warn("cutover act cannot record through this watch", "err", err)
		return func() {}
	}
	if err := os.Chmod(path, 0o600); err != nil {
		logger.Warn("act socket", "err", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { relayConn(ctx, conn, publish) })
		}
	})
	return func() {
		cancel()
		ln.Close()
		wg.Wait()
	}
}

// relayConn publishes one act's events, answering each.
func relayConn(ctx context.Context, conn net.Conn, publish func(context.Context, monitor.Event) error) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	dec := json.NewDecoder(conn)
	for {
		var ev monitor.Event
		if err := dec.Decode(&ev); err != nil {
			return
		}
		reply := "ok"
		switch {
		case ev.Kind != monitor.KindAction || ev.Action == nil:
			reply = "refused: only action events"
		default:
			if err := publish(ctx, ev); err != nil {
				reply = err.Error()
			}
		}
		if _, err := fmt.Fprintln(conn, reply); err != nil {
			return
		}
	}
}

// errNoWatch: no watch takes actions for the recording.
var errNoWatch = errors.New("no running watch takes actions for this recording")

// dialActRelay connects to the watch recording db; record sends an event
// through it and returns once the watch has queued it for its writer.
func dialActRelay(db string) (record func(monitor.Event) error, closeFn func(), err error) {
	conn, err := net.DialTimeout("unix", actSocket(db), time.Second)
	if err != nil {
		return nil, nil, errNoWatch
	}
	rd := bufio.NewReader(conn)
	var mu sync.Mutex
	record = func(ev monitor.Event) error {
		mu.Lock()
		defer mu.Unlock()
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		_ = conn.SetDeadline(time.Now().Add(actRelayTimeout))
		if _, err := conn.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("record through the watch: %w", err)
		}
		line, err := rd.ReadString('\n')
		if err != nil {
			return fmt.Errorf("record through the watch: %w", err)
		}
		if line = strings.TrimSpace(line); line != "ok" {
			return fmt.Errorf("the watch did not record the action: %s", line)
		}
		return nil
	}
	return record, func() { conn.Close() }, nil
}
