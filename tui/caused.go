package tui

import (
	"slices"
	"strconv"
	"strings"

	"github.com/cutover/cutover/monitor"
)

// foldCaused folds the open alerts an operator's action caused (its
// intended effect: calls on legacy while a failover stands) into one row
// per action, in the place of the first of them (they sort after the
// alerts nobody has): "failover f1: 64 alerts it causes (split_brain ×60,
// zombie ×4)". Enter on the row opens the action.
func foldCaused(alerts []monitor.AlertView) []monitor.AlertView {
	if !slices.ContainsFunc(alerts, func(a monitor.AlertView) bool { return a.Closed == 0 && a.CausedBy != "" }) {
		return alerts
	}
	out := make([]monitor.AlertView, 0, len(alerts))
	rows := map[string]int{}             // action ID → its row in out
	rules := map[string]map[string]int{} // action ID → rule → count
	for _, a := range alerts {
		if a.Closed != 0 || a.CausedBy == "" {
			out = append(out, a)
			continue
		}
		i, ok := rows[a.CausedBy]
		if !ok {
			i = len(out)
			rows[a.CausedBy] = i
			rules[a.CausedBy] = map[string]int{}
			out = append(out, monitor.AlertView{AlertChange: monitor.AlertChange{Subject: a.CausedBy, Open: true,
				Severity: monitor.SevInfo, CausedBy: a.CausedBy}, Opened: a.Opened})
		}
		rules[a.CausedBy][string(a.Rule)]++
		out[i].Opened = min(out[i].Opened, a.Opened)
	}
	for id, i := range rows {
		out[i].Message = causedMessage(id, rules[id])
	}
	return out
}

// isCausedRow tells foldCaused's row from an alert.
func isCausedRow(a monitor.AlertView) bool { return a.Rule == "" && a.CausedBy != "" }

func causedMessage(id string, rules map[string]int) string {
	names := make([]string, 0, len(rules))
	total := 0
	for r, n := range rules {
		names = append(names, r)
		total += n
	}
	slices.Sort(names)
	slices.SortStableFunc(names, func(a, b string) int { return rules[b] - rules[a] }) // most first
	parts := make([]string, len(names))
	for i, r := range names {
		parts[i] = r + " ×" + strconv.Itoa(rules[r])
	}
	word := " alerts"
	if total == 1 {
		word = " alert"
	}
	return "intended effect of " + id + ": " + strconv.Itoa(total) + word + " (" + strings.Join(parts, ", ") +
		"), closing when it is undone or replaced"
}

// causedCell is a column of foldCaused's row: muted, "effect" in the
// rule's place and the action in the subject's.
func (p *alertsPane) causedCell(a *monitor.AlertView, c column) cell {
	st := p.c.st
	switch c.id {
	case acSev:
		return netCell(st.Muted, "info")
	case acRule:
		return netCell(st.Muted, "effect")
	case acSubject:
		return netCell(st.Muted, a.CausedBy)
	case acAge:
		return cell{text: age(p.c.now, a.Opened)}
	case acMessage:
		return netCell(st.Muted, a.Message)
	}
	return cell{}
}
