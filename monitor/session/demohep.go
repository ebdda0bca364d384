package session

import (
	"context"
	"log/slog"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/tui"
)

// overHEP makes the demo's SIP travel as the live night's does: encoded as
// HEPv3, sent over a real UDP socket on 127.0.0.1 to a collector, decoded
// and published by it. Port changes are not SIP and are published as they
// are. It returns the feed and the collector's health for the header.
func overHEP(pacer *pipeline.Pacer, next func() (monitor.Event, bool, error), logger *slog.Logger) (Source, func() []tui.SourceStat, error) {
	col, err := hep.Listen(hep.Options{Listen: "127.0.0.1:0", Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	snd, err := hep.Dial(col.UDPAddr().String(), 1, "")
	if err != nil {
		return nil, nil, err
	}
	f := func(ctx context.Context, in *Intake) error {
		pub := in.Publish
		defer snd.Close()
		colCtx, stopCol := context.WithCancel(context.Background())
		served := make(chan struct{})
		go func() {
			defer close(served)
			_ = col.Serve(colCtx, func(ev monitor.Event) bool { return pub(ctx, ev) == nil })
		}()
		var sent uint64
		err := pacer.Play(ctx, next, func(ctx context.Context, ev monitor.Event) error {
			if ev.Kind != monitor.KindSIP {
				return pub(ctx, ev)
			}
			sent++
			return snd.Send(ev)
		})
		waitReceived(ctx, col, sent)
		stopCol()
		<-served
		if st := col.Stats(); err == nil && st.Packets < sent {
			logger.Warn("HEP packets lost on loopback", "sent", sent, "received", st.Packets)
		}
		return err
	}
	return SourceFunc(f), func() []tui.SourceStat { return []tui.SourceStat{sourceStat(col.Stats())} }, nil
}

// waitReceived gives the collector up to two seconds to read what was sent.
func waitReceived(ctx context.Context, col *hep.Collector, sent uint64) {
	deadline := time.Now().Add(2 * time.Second)
	for col.Stats().Packets < sent && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
}
