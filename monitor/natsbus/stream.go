package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Duplicates is the stream's deduplication window: a message whose
// Nats-Msg-Id the stream has seen within it is acknowledged as a
// duplicate and not stored again. A collector restarted and resending
// within it doubles nothing; the consumer deduplicates again beyond it.
const Duplicates = 2 * time.Minute

// StreamConfig is the stream a cutover's events go to: on disk, every
// event kept (limits by age and bytes are the operator's: see the
// README), deduplicated by id within Duplicates, replicated replicas
// times (1 on a single server, 3 on a 3-node cluster).
func StreamConfig(stream string, replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name: stream, Subjects: []string{Subject(stream)},
		Storage: jetstream.FileStorage, Duplicates: Duplicates, Replicas: max(replicas, 1),
	}
}

// dial connects to servers and opens JetStream, retrying the connection
// for ever once made (a restarted server is reconnected to). more are
// options of the connection beyond these.
func dial(ctx context.Context, servers, name string, logger *slog.Logger, more []nats.Option, opts ...jetstream.JetStreamOpt) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(servers, append([]nats.Option{nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(false), nats.Timeout(5 * time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: our own Close
				logger.Warn("nats: disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { logger.Info("nats: reconnected", "server", c.ConnectedUrlRedacted()) })}, more...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("nats %s: %w", servers, err)
	}
	js, err := jetstream.New(nc, opts...)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("nats %s: jetstream: %w", servers, err)
	}
	if _, err := js.AccountInfo(ctx); err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("nats %s: JetStream not available (run nats-server with -js): %w", servers, err)
	}
	return nc, js, nil
}

// ensureStream makes the stream if it does not exist yet; one that
// exists is used as it is (its replicas and limits are the operator's).
func ensureStream(ctx context.Context, js jetstream.JetStream, stream string, replicas int) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, stream)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	s, err = js.CreateStream(ctx, StreamConfig(stream, replicas))
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) { // another collector made it first
		return js.Stream(ctx, stream)
	}
	if err != nil {
		return nil, fmt.Errorf("create stream %s: %w", stream, err)
	}
	return s, nil
}
