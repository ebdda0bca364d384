package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
)

// TestCaller places a test call to a ported number (monitor/probe's
// Prober.TestCall). The call's messages and result reach the screen as
// events, like everything else; the screen only starts it.
type TestCaller func(ctx context.Context, e164 string) error

// testCallTimeout bounds a test call started from the screen.
const testCallTimeout = 90 * time.Second

// testCallDoneMsg says a test call started with `t` has ended.
type testCallDoneMsg struct {
	number string
	err    error
}

// testCall starts a test call to the selected number in a command (never
// in Update) and notes that it is under way.
func (m *Model) testCall() tea.Cmd {
	n, ok := m.numbers.selected()
	if !ok || m.o.TestCall == nil {
		return nil
	}
	call, number := m.o.TestCall, n.E164
	m.setNotice("test call to "+number+"…", flashBusy)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), testCallTimeout)
		defer cancel()
		return testCallDoneMsg{number: number, err: call(ctx, number)}
	}
}

// testCallDone shows how the call ended; the details are in the feed.
func (m *Model) testCallDone(msg testCallDoneMsg) {
	if msg.err != nil {
		m.setNotice("test call to "+msg.number+" failed: "+msg.err.Error(), flashError)
		return
	}
	m.setNotice("test call to "+msg.number+" done (see the feed)", flashInfo)
}
