package tui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

// foldedSnapshot folds a short simulated night up to just after a minute's
// edge (where answers of the minute before land) and snapshots it.
func foldedSnapshot(t *testing.T) *monitor.Snapshot {
	t.Helper()
	o := sim.DefaultOptions()
	o.Seed, o.Numbers, o.Length, o.CallsPerNumberHour = 7, 30, 40*time.Minute, 40
	st := monitor.NewState(sim.Config(o))
	stop := o.Start.Add(23*time.Minute + 3*time.Second).UnixNano()
	for night := sim.New(o); ; {
		ev, ok := night.Next()
		if !ok || ev.Time > stop {
			break
		}
		if ev.SIP != nil {
			ev.SIP.Decode(sipparse.Parse)
		}
		st.Apply(ev)
		st.Drain(nil)
	}
	return st.Snapshot()
}

// detailRow is the cells of the detail view's row label, one per window.
func detailRow(t *testing.T, scr, label string) []string {
	t.Helper()
	for _, l := range strings.Split(scr, "\n") {
		if f := strings.Fields(l); len(f) == 4 && f[0] == label {
			return f[1:]
		}
	}
	t.Fatalf("no %s row in the detail:\n%s", label, scr)
	return nil
}

// TestPanesAndDetailShowTheSameKPIs: for every window, what the trunks
// and numbers panes show of a trunk or number (calls/min, calls, ASR,
// NER) is what its detail view shows in that window's column, and the
// detail's answered/completed never exceeds its attempts.
func TestPanesAndDetailShowTheSameKPIs(t *testing.T) {
	t.Parallel()
	snap := foldedSnapshot(t)
	m := newTestModel(t, Options{}, 200, 60)
	m = send(m, SnapshotMsg{Snap: snap, Stats: testStats()})
	for w := range monitor.Windows {
		m.c.win = w
		for i := range snap.Trunks {
			tr := &snap.Trunks[i]
			d := screen(send(m, openDetailMsg{kind: detailTrunk, id: tr.Name}))
			for label, id := range map[string]int{"calls/min": tcCPM, "ASR": tcASR, "NER": tcNER} {
				if pane, det := m.trunks.cell(tr, column{id: id}).text, detailRow(t, d, label)[w]; pane != det {
					t.Errorf("trunk %s, %v: the pane shows %s %s, the detail %s", tr.Name, monitor.Windows[w], label, pane, det)
				}
			}
			checkAnswered(t, "trunk "+tr.Name, d, w)
		}
		for i := range snap.Numbers {
			n := &snap.Numbers[i]
			d := screen(send(m, openDetailMsg{kind: detailNumber, id: n.E164}))
			for label, id := range map[string]int{"attempts": ncCalls, "ASR": ncASR} {
				if pane, det := m.numbers.cell(n, column{id: id}).text, detailRow(t, d, label)[w]; pane != det {
					t.Errorf("number %s, %v: the pane shows %s %s, the detail %s", n.E164, monitor.Windows[w], label, pane, det)
				}
			}
			checkAnswered(t, "number "+n.E164, d, w)
		}
	}
}

// checkAnswered: the detail's answered/completed of window w is within
// its attempts.
func checkAnswered(t *testing.T, what, scr string, w int) {
	t.Helper()
	attempts, _ := strconv.Atoi(detailRow(t, scr, "attempts")[w])
	a, c, _ := strings.Cut(detailRow(t, scr, "answered")[w], "/")
	answered, _ := strconv.Atoi(a)
	completed, _ := strconv.Atoi(c)
	if answered > completed || completed > attempts {
		t.Errorf("%s, %v: answered %d/%d beside %d attempts", what, monitor.Windows[w], answered, completed, attempts)
	}
}
