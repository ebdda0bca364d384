package config

import (
	"fmt"
	"strings"

	"github.com/cutover/cutover/monitor"
)

// topology reads the top-level topology: where the box watches from
// (monitor.Topology). Absent is the business side, as before the key
// existed.
func (b *builder) topology(raw string) monitor.Topology {
	if raw == "" {
		return ""
	}
	top := monitor.Topology(strings.ToLower(strings.TrimSpace(raw)))
	for _, known := range monitor.Topologies {
		if top == known {
			return top
		}
	}
	msg := fmt.Sprintf("want \"business\" (the box watches a business's side of its SBC) or \"transit\" (a carrier, CPaaS or transit SBC that routes calls towards the trunks), got %q", raw)
	best, bestD := "", 0
	for _, known := range monitor.Topologies {
		if d := editDistance(string(top), string(known)); best == "" || d < bestD {
			best, bestD = string(known), d
		}
	}
	if bestD <= 2 {
		msg += fmt.Sprintf(": did you mean %q?", best)
	}
	b.fail("topology", "%s", msg)
	return ""
}

// topologyText is the summary's line for t.
func topologyText(t monitor.Topology) string {
	if t == monitor.TopologyTransit {
		return "transit: calls sent to a trunk land on the called number, calls from a trunk are the calling number's egress"
	}
	return "business (default): calls from a trunk land on the called number, calls sent to a trunk are the calling number's egress"
}
