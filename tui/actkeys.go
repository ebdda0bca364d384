package tui

import (
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/termsafe"
)

// The action keys: f fails over to the legacy provider, F restores to the
// new one (each on a chosen failover target, or every one), o moves
// outbound routes to a new-role trunk, u undoes the operator's last
// action. Each opens the dialog; nothing changes before y.

// failoverKey starts a failover (typ failover) or a restore (typ restore).
func (m *Model) failoverKey(typ string) tea.Cmd { return m.failoverOn(typ, "") }

// failoverOn is failoverKey on one target only ("": the chooser of all).
func (m *Model) failoverOn(typ, only string) tea.Cmd {
	targets := m.o.Actor.Targets()
	if only != "" {
		targets = []string{only}
	}
	if len(targets) == 0 {
		m.setStatus("no [[actions.failover]] in the config", false)
		return nil
	}
	prompted := ""
	if t, ok := m.pickedTrunk(); ok {
		key := keyFailover
		if typ == reqRestore {
			key = keyRestore
		}
		prompted = m.worstOpenAlert(t, key)
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
	if n, ok := m.pickedNumber(); ok {
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
	keyRestore  = "F" // a trunk outage's f, on a legacy trunk (shared.keyFor)
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
		if a.Closed != 0 || a.Subject != subject || m.c.keyFor(a) != fixKey {
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
		if a.Closed == 0 && m.c.keyFor(a) == fixKey && !slices.Contains(out, a.Subject) {
			out = append(out, a.Subject)
		}
	}
	return out
}

// guard is what the screen knows of an action's targets, shown above its
// dry run, and the word the operator types instead of y when a target is
// in trouble: the name of a failover's trunk that is down, a number
// whose port is not complete.
type guard struct {
	state []string // the targets' state, styled: one line each
	warn  []string // why the word is asked for
	word  string   // what to type to apply ("" = y)
	also  string   // another form of it that applies too ("" = none)
	alt   string   // the foot's note on it: " (or +15551230003)"
}

// matches says whether s (as typed) is the guard's word.
func (g guard) matches(s string) bool {
	s = strings.TrimSpace(s)
	return s == g.word || (g.also != "" && s == g.also)
}

// guardFor is the guard of a dialog's requests, from the latest snapshot:
// the trunks the calls are about to move to, and for o the numbers.
func (m *Model) guardFor(reqs []ActionRequest) guard {
	if m.snap == nil || len(reqs) == 0 {
		return guard{}
	}
	byRole := func(role monitor.Role) func(*monitor.TrunkView) bool {
		return func(t *monitor.TrunkView) bool { return t.Role == role }
	}
	switch r := reqs[0]; r.Type {
	case reqFailover:
		return m.trunkGuard(byRole(monitor.RoleLegacy))
	case reqRestore:
		return m.trunkGuard(byRole(monitor.RoleNew))
	case reqOutbound: // the trunk the numbers' calls will leave by, and the numbers
		g := m.trunkGuard(func(t *monitor.TrunkView) bool { return t.Name == r.To })
		return g.and(m.portGuard(reqs))
	case reqUndo: // the calls go back where the undone action took them from
		if r.Undo != nil && r.Undo.Type == reqFailover {
			return m.trunkGuard(byRole(monitor.RoleNew))
		}
		if r.Undo != nil && (r.Undo.Type == reqRestore || r.Undo.Type == reqOutbound) {
			return m.trunkGuard(byRole(monitor.RoleLegacy))
		}
	}
	return guard{}
}

// and is g with h's state and warnings after its own; g's word, if it has
// one, is the one to type (a trunk in trouble outranks an unported number:
// both warnings are on screen above it).
func (g guard) and(h guard) guard {
	g.state = append(g.state, h.state...)
	g.warn = append(g.warn, h.warn...)
	if g.word == "" {
		g.word, g.also, g.alt = h.word, h.also, h.alt
	}
	return g
}

// trunkGuard shows the trunks an action sends the calls to (those of
// which): OPTIONS, registration and open alerts. When one is unhealthy
// (monitor.TrunkView.Trouble) its name is the word; with several, the
// first one's.
func (m *Model) trunkGuard(which func(*monitor.TrunkView) bool) guard {
	st := m.c.st
	var g guard
	for i := range m.snap.Trunks {
		t := &m.snap.Trunks[i]
		if !which(t) {
			continue
		}
		opt, reg := optionsCell(st, t), regCell(st, t, m.c.now)
		line := st.Bold.Render(termsafe.Line(t.Name)) + st.Muted.Render(" ("+string(t.Role)+")  OPTIONS ") + shown(st, opt) +
			st.Muted.Render("  registration ") + shown(st, reg)
		why, open := t.Trouble(m.snap.Alerts), m.openAlertsOn(t)
		if len(open) > 0 {
			line += st.Muted.Render("  open: ") + strings.Join(open, st.Muted.Render(", "))
		} else {
			line += st.Muted.Render("  no open alert")
		}
		g.state = append(g.state, line)
		if len(why) > 0 {
			g.warn = append(g.warn, t.Name+" is unhealthy ("+strings.Join(why, ", ")+"): the calls would move to a trunk in trouble")
			if g.word == "" {
				g.word = t.Name
			}
		}
	}
	return g
}

// openAlertsOn is trunk t's open alerts, styled, for the guard's line.
func (m *Model) openAlertsOn(t *monitor.TrunkView) []string {
	st := m.c.st
	var open []string
	for _, a := range m.snap.Alerts {
		if a.Closed == 0 && a.Subject == t.Name {
			open = append(open, st.sevStyle(a.Severity).Render(sevLabel(a.Severity))+" "+termsafe.Line(string(a.Rule)))
		}
	}
	return open
}

// portGuard warns of the numbers whose port is not complete: their calls
// may still belong to the legacy provider. The word is the number's last
// 4 digits (or the whole number): what tells it from its neighbours of
// the same block, quick to type at 2 a.m., and it can only be typed
// having read which number it is. With several such numbers, the word is
// how many there are.
func (m *Model) portGuard(reqs []ActionRequest) guard {
	var g guard
	var unported []string
	for _, r := range reqs {
		for i := range m.snap.Numbers {
			n := &m.snap.Numbers[i]
			if n.E164 != r.Target || n.PortState == monitor.PortCompleted || slices.Contains(unported, n.E164) {
				continue
			}
			state := string(n.PortState)
			if state == "" {
				state = "not in a port"
			}
			g.warn = append(g.warn, n.E164+" is "+state+": its calls may still belong to the legacy provider")
			unported = append(unported, n.E164)
		}
	}
	switch len(unported) {
	case 0:
	case 1:
		n := unported[0]
		g.word, g.also, g.alt = n[max(len(n)-4, 0):], n, " (or "+n+")"
	default:
		g.word, g.alt = strconv.Itoa(len(unported)), " (how many numbers are not ported)"
	}
	return g
}

// shown is a cell as drawn: its styled text, or its plain text dim.
func shown(st *Styles, c cell) string {
	if c.styled != "" {
		return c.styled
	}
	return st.Muted.Render(c.text)
}
