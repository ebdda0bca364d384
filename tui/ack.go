package tui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
)

// Acker records an operator's word on an alert at the screen's clock t:
// silence 0 acknowledges the alert's episode, > 0 silences its rule and
// subject for that long, < 0 lifts a silence. The screen calls it from a
// command, never from Update.
type Acker func(t int64, rule monitor.Rule, subject string, silence time.Duration) error

// ackKey opens the acknowledge prompt on the open alert under the cursor
// of the alerts pane.
func (m *Model) ackKey() {
	if m.focus != focusAlerts || m.showActions {
		m.setStatus("A acknowledges the alert under the cursor: tab to the alerts pane first", false)
		return
	}
	a, ok := m.alerts.selectedOpen()
	if !ok {
		m.setStatus("A acknowledges an open alert: select one in the alerts pane (a shows it)", false)
		return
	}
	m.c.ackOn = a
	m.openPrompt(promptAck)
}

// parseSilence reads the acknowledge prompt: empty acknowledges, a
// duration silences ("30m", "2h"), 0 lifts a silence.
func parseSilence(text string) (time.Duration, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(text)
	switch {
	case err != nil:
		return 0, errSilence
	case d == 0:
		return -1, nil
	case d < 0 || d > monitor.SilenceFor:
		return 0, errSilence
	}
	return d, nil
}

var errSilence = promptError("a silence is a duration such as 30m or 2h, at most " + monitor.SilenceFor.String() +
	" (0 lifts one; nothing acknowledges)")

type promptError string

func (e promptError) Error() string { return string(e) }

// submitAck records the word typed on the alert the prompt was opened on.
func (m *Model) submitAck(text string) tea.Cmd {
	d, err := parseSilence(text)
	if err != nil {
		m.setStatus(err.Error(), false)
		return nil
	}
	ack, at, a := m.o.Ack, m.c.now, m.c.ackOn
	return func() tea.Msg {
		return ackDoneMsg{alert: a, silence: d, err: ack(at, a.Rule, a.Subject, d)}
	}
}

// ackDoneMsg is the outcome of recording an acknowledgement or silence.
type ackDoneMsg struct {
	alert   monitor.AlertView
	silence time.Duration
	err     error
}

func (m *Model) ackDone(msg ackDoneMsg) {
	what := string(msg.alert.Rule) + " on " + msg.alert.Subject
	switch {
	case msg.err != nil:
		m.setStatus("not acknowledged: "+msg.err.Error(), false)
	case msg.silence > 0:
		m.setStatus(what+" silenced for "+msg.silence.String(), true)
	case msg.silence < 0:
		m.setStatus("silence on "+what+" lifted", true)
	default:
		m.setStatus(what+" acknowledged", true)
	}
}

// ackMark is what the alerts pane shows of an operator's word on an alert,
// before its message: "✓ ana " (acknowledged) or "zz 02:45 bo " (silenced
// until then).
func ackMark(a *monitor.AlertView) string {
	switch {
	case a.SilencedUntil != 0:
		return "zz " + clock(a.SilencedUntil, "15:04") + " " + shortName(a.SilencedBy) + " · "
	case a.Acked != 0:
		return "✓ " + shortName(a.AckedBy) + " · "
	}
	return ""
}

// attendedMark is the alerts pane's one-character mark of an alert in
// hand, in place of its fix key: "✓" acknowledged, "z" silenced.
func attendedMark(a *monitor.AlertView) string {
	switch {
	case a.SilencedUntil != 0:
		return "z"
	case a.Acked != 0:
		return "✓"
	}
	return ""
}

// shortName is an operator's name without the host: "ana" of "ana@noc1".
func shortName(by string) string {
	if i := strings.IndexByte(by, '@'); i > 0 {
		return by[:i]
	}
	return by
}
