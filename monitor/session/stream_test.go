package session

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/natsbus"
)

// natsd runs an embedded nats-server with JetStream on 127.0.0.1 for
// the test, holding the stream of the cutover named "T".
func natsd(t *testing.T) *server.Server {
	t.Helper()
	s := lab.NATSD(t, t.TempDir(), 0)
	p, err := natsbus.NewPublisher(context.Background(), natsbus.PublishOptions{URL: s.ClientURL(), Stream: natsbus.StreamName("T")})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(context.Background()); err != nil { // the stream is made; the publisher gone
		t.Fatal(err)
	}
	return s
}

// A watch --from that fails after it has connected to the stream (here
// its recording cannot be opened) closes its connection: the server is
// left with no client.
func TestWatchFromClosesItsConnectionOnAFailure(t *testing.T) {
	s := natsd(t)
	f := &config.File{Path: "test", Cutover: monitor.Config{Name: "T"}}
	db := filepath.Join(t.TempDir(), "no such directory", "x.db")
	_, err := Watch{File: f, DB: db, From: &StreamFrom{URL: s.ClientURL()}, Session: RunOptions{Headless: true}}.Run(context.Background())
	if err == nil {
		t.Fatal("a watch recording into a missing directory started")
	}
	lab.WaitFor(t, "the watch's connection closed", func() bool { return s.NumClients() == 0 })
}
