package report

import (
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
)

// The report shows who had an incident in hand (acknowledged, silenced)
// and that an alert was an action's intended effect, in the incidents
// table and in the actions and notes.
func TestReportShowsAcksAndCausedIncidents(t *testing.T) {
	start := sim.DefaultOptions().Start
	at := func(d time.Duration) int64 { return start.Add(d).UnixNano() }
	alert := func(d time.Duration, open bool, rule monitor.Rule, subject, causedBy string) monitor.Event {
		return monitor.Event{Time: at(d), Kind: monitor.KindAlert, Source: monitor.SourceFold,
			Alert: &monitor.AlertChange{Rule: rule, Subject: subject, Open: open, Severity: monitor.SevCritical, Message: "trouble", CausedBy: causedBy}}
	}
	ack := func(d time.Duration, subject string, until time.Duration) monitor.Event {
		a := &monitor.AlertAck{Rule: monitor.RuleOptionsDown, Subject: subject, By: "ana@noc"}
		if until > 0 {
			a.Until = at(until)
		}
		return monitor.Event{Time: at(d), Kind: monitor.KindAlertAck, Source: monitor.SourceOperator, Ack: a}
	}
	rep, _ := demoReport(t, 10,
		alert(110*time.Minute, true, monitor.RuleOptionsDown, "new-x", ""),
		ack(111*time.Minute, "new-x", 0),
		ack(112*time.Minute, "new-x", 150*time.Minute),
		alert(113*time.Minute, false, monitor.RuleOptionsDown, "new-x", ""),
		alert(120*time.Minute, true, monitor.RuleSplitBrain, "+14155550105", "f9"))
	var x, sb *Incident
	for i := range rep.Incidents {
		switch rep.Incidents[i].Subject {
		case "new-x":
			x = &rep.Incidents[i]
		case "+14155550105":
			sb = &rep.Incidents[i]
		}
	}
	if x == nil || sb == nil {
		t.Fatalf("incidents %+v", rep.Incidents)
	}
	if len(x.InHand) != 2 || !strings.HasPrefix(x.InHand[0], "silenced by ana@noc at ") || !strings.HasPrefix(x.InHand[1], "acknowledged by ana@noc") {
		t.Errorf("in hand %q: want the silence, then the acknowledgement", x.InHand)
	}
	if sb.CausedBy != "f9" {
		t.Errorf("caused by %q", sb.CausedBy)
	}
	out := rendered(t, rep, "text")
	if rows := rowsWith(out, "new-x"); len(rows) == 0 || !strings.Contains(rows[0], "[silenced by ana@noc") {
		t.Errorf("incident row %q: want the silence", rows)
	}
	if rows := rowsWith(out, "open at the end  1h00m     critical  split_brain"); len(rows) == 0 || !strings.Contains(rows[0], "[intended effect of f9]") {
		t.Errorf("incident row %q: want the action it was the effect of", rows)
	}
	var acks int
	for _, e := range rep.Log {
		if e.Kind == "ack" && e.Subject == "options_down new-x" {
			acks++
		}
	}
	if acks != 2 {
		t.Errorf("actions and notes %+v: want the 2 words on new-x", rep.Log)
	}
}
