package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

type ackCall struct {
	rule    monitor.Rule
	subject string
	silence time.Duration
}

func ackModel(t *testing.T, calls *[]ackCall) Model {
	t.Helper()
	m := newTestModel(t, Options{Ack: func(_ int64, r monitor.Rule, s string, d time.Duration) error {
		*calls = append(*calls, ackCall{r, s, d})
		return nil
	}}, 120, 30)
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: testStats()})
	m.focus = focusAlerts
	m.syncKeys()
	return m
}

// A on the alert under the cursor opens a prompt that names it: Enter
// acknowledges, a duration silences, 0 lifts a silence, and a bad
// duration is refused in the status line, recording nothing.
func TestAckKeyAcknowledgesOrSilences(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		typed string
		want  []ackCall
	}{
		{"", []ackCall{{"codec488", "new-b", 0}}},
		{"30m", []ackCall{{"codec488", "new-b", 30 * time.Minute}}},
		{"0", []ackCall{{"codec488", "new-b", -1}}},
		{"soon", nil},
		{"48h", nil},
	} {
		var calls []ackCall
		m := press(ackModel(t, &calls), "A")
		mustContain(t, screen(m), "codec488 new-b silence for")
		m = press(typeText(m, c.typed), "enter")
		if len(calls) != len(c.want) || len(c.want) == 1 && calls[0] != c.want[0] {
			t.Errorf("typed %q: recorded %+v, want %+v", c.typed, calls, c.want)
		}
		if c.want == nil {
			mustContain(t, screen(m), "a silence is a duration")
		}
	}
}

// A needs an open alert under the cursor: on a closed one, or with
// another pane focused, it says so.
func TestAckNeedsAnOpenAlert(t *testing.T) {
	t.Parallel()
	var calls []ackCall
	m := ackModel(t, &calls)
	m.focus = focusNumbers
	m = press(m, "A")
	mustContain(t, screen(m), "tab to the alerts pane")
	m.focus = focusAlerts
	m = press(m, "down", "down", "A") // the third alert is closed
	m = press(m, "enter")
	if len(calls) != 0 {
		t.Fatalf("a closed alert was acknowledged: %+v", calls)
	}
	mustContain(t, screen(m), "A acknowledges an open alert")
}

// An acknowledged or silenced alert shows who has it, and leaves the
// header's count: the header counts what nobody has in hand.
func TestAttendedAlertsLeaveTheHeaderCount(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 160, 30)
	snap := testSnapshot()
	snap.Alerts[0].Acked, snap.Alerts[0].AckedBy = t0, "ana@noc1"
	snap.Alerts[1].SilencedUntil, snap.Alerts[1].SilencedBy = t0+int64(time.Hour), "bo@noc2"
	m = send(m, SnapshotMsg{Snap: snap, Stats: testStats()})
	scr := screen(m)
	mustNotContain(t, strings.Split(scr, "\n")[0], "CRIT", "WARN")
	mustContain(t, lineWith(t, scr, "codec488"), "crit ✓ codec488", "✓ ana · 10 of 60")
	mustContain(t, lineWith(t, scr, "zombie"), "warn z zombie")
	mustContain(t, lineWith(t, scr, "zombie"), "zz "+clock(t0+int64(time.Hour), "15:04")+" bo · port")
	mustContain(t, scr, "2 open (2 in hand)")
}

// The alerts an operator's failover causes fold into one row under it,
// out of the header's count; Enter on the row opens the action.
func TestAlertsCausedByAnActionFoldIntoOneRow(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 300, 30)
	snap := testSnapshot()
	closed := snap.Alerts[2:] // the fold lists an action's effects after the other open alerts, before the closed ones
	snap.Alerts = snap.Alerts[:2:2]
	for _, c := range []struct{ rule, num string }{{"split_brain", "+15551230001"}, {"split_brain", "+15551230003"}, {"zombie", "+15551230009"}} {
		snap.Alerts = append(snap.Alerts, monitor.AlertView{AlertChange: monitor.AlertChange{Rule: monitor.Rule(c.rule), Subject: c.num,
			Open: true, Severity: monitor.SevCritical, Message: "calls via legacy-a", CausedBy: "f1"}, Opened: t0 - 6e10})
	}
	snap.Alerts = append(snap.Alerts, closed...)
	snap.Actions = []monitor.ActionView{{ActionRecord: monitor.ActionRecord{ID: "f1", Type: "failover", Target: "sbc-srv",
		State: monitor.ActionVerified, Operator: "Dana (dana@noc)"}, Requested: t0 - 9e10}}
	m = send(m, SnapshotMsg{Snap: snap, Stats: testStats()})
	scr := screen(m)
	mustContain(t, lineWith(t, scr, "effect"), "info", "f1", "intended effect of f1: 3 alerts (split_brain ×2, zombie ×1)")
	mustNotContain(t, scr, "+15551230009")
	mustContain(t, strings.Split(scr, "\n")[0], "▲ 1 CRIT · 1 WARN") // codec488 and zombie +…0002, as before
	mustContain(t, scr, "5 open (3 in hand) · 1 closed")
	m.focus = focusAlerts
	m = press(m, "down", "down", "enter") // codec488, zombie, then the effect row
	mustContain(t, screen(m), "failover", "sbc-srv", "Dana")
}

// An SSH operator's screen says whose it is, from 100 columns.
func TestHeaderNamesTheOperator(t *testing.T) {
	t.Parallel()
	for w, shown := range map[int]bool{80: false, 120: true} {
		m := newTestModel(t, Options{Operator: "Ana (noc)"}, w, 30)
		m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: testStats()})
		if got := strings.Contains(strings.Split(screen(m), "\n")[0], "as Ana (noc)"); got != shown {
			t.Errorf("%d columns: header names the operator %v, want %v:\n%s", w, got, shown, screen(m))
		}
	}
}
