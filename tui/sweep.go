package tui

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
)

// Sweeper starts a test-call sweep in the running watch (monitor/session's
// Sweeper). The sweep's events reach the screen through the fold, like
// everything else; the screen only starts it.
type Sweeper interface {
	// SweepTitle says what a sweep of numbers would do (how many, at
	// what rate, from which number), or why it cannot run.
	SweepTitle(numbers []string) (string, error)
	// StartSweep starts it in the background and returns its ID.
	StartSweep(numbers []string) (string, error)
}

// sweepStartedMsg is the outcome of starting a sweep.
type sweepStartedMsg struct {
	id  string
	err error
}

// sweepKey asks y/N for a sweep of the numbers the numbers pane shows:
// those its filter matches, or every number.
func (m *Model) sweepKey() tea.Cmd {
	if m.o.Sweeper == nil {
		return nil
	}
	nums := m.numbers.shown()
	if len(nums) == 0 {
		m.setStatus("T: no number to sweep (the filter matches none)", false)
		return nil
	}
	title, err := m.o.Sweeper.SweepTitle(nums)
	if err != nil {
		m.setStatus("T: "+err.Error(), false)
		return nil
	}
	m.sweepNums = nums
	m.openPrompt(promptSweep)
	m.prompt.question = title
	return nil
}

// startSweep starts the confirmed sweep in a command.
func (m *Model) startSweep() tea.Cmd {
	sw, nums := m.o.Sweeper, m.sweepNums
	m.sweepNums = nil
	m.setNotice("sweep of "+plural(len(nums), "number")+" starting…", flashBusy)
	return func() tea.Msg {
		id, err := sw.StartSweep(nums)
		return sweepStartedMsg{id: id, err: err}
	}
}

func (m *Model) sweepStarted(msg sweepStartedMsg) {
	if msg.err != nil {
		m.setNotice("sweep not started: "+msg.err.Error(), flashError)
		return
	}
	m.sweepID = msg.id
}

// sweepProgress shows the sweep started here: n of N and the verdicts
// while it runs, the outcome when it is done.
func (m *Model) sweepProgress(snap *monitor.Snapshot) {
	if m.sweepID == "" {
		return
	}
	for _, v := range snap.Sweeps {
		if v.ID != m.sweepID {
			continue
		}
		n := "sweep " + strconv.Itoa(v.Done()) + "/" + strconv.Itoa(v.Total)
		switch {
		case !v.Finished():
			m.setNotice(n+": "+sweepCounts(v), flashBusy)
		case v.New == v.Total:
			m.setNotice(n+" done: every number landed on new", flashInfo)
			m.sweepID = ""
		default: // short enough for 80 columns: the filter /landed_legacy (…) lists them all
			m.setNotice(n+" done: "+strconv.Itoa(v.New)+" new, "+strconv.Itoa(v.Total-v.New)+" not: "+notOnNew(snap, v.ID), flashError)
			m.sweepID = ""
		}
	}
}

// sweepNamed bounds the numbers the notice names.
const sweepNamed = 3

// notOnNew names the numbers of sweep id whose verdict is not landed on
// new, the first sweepNamed of them (the sweep column, from 150 columns,
// shows every verdict; the numbers filter finds them by verdict).
func notOnNew(snap *monitor.Snapshot, id string) string {
	var out []string
	more := 0
	for _, n := range snap.Numbers {
		if n.SweepIn.Sweep != id || n.SweepIn.Verdict == monitor.SweepLandedNew {
			continue
		}
		if len(out) == sweepNamed {
			more++
			continue
		}
		out = append(out, n.E164)
	}
	s := strings.Join(out, " ")
	if more > 0 {
		s += " +" + strconv.Itoa(more)
	}
	return s
}

// sweepMatches says whether filter q (lower case) is part of a number's
// latest sweep verdict, in or out (/landed_legacy lists the zombies).
func sweepMatches(n *monitor.NumberView, q string) bool {
	return n.SweepIn.Verdict != "" && strings.Contains(string(n.SweepIn.Verdict), q) ||
		n.SweepOut.Verdict != "" && strings.Contains(string(n.SweepOut.Verdict), q)
}

func sweepCounts(v monitor.SweepView) string {
	parts := []string{"new " + strconv.Itoa(v.New), "legacy " + strconv.Itoa(v.Legacy),
		"never " + strconv.Itoa(v.Never), "failed " + strconv.Itoa(v.Failed)}
	if v.Unplaced > 0 {
		parts = append(parts, "not called "+strconv.Itoa(v.Unplaced))
	}
	return strings.Join(parts, " ")
}

// shown is the E.164 of every row the pane shows (its filter applied).
func (p *numbersPane) shown() []string {
	out := make([]string, len(p.rows))
	for i, r := range p.rows {
		out[i] = p.all[r].E164
	}
	return out
}

// sweepCell is a number's latest sweep verdict in the numbers table
// (plain text only with st nil).
func sweepCell(st *Styles, r monitor.SweepResult) cell {
	t, good := "", false
	switch r.Verdict {
	case monitor.SweepLandedNew:
		t, good = "new", true
	case monitor.SweepLandedLegacy:
		t = "LEGACY"
	case monitor.SweepNeverArrived:
		t = "never"
	case monitor.SweepFailed:
		t = "fail"
		if r.Code > 0 {
			t += " " + strconv.Itoa(r.Code)
		}
	default:
		return cell{text: "—"}
	}
	switch {
	case st == nil:
		return cell{text: t}
	case good:
		return cell{t, st.OK.Render(t)}
	}
	return cell{t, st.Bad.Render(t)}
}
