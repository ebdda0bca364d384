package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
)

// reqPort sets port states by hand: Target a number, a PREFIX* or a port
// request id, To the state (session.PortVerb).
const reqPort = "port"

// portStates are the states p offers, in the port's order.
var portStates = []monitor.PortState{
	monitor.PortPending, monitor.PortApproved, monitor.PortInProgress,
	monitor.PortCompleted, monitor.PortDenied, monitor.PortCancelled,
}

// portTarget is what p can set: its name for the Actor and for the
// operator.
type portTarget struct{ target, label string }

// portKey sets the port state of the number selected in the numbers pane
// (the default), of the numbers the pane's filter names (+1415555* or a
// port request id), or of the selected number's port request. The
// dialog offers each state for each target, saying how many numbers it
// sets; nothing changes before y.
func (m *Model) portKey() tea.Cmd {
	targets := m.portTargets()
	if len(targets) == 0 {
		m.setStatus("p: select a number in the numbers pane, or filter it by +PREFIX* or a port request id", false)
		return nil
	}
	choices := make([]choice, 0, len(targets)*len(portStates))
	for _, t := range targets {
		for _, s := range portStates {
			label := string(s)
			if len(targets) > 1 {
				label += " · " + t.label
			}
			choices = append(choices, choice{label: label, reqs: []ActionRequest{{Type: reqPort, Target: t.target, To: string(s)}}})
		}
	}
	title := "PORT STATE"
	if len(targets) == 1 {
		title += " " + targets[0].label
	}
	return m.openDialog(title, choices)
}

// portTargets are what p can set from here, the selected number first.
func (m *Model) portTargets() []portTarget {
	var out []portTarget
	sel, ok := m.pickedNumber()
	if ok {
		out = append(out, portTarget{sel.E164, sel.E164 + " (now " + string(sel.PortState) + ")"})
	}
	filter := strings.TrimSpace(m.numbers.filterText())
	if f := portFilter(filter); f != "" {
		if n := m.portCount(f); n > 1 || (n == 1 && !(ok && portCovers(f, &sel))) {
			out = append(out, portTarget{f, f + " (" + plural(n, "number") + ")"})
		}
	}
	if ok && sel.PortRequestID != "" && sel.PortRequestID != filter {
		n := m.portCount(sel.PortRequestID)
		out = append(out, portTarget{sel.PortRequestID, "port request " + sel.PortRequestID + " (" + plural(n, "number") + ")"})
	}
	return out
}

// portFilter is the target a numbers filter names: a number or its
// prefix typed with or without * (+1415555 → +1415555*), or what may be
// a port request id ("" for anything else).
func portFilter(f string) string {
	digits := strings.TrimSuffix(strings.TrimPrefix(f, "+"), "*")
	if strings.HasPrefix(f, "+") && digits != "" && strings.Trim(digits, "0123456789") == "" {
		return "+" + digits + "*"
	}
	if f == "" || strings.ContainsAny(f, " *") {
		return ""
	}
	return f
}

// portCount is how many numbers of the snapshot target names, as the
// Actor resolves it: a PREFIX*, a port request id, or one number.
func (m *Model) portCount(target string) int {
	if m.snap == nil {
		return 0
	}
	n := 0
	for i := range m.snap.Numbers {
		if portCovers(target, &m.snap.Numbers[i]) {
			n++
		}
	}
	return n
}

// portCovers says whether target names v.
func portCovers(target string, v *monitor.NumberView) bool {
	if pre, ok := strings.CutSuffix(target, "*"); ok {
		return strings.HasPrefix(v.E164, pre)
	}
	return v.PortRequestID == target || v.E164 == target
}
