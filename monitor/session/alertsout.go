package session

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/notify"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/tui"
)

// alertsOut is a watch's [alerts]: the notifier that pushes the fold's
// alert changes out, fed by observing what the pipeline hands to the
// recorder (never from inside the fold). Its changes of health are
// recorded as notes through *in once the intake exists.
type alertsOut struct {
	n *notify.Notifier
}

// newAlertsOut is nil (and no error) when the file has no [alerts]; an
// error when the Slack webhook's or the webhook's variable is not set.
func newAlertsOut(f *config.File, recording string, in **Intake, logger *slog.Logger) (*alertsOut, error) {
	if !f.Alerts.Any() {
		return nil, nil
	}
	slack, err := config.SlackURL(f.Alerts)
	if err != nil {
		return nil, err
	}
	spec := *f.Alerts
	if spec.Webhook, err = config.WebhookURL(f.Alerts); err != nil {
		return nil, err
	}
	record := func(text string) {
		ev := monitor.Event{Time: time.Now().UnixNano(), Kind: monitor.KindNote, Source: monitor.SourceOperator,
			Note: &monitor.Note{Author: "cutover (alerts out)", Text: text}}
		if err := (*in).Record(ev); err != nil {
			logger.Warn("alerts out: note not recorded", "err", err)
		}
	}
	return &alertsOut{n: notify.New(notify.Options{Spec: spec, SlackURL: slack, Config: f.Cutover,
		Recording: recording, Logger: logger, Record: record})}, nil
}

// recorder is rec, observed: the alert changes in every batch handed to
// it are offered to the notifier first (which never blocks).
func (a *alertsOut) recorder(rec pipeline.Recorder) pipeline.Recorder {
	if a == nil {
		return rec
	}
	return alertTee{Recorder: rec, n: a.n}
}

type alertTee struct {
	pipeline.Recorder
	n *notify.Notifier
}

func (t alertTee) Append(evs []monitor.Event) error {
	t.n.Offer(evs)
	return t.Recorder.Append(evs)
}

// start delivers until the returned stop is called.
func (a *alertsOut) start() (stop func()) {
	if a == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.n.Run(ctx) }()
	return func() {
		cancel()
		<-done
		ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
		defer cancel()
		a.n.Flush(ctx) // the last moments' changes (a recovery as the watch stops)
	}
}

// flushTimeout bounds the last delivery attempt as a watch ends.
const flushTimeout = 3 * time.Second

// health is each receiver on the screen's health line: alert changes
// sent, failed requests, changes dropped.
func (a *alertsOut) health() []tui.SourceStat {
	if a == nil {
		return nil
	}
	var out []tui.SourceStat
	for _, s := range a.n.Stats() {
		out = append(out, tui.SourceStat{Name: shortNames[s.Name], State: s.State, Packets: s.Delivered, Malformed: s.Failures, Dropped: s.Dropped, Sink: true})
	}
	return out
}

// shortNames are the receivers' names in the header, which has 80
// columns for every source.
var shortNames = map[string]string{"alertmanager": "am", "webhook": "hook", "slack": "slack"}

// summary is the receivers' counts for the summary at exit.
func (a *alertsOut) summary() string {
	if a == nil {
		return ""
	}
	var parts []string
	for _, s := range a.n.Stats() {
		p := fmt.Sprintf("%s: %d alert changes delivered, %d re-posted, %d failed requests, %d dropped, %d unsent at exit", s.Name, s.Delivered, s.Resent, s.Failures, s.Dropped, s.Queued)
		if s.LastErr != "" {
			p += " (last error: " + s.LastErr + ")"
		}
		parts = append(parts, p)
	}
	return "alerts out: " + strings.Join(parts, "; ")
}
