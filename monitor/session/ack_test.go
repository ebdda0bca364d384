package session

import (
	"context"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
)

// An acknowledgement and a silence from the screen are committed to the
// recording before the screen is told, and a replay of it folds them: the
// alert is in the operator's hands there too.
func TestAcksAreRecordedAndReplayed(t *testing.T) {
	path := t.TempDir() + "/ack.db"
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const num = "+14155550101"
	cfg := monitor.Config{Name: "acks", Numbers: []monitor.Number{{E164: num, PortState: monitor.PortApproved}}}
	if _, err := st.BeginCutover(cfg, "live", time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	w := store.NewWriter(st, store.WriterOptions{})
	in := NewIntake(IntakeOptions{Config: cfg, Recorder: w, Delivery: Lossless, Time: monitor.TimeTrusted})
	ack := recordAcks(in, "ana", false)
	t0 := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC).UnixNano()
	src := SourceFunc(func(ctx context.Context, in *Intake) error {
		// committed (so folded) before the operator sees the alert and acknowledges it
		if err := in.p.PublishCommitted(ctx, monitor.Event{Time: t0, Kind: monitor.KindPortState, Source: monitor.SourceOperator,
			Port: &monitor.PortChange{Number: num, State: monitor.PortDenied}}); err != nil {
			return err
		}
		if err := ack(t0+1e9, monitor.RulePortFailed, num, 0); err != nil {
			return err
		}
		if err := ack(t0+2e9, monitor.RulePortFailed, num, 30*time.Minute); err != nil {
			return err
		}
		return ack(t0+3e9, monitor.RulePortFailed, num, 13*time.Hour) // refused: longer than a night
	})
	_, err = finish(st, w, New(in, Options{Mode: tui.ModeLive, Path: path, Source: src, Headless: true}), context.Background())
	if err == nil {
		t.Fatal("a 13-hour silence was accepted")
	}
	r, err := store.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := monitor.NewState(r.Config())
	var acks int
	if err := r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if ev.Kind == monitor.KindAlertAck {
			acks++
		}
		s.Apply(ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	if acks != 2 || len(snap.Alerts) != 1 {
		t.Fatalf("%d acks recorded, alerts %+v", acks, snap.Alerts)
	}
	a := snap.Alerts[0]
	if a.Acked != t0+1e9 || a.SilencedUntil != t0+2e9+int64(30*time.Minute) || a.AckedBy == "" || a.AckedBy != a.SilencedBy {
		t.Fatalf("replayed alert: %+v", a)
	}
}
