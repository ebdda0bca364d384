package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
)

// Alert is one alert change as the receivers get it: Alertmanager's
// labels and annotations. EndsAt is zero while it is open.
type Alert struct {
	Labels      map[string]string
	Annotations map[string]string
	StartsAt    time.Time
	EndsAt      time.Time
}

// labeler labels alerts with the names the metrics use (rule, severity,
// trunk, port_request) and the cutover's name. A number rule's number is
// a label too: Alertmanager identifies an alert by its label set, and
// those sets are bounded by the open alerts, not by the traffic (the
// metrics must never have a label per number: a series per number lives
// for ever in Prometheus).
type labeler struct {
	cutover   string
	recording string
	trunks    map[string]string // name → role
	requests  map[string]string // E.164 → port request id
}

func newLabeler(c monitor.Config, recording string) labeler {
	l := labeler{cutover: c.Name, recording: recording, trunks: map[string]string{}, requests: map[string]string{}}
	for _, t := range c.Trunks {
		l.trunks[t.Name] = string(t.Role)
	}
	for _, n := range c.Numbers {
		l.requests[n.E164] = n.PortRequestID
	}
	return l
}

func (l labeler) alert(ch monitor.AlertChange, start, at time.Time) Alert {
	lb := map[string]string{"alertname": "cutover_" + string(ch.Rule), "rule": string(ch.Rule),
		"severity": string(ch.Severity), "cutover": l.cutover}
	role, trunk := l.trunks[ch.Subject]
	switch {
	case trunk:
		lb["subject_kind"], lb["trunk"], lb["role"] = "trunk", ch.Subject, role
	case strings.HasPrefix(ch.Subject, "+"):
		lb["subject_kind"], lb["number"] = "number", ch.Subject
		if pr := l.requests[ch.Subject]; pr != "" {
			lb["port_request"] = pr
		}
	default:
		lb["subject_kind"], lb["action"] = "action", ch.Subject
	}
	what := "opened"
	if !ch.Open {
		what = "closed"
	}
	an := map[string]string{
		"summary":     fmt.Sprintf("%s on %s", ch.Rule, ch.Subject),
		"description": ch.Message,
		// replay has no --at: the link names the recording and the moment to seek to.
		"replay": fmt.Sprintf("cutover replay %s  (%s at %s)", l.recording, what, at.Format(time.RFC3339)),
	}
	if ch.CausedBy != "" {
		an["caused_by"] = "the operator's action " + ch.CausedBy
	}
	a := Alert{Labels: lb, Annotations: an, StartsAt: start}
	if !ch.Open {
		a.EndsAt = at
	}
	return a
}

// amAlert is one element of Alertmanager's POST /api/v2/alerts.
type amAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    string            `json:"startsAt"`
	EndsAt      string            `json:"endsAt,omitempty"`
}

// alertmanagerBody is the v2 API's array. An open alert carries no
// endsAt: Alertmanager then resolves it after its resolve_timeout unless
// it is re-posted (if cutover stops, it resolves by itself), and a
// closing endsAt always wins over that timeout. (An explicit endsAt on the
// open alert would win over a closing one a receiver's clock puts a few
// milliseconds ahead: the alert would stay active.) A closed alert ends
// at its close, or at the post if the close is ahead of this clock.
func alertmanagerBody(as []Alert, now time.Time, _ time.Duration) ([]byte, error) {
	out := make([]amAlert, len(as))
	for i, a := range as {
		out[i] = amAlert{Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt.Format(time.RFC3339Nano)}
		if !a.EndsAt.IsZero() {
			out[i].EndsAt = a.EndsAt.Format(time.RFC3339Nano)
			if a.EndsAt.After(now) {
				out[i].EndsAt = now.UTC().Format(time.RFC3339Nano)
			}
		}
	}
	return json.Marshal(out)
}

// webhookBody is Alertmanager's own webhook payload (version 4), so a
// receiver written for Alertmanager's webhooks takes cutover's as is.
func webhookBody(as []Alert, _ time.Time, _ time.Duration) ([]byte, error) {
	type alert struct {
		Status string `json:"status"`
		amAlert
	}
	status := "resolved"
	out := make([]alert, len(as))
	for i, a := range as {
		st := "resolved"
		if a.EndsAt.IsZero() {
			st, status = "firing", "firing"
		}
		out[i] = alert{Status: st, amAlert: amAlert{Labels: a.Labels, Annotations: a.Annotations,
			StartsAt: a.StartsAt.Format(time.RFC3339Nano)}}
		if !a.EndsAt.IsZero() {
			out[i].EndsAt = a.EndsAt.Format(time.RFC3339Nano)
		}
	}
	return json.Marshal(map[string]any{"version": "4", "receiver": "cutover", "status": status, "alerts": out})
}

// slackBody is Slack's incoming-webhook message: one line per change.
func slackBody(as []Alert, _ time.Time, _ time.Duration) ([]byte, error) {
	var b strings.Builder
	for _, a := range as {
		head := "FIRING"
		if !a.EndsAt.IsZero() {
			head = "RESOLVED"
		}
		fmt.Fprintf(&b, "*%s* [%s] %s: %s\n%s\n", head, a.Labels["severity"], a.Annotations["summary"],
			a.Annotations["description"], a.Annotations["replay"])
	}
	return json.Marshal(map[string]string{"text": slackEscape(strings.TrimSuffix(b.String(), "\n"))})
}

// slackEscape escapes what Slack's mrkdwn reads as markup (&, <, >).
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
