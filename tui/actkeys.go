package tui

import (
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
)

// The action keys: f fails over to the legacy provider, F restores to the
// new one (each on a chosen failover target, or every one), o moves
// outbound routes to a new-role trunk, u undoes the operator's last
// action. Each opens the dialog; nothing changes before y.

// failoverKey starts a failover (typ failover) or a restore (typ restore).
func (m *Model) failoverKey(typ string) tea.Cmd {
	targets := m.o.Actor.Targets()
	if len(targets) == 0 {
		m.setStatus("no [[actions.failover]] in the config", false)
		return nil
	}
	prompted := ""
	if t, ok := m.trunks.selected(); ok && m.focus == focusTrunks {
		prompted = m.worstOpenAlert(t.Name, keyFailover)
	}
	choices := make([]choice, 0, len(targets)+1)
	for _, t := range targets {
		choices = append(choices, choice{label: t, reqs: []ActionRequest{{Type: typ, Target: t, Prompted: prompted}}})
	}
	if len(targets) > 1 {
		all := choice{label: "every target (" + strconv.Itoa(len(targets)) + ")"}
		for _, c := range choices {
			all.reqs = append(all.reqs, c.reqs...)
		}
		choices = append(choices, all)
	}
	title := "FAIL OVER to the legacy provider"
	if typ == reqRestore {
		title = "RESTORE to the new provider"
	}
	return m.openDialog(title, choices)
}

// outboundKey moves the outbound route of the selected number (numbers
// pane focused) or of every number with an open split_brain alert to a
// trunk of role new, chosen when there are several.
func (m *Model) outboundKey() tea.Cmd {
	var numbers []string
	if n, ok := m.numbers.selected(); ok && m.focus == focusNumbers {
		numbers = []string{n.E164}
	} else {
		numbers = m.openAlertSubjects(keyOutbound)
	}
	if len(numbers) == 0 {
		m.setStatus("o: select a number in the numbers pane (no "+rulesFixedBy(keyOutbound)+" alert is open)", false)
		return nil
	}
	var trunks []string
	if m.snap != nil {
		for _, t := range m.snap.Trunks {
			if t.Role == monitor.RoleNew {
				trunks = append(trunks, t.Name)
			}
		}
	}
	if len(trunks) == 0 {
		m.setStatus("o: no trunk of role new to move outbound routes to", false)
		return nil
	}
	choices := make([]choice, 0, len(trunks))
	for _, t := range trunks {
		c := choice{label: "leave by " + t}
		for _, n := range numbers {
			prompted := m.worstOpenAlert(n, keyOutbound)
			c.reqs = append(c.reqs, ActionRequest{Type: reqOutbound, Target: n, To: t, Prompted: prompted})
		}
		choices = append(choices, c)
	}
	title := "OUTBOUND " + numbers[0]
	if len(numbers) > 1 {
		title = "OUTBOUND " + strconv.Itoa(len(numbers)) + " split-brain numbers"
	}
	return m.openDialog(title, choices)
}

// undoKey undoes this operator's last action that changed something and
// still stands. An undo itself is never undone by u: fail over again.
func (m *Model) undoKey() tea.Cmd {
	rec, ok := m.lastOwnAction()
	if !ok {
		m.setStatus("u: no action of yours to undo", false)
		return nil
	}
	req := ActionRequest{Type: reqUndo, Target: rec.ID, Undo: &rec}
	return m.openDialog("UNDO "+rec.Type+" "+rec.Target+" ("+rec.ID+")", []choice{{label: rec.ID, reqs: []ActionRequest{req}}})
}

// lastOwnAction is the newest action of this operator that can be undone:
// one that changed something (a failed one with undo data changed it, and
// only its read-back failed) and still stands.
func (m *Model) lastOwnAction() (monitor.ActionRecord, bool) {
	if m.snap == nil {
		return monitor.ActionRecord{}, false
	}
	me := m.o.Actor.Operator()
	acts := m.snap.Actions
	for i := len(acts) - 1; i >= 0; i-- {
		a := acts[i].ActionRecord
		if a.Operator != me || a.Type == reqUndo || a.Undo == "" {
			continue
		}
		if slices.Contains([]monitor.ActionState{monitor.ActionDone, monitor.ActionUnverified, monitor.ActionVerified, monitor.ActionFailed}, a.State) {
			return a, true
		}
	}
	return monitor.ActionRecord{}, false
}

// The action keys named by the rule table (monitor.RuleSpec.Key): the
// alerts an action answers are those of the rules its key fixes.
const (
	keyFailover = "f"
	keyOutbound = "o"
)

// rulesFixedBy names the rules whose alerts the key fixes, for messages.
func rulesFixedBy(key string) string {
	var names []string
	for _, r := range monitor.Rules {
		if r.Key == key {
			names = append(names, string(r.Rule))
		}
	}
	return strings.Join(names, "/")
}

// worstOpenAlert is the key of the most severe open alert on subject
// among the rules the key fixes ("" for none).
func (m *Model) worstOpenAlert(subject, fixKey string) string {
	if m.snap == nil {
		return ""
	}
	best, rank := "", 0
	for _, a := range m.snap.Alerts {
		if a.Closed != 0 || a.Subject != subject || a.Rule.FixKey() != fixKey {
			continue
		}
		if r := sevRank(a.Severity); r > rank {
			best, rank = a.Key(), r
		}
	}
	return best
}

func sevRank(s monitor.Severity) int {
	switch s {
	case monitor.SevCritical:
		return 3
	case monitor.SevWarning:
		return 2
	}
	return 1
}

// openAlertSubjects are the subjects of the open alerts the key fixes.
func (m *Model) openAlertSubjects(fixKey string) []string {
	var out []string
	if m.snap == nil {
		return out
	}
	for _, a := range m.snap.Alerts {
		if a.Closed == 0 && a.Rule.FixKey() == fixKey && !slices.Contains(out, a.Subject) {
			out = append(out, a.Subject)
		}
	}
	return out
}
