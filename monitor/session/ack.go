package session

import (
	"context"
	"fmt"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
)

// recordAcks records the screen's acknowledgements and silences (A) by
// operator as KindAlertAck events of in, ahead of the queued traffic, and
// says done only once the event is committed, as notes are. silence 0
// acknowledges the alert's episode, > 0 silences its rule and subject for
// that long, < 0 lifts a silence. live stamps the event with the wall
// clock (a live night's event time); otherwise t, the screen's clock.
func recordAcks(in *Intake, operator string, live bool) func(t int64, rule monitor.Rule, subject string, silence time.Duration) error {
	by := action.Operator(operator)
	return func(t int64, rule monitor.Rule, subject string, silence time.Duration) error {
		if live {
			t = time.Now().UnixNano()
		}
		a := &monitor.AlertAck{Rule: rule, Subject: subject, By: by}
		switch {
		case silence > monitor.SilenceFor:
			return fmt.Errorf("a silence is at most %s", monitor.SilenceFor)
		case silence > 0:
			a.Until = t + int64(silence)
		case silence < 0:
			a.Until = t // ends now: lifted
		}
		ctx, cancel := context.WithTimeout(context.Background(), noteTimeout)
		defer cancel()
		ev := monitor.Event{Time: t, Kind: monitor.KindAlertAck, Source: monitor.SourceOperator, Ack: a}
		if err := in.p.PublishCommitted(ctx, ev); err != nil {
			return fmt.Errorf("not recorded: %w", err)
		}
		return nil
	}
}
