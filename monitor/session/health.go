package session

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
)

// HealthVerb asks a running watch, on its control socket, how its trunks
// stand: `cutover act` shows it above a plan and, when a trunk the calls
// would move to is unhealthy, asks for its name instead of y, as the
// screen's dialogs do.
const HealthVerb = "health"

// TrunkHealth is one trunk as the watch's latest snapshot shows it.
type TrunkHealth struct {
	Name    string
	Role    monitor.Role
	Trouble []string `json:",omitempty"` // monitor.TrunkView.Trouble; empty: healthy
}

// healthReply is the watch's answer to HealthVerb.
type healthReply struct {
	Trunks []TrunkHealth
	Error  string `json:",omitempty"`
}

// healthOf is the trunks' health in snap (nil: nothing folded yet).
func healthOf(snap *monitor.Snapshot) healthReply {
	if snap == nil {
		return healthReply{Error: "the watch has folded nothing yet"}
	}
	var r healthReply
	for _, t := range snap.Trunks {
		r.Trunks = append(r.Trunks, TrunkHealth{Name: t.Name, Role: t.Role, Trouble: t.Trouble(snap.Alerts)})
	}
	return r
}

// isHealthRequest says whether a control line asks for HealthVerb.
func isHealthRequest(line []byte) bool {
	var req struct{ Verb string }
	return json.Unmarshal(line, &req) == nil && req.Verb == HealthVerb
}

// Health asks the watch how its trunks stand.
func (cc *ControlClient) Health() ([]TrunkHealth, error) {
	cc.c.SetDeadline(time.Now().Add(controlTimeout))
	if _, err := fmt.Fprintf(cc.c, "{\"Verb\":%q}\n", HealthVerb); err != nil {
		return nil, fmt.Errorf("asking the watch: %w", err)
	}
	line, err := cc.rd.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("asking the watch: no answer: %w", err)
	}
	var r healthReply
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, fmt.Errorf("asking the watch: %w", err)
	}
	if r.Error != "" {
		return nil, fmt.Errorf("asking the watch: %s", r.Error)
	}
	return r.Trunks, nil
}

// stepTargets picks, of the watch's trunks, those step s sends calls to:
// a failover's legacy trunks, a restore's new ones, an outbound move's
// trunk, and for an undo those the undone action took the calls from.
func stepTargets(s Step, trunks []TrunkHealth) []TrunkHealth {
	typ, to := s.req.Type, s.req.To
	if s.undoing != nil {
		switch s.undoing.Type {
		case "failover":
			typ = "restore"
		case "restore", "outbound":
			typ = "failover"
		}
		to = ""
	}
	var out []TrunkHealth
	for _, t := range trunks {
		switch {
		case typ == "failover" && t.Role == monitor.RoleLegacy,
			typ == "restore" && t.Role == monitor.RoleNew,
			typ == "outbound" && t.Name == to:
			out = append(out, t)
		}
	}
	return out
}

// guardLines shows the targets' health, one line each, and returns the
// word to type instead of y: the first unhealthy one's name ("" = y).
func guardLines(targets []TrunkHealth) (lines []string, word string) {
	for _, t := range targets {
		if len(t.Trouble) == 0 {
			lines = append(lines, fmt.Sprintf("  %s (%s): healthy", t.Name, t.Role))
			continue
		}
		lines = append(lines, fmt.Sprintf("  %s (%s) is unhealthy (%s): the calls would move to a trunk in trouble",
			t.Name, t.Role, strings.Join(t.Trouble, ", ")))
		if word == "" {
			word = t.Name
		}
	}
	return lines, word
}
