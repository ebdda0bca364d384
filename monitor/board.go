package monitor

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Verdict is the go/no-go board's word on one number.
type Verdict string

// The board's verdicts, best first.
const (
	VerdictGo    Verdict = "go"    // the number has moved, in and out
	VerdictWatch Verdict = "watch" // nothing is wrong yet, but nothing proves it moved either
	VerdictNoGo  Verdict = "no-go" // something is wrong: the row's Key fixes it, if any key does
)

// BoardRule is one row of the verdict table: the first rule that matches a
// number gives its verdict, reason and fixing key. BoardRules is the
// table; the README's go/no-go board section lists it.
type BoardRule struct {
	Name    string // recorded nowhere; the board's reason column starts with it
	Verdict Verdict
	Key     string // the TUI key whose action fixes it ("" for none)
	When    string // when it matches, for people
	match   func(c *boardCase) (string, bool)
}

// boardCase is what the rules read of one number.
type boardCase struct {
	n       *NumberView
	th      Thresholds
	now     int64
	flags   map[string]bool
	outage  string // the number's serving or egress trunk with an open outage ("" = none)
	outRole Role   // that trunk's role
	outRule Rule   // the outage's rule
}

func (c *boardCase) completed() bool { return c.n.PortState == PortCompleted }

// landedNew says whether anything shows the number's inbound calls
// landing on a new trunk since its activation: the landing transition, a
// sweep's test call, or (while the landing transition has no data) the
// last inbound call having arrived on a new trunk after activation.
func (c *boardCase) landedNew() bool {
	l := c.n.Landing
	switch {
	case l.New > 0, c.n.SweepIn.Verdict == SweepLandedNew:
		return true
	case l.New == 0 && l.Legacy == 0:
		return c.n.ServingRole == RoleNew && c.n.Activated != 0 && c.n.LastSeen >= c.n.Activated
	}
	return false
}

// attestA is the outbound share attested A over 15 min (-1 with too few
// calls to say: fewer than AttestNumberMinCalls).
func (c *boardCase) attestA() float64 {
	m := c.n.Win[Win15m].Attest
	if m.Total() == 0 || m.Total() < c.th.AttestNumberMinCalls {
		return -1
	}
	return float64(m.A) / float64(m.Total())
}

// BoardRules is the verdict table, no-go first, then watch, then go.
var BoardRules = []BoardRule{
	{Name: "port_failed", Verdict: VerdictNoGo, Key: "p", When: "the port was denied or cancelled",
		match: func(c *boardCase) (string, bool) {
			s := c.n.PortState
			return "port " + string(s), s == PortDenied || s == PortCancelled
		}},
	{Name: "port_backwards", Verdict: VerdictNoGo, Key: "p", When: "the porting API reported the port going backwards (port_backwards open)",
		match: func(c *boardCase) (string, bool) {
			return "port reported going backwards", c.flags[string(RulePortBackwards)]
		}},
	{Name: "trunk_outage", Verdict: VerdictNoGo, Key: "f", When: "the trunk the number's last call used (in or out) has an open critical outage alert (a rule fixed by f)",
		match: func(c *boardCase) (string, bool) {
			return "trunk " + c.outage + " in trouble (" + string(c.outRule) + ")", c.outage != ""
		}},
	{Name: "split_brain", Verdict: VerdictNoGo, Key: "o", When: "outbound calls still leave by a legacy trunk after the port completed (split_brain open)",
		match: func(c *boardCase) (string, bool) {
			return "outbound still leaves by legacy", c.flags[string(RuleSplitBrain)]
		}},
	{Name: "egress_legacy", Verdict: VerdictNoGo, Key: "o", When: "completed, and the latest outbound sweep check left by a legacy trunk",
		match: func(c *boardCase) (string, bool) {
			s := c.n.SweepOut
			return "sweep left by " + legacyName(s.Trunk), c.completed() && s.Verdict == SweepLeftLegacy
		}},
	{Name: "zombie", Verdict: VerdictNoGo, When: "inbound calls still land on legacy past the propagation window (zombie open): the carrier's routing, not ours",
		match: func(c *boardCase) (string, bool) { return "inbound still lands on legacy", c.flags[string(RuleZombie)] }},
	{Name: "sweep_legacy", Verdict: VerdictNoGo, When: "completed, and the latest sweep's test call landed on a legacy trunk",
		match: func(c *boardCase) (string, bool) {
			s := c.n.SweepIn
			return "sweep landed on " + legacyName(s.Trunk), c.completed() && s.Verdict == SweepLandedLegacy
		}},
	{Name: "sweep_lost", Verdict: VerdictNoGo, When: "completed, and the latest sweep's test call never arrived on a trunk (or failed)",
		match: func(c *boardCase) (string, bool) {
			s := c.n.SweepIn
			why := "sweep call never arrived"
			if s.Verdict == SweepFailed {
				why = fmt.Sprintf("sweep call failed (%d)", s.Code)
			}
			return why, c.completed() && (s.Verdict == SweepNeverArrived || s.Verdict == SweepFailed)
		}},
	{Name: "not_completed", Verdict: VerdictWatch, When: "the port is pending, approved or in progress",
		match: func(c *boardCase) (string, bool) { return "port " + string(c.n.PortState), !c.completed() }},
	{Name: "propagating", Verdict: VerdictWatch, When: "legacy calls since activation, still within zombie_after of it (the carriers' routing is propagating)",
		match: func(c *boardCase) (string, bool) {
			l := c.n.Landing
			in := c.n.Activated != 0 && c.now-c.n.Activated < int64(c.th.ZombieAfter)
			return fmt.Sprintf("propagating: %d legacy, %d new since activation", l.Legacy, l.New), in && l.Legacy > 0
		}},
	{Name: "no_landing", Verdict: VerdictWatch, When: "completed, but no call has landed on new since activation (no traffic and no sweep)",
		match: func(c *boardCase) (string, bool) { return "no landing on new seen yet", !c.landedNew() }},
	{Name: "attestation", Verdict: VerdictWatch, When: "outbound attested below A: A share under attest_a_min over 15 min, an outbound sweep check not A, or attestation open",
		match: func(c *boardCase) (string, bool) {
			if a := c.attestA(); a >= 0 && a < c.th.AttestAMin {
				return fmt.Sprintf("outbound A %.0f%%", a*100), true
			}
			if s := c.n.SweepOut; s.Verdict == SweepLeftNew && s.Attest != "A" {
				return "sweep left attested " + attestWord(s.Attest), true
			}
			return "attestation alert open", c.flags[string(RuleAttestation)]
		}},
	{Name: "egress_unproven", Verdict: VerdictWatch, When: "completed, and the last outbound call seen left by a legacy trunk (perhaps before activation; no split_brain)",
		match: func(c *boardCase) (string, bool) {
			return "last outbound left by " + legacyName(c.n.Egress), c.n.Egress != "" && c.n.EgressRole == RoleLegacy
		}},
	{Name: "alert_open", Verdict: VerdictWatch, When: "another alert is open on the number (drop_rate, ...)",
		match: func(c *boardCase) (string, bool) {
			for _, f := range c.n.Flags {
				return f + " open", true
			}
			return "", false
		}},
	{Name: "moved", Verdict: VerdictGo, When: "completed, landing on new (traffic or sweep), outbound on new or none seen, nothing against it",
		match: func(c *boardCase) (string, bool) { return "landed on new", true }},
}

// legacyName is a legacy trunk's name saying it is legacy: "old
// (legacy)", or just "legacy" for a trunk named so.
func legacyName(trunk string) string {
	switch {
	case trunk == "":
		return "a legacy trunk"
	case strings.Contains(strings.ToLower(trunk), "legacy"):
		return trunk
	}
	return trunk + " (legacy)"
}

func attestWord(a string) string {
	if a == "" {
		return "unsigned"
	}
	return a
}

// BoardRow is one number on the board.
type BoardRow struct {
	E164          string
	PortRequestID string
	PortState     PortState
	Activated     int64         // Unix ns (0 = not yet)
	Since         time.Duration // since activation, on the event clock (0 = not activated)
	// Inbound landing: traffic since activation and the latest sweep.
	InNew, InLegacy int          // calls landed on new / legacy since activation (Landing)
	InTrunk         string       // the trunk the last inbound call arrived on ("" = none)
	InRole          Role         //
	InSweep         SweepVerdict // "" = no sweep yet
	// Outbound egress: traffic and the latest outbound check.
	OutTrunk string
	OutRole  Role
	OutSweep SweepVerdict
	AttestA  float64 // outbound A share over 15 min, -1 when too few calls
	Attest   string  // the outbound sweep check's attestation, if any
	Verdict  Verdict
	Rule     string // the BoardRules entry that gave the verdict
	Reason   string // why, in a few words
	Key      string // the key that fixes it ("" = none)
	Outage   string // trunk_outage: the trunk that is down
}

// BoardGroup is one port request's numbers ("" = numbers without one),
// no-go first, then watch, then go, each in the snapshot's order.
type BoardGroup struct {
	PortRequestID   string
	Go, Watch, NoGo int
	Rows            []BoardRow
}

// Board is every number, grouped by port request, with the counts.
type Board struct {
	Go, Watch, NoGo int
	Groups          []BoardGroup
}

// NewBoard judges every number of snap by BoardRules, with th the
// config's thresholds (defaults for zero fields). It is pure: the same
// snapshot gives the same board, live, in replay and in the report.
func NewBoard(snap *Snapshot, th Thresholds) Board {
	th = th.withDefaults()
	outages := trunkOutages(snap)
	groups := map[string]*BoardGroup{}
	var b Board
	for i := range snap.Numbers {
		n := &snap.Numbers[i]
		row := judge(n, th, snap.Now, outages)
		g := groups[n.PortRequestID]
		if g == nil {
			g = &BoardGroup{PortRequestID: n.PortRequestID}
			groups[n.PortRequestID] = g
		}
		g.Rows = append(g.Rows, row)
		switch row.Verdict {
		case VerdictGo:
			g.Go++
			b.Go++
		case VerdictWatch:
			g.Watch++
			b.Watch++
		default:
			g.NoGo++
			b.NoGo++
		}
	}
	for _, g := range groups {
		sort.SliceStable(g.Rows, func(i, j int) bool { return verdictRank(g.Rows[i].Verdict) > verdictRank(g.Rows[j].Verdict) })
		b.Groups = append(b.Groups, *g)
	}
	sort.Slice(b.Groups, func(i, j int) bool { return groupLess(b.Groups[i].PortRequestID, b.Groups[j].PortRequestID) })
	return b
}

// verdictRank orders rows within a group: no-go first, then watch, then go.
func verdictRank(v Verdict) int {
	switch v {
	case VerdictNoGo:
		return 2
	case VerdictWatch:
		return 1
	}
	return 0
}

// groupLess orders port requests by id, numbers without one last.
func groupLess(a, b string) bool {
	if (a == "") != (b == "") {
		return b == ""
	}
	return a < b
}

// outage is a trunk with an open critical alert of a rule f fixes.
type outage struct {
	role Role
	rule Rule // the first such alert's, in the snapshot's order (critical first)
}

// trunkOutages are the trunks in an outage, by name.
func trunkOutages(snap *Snapshot) map[string]outage {
	roles := map[string]Role{}
	for _, t := range snap.Trunks {
		roles[t.Name] = t.Role
	}
	out := map[string]outage{}
	for _, a := range snap.Alerts {
		if a.Closed != 0 || a.Severity != SevCritical || a.Rule.FixKey() != "f" {
			continue
		}
		if r, ok := roles[a.Subject]; ok {
			if _, seen := out[a.Subject]; !seen {
				out[a.Subject] = outage{role: r, rule: a.Rule}
			}
		}
	}
	return out
}

func judge(n *NumberView, th Thresholds, now int64, outages map[string]outage) BoardRow {
	c := &boardCase{n: n, th: th, now: now, flags: map[string]bool{}}
	for _, f := range n.Flags {
		c.flags[f] = true
	}
	for _, t := range []string{n.Serving, n.Egress} {
		if o, ok := outages[t]; ok && t != "" {
			c.outage, c.outRole, c.outRule = t, o.role, o.rule
			break
		}
	}
	row := BoardRow{
		E164: n.E164, PortRequestID: n.PortRequestID, PortState: n.PortState, Activated: n.Activated,
		InNew: n.Landing.New, InLegacy: n.Landing.Legacy, InTrunk: n.Serving, InRole: n.ServingRole, InSweep: n.SweepIn.Verdict,
		OutTrunk: n.Egress, OutRole: n.EgressRole, OutSweep: n.SweepOut.Verdict, AttestA: c.attestA(), Attest: n.SweepOut.Attest,
	}
	if n.Activated != 0 && now > n.Activated {
		row.Since = time.Duration(now - n.Activated)
	}
	for _, r := range BoardRules {
		if why, ok := r.match(c); ok {
			row.Verdict, row.Rule, row.Reason, row.Key = r.Verdict, r.Name, why, r.Key
			if r.Name == "trunk_outage" {
				row.Outage = c.outage
				if c.outRole == RoleLegacy {
					row.Key = "F" // f fails over to legacy; on a legacy trunk the fix restores to new
				}
			}
			break
		}
	}
	return row
}

// InboundText is the row's inbound landing in a few words: traffic since
// activation, else the last inbound call's trunk, then the sweep.
func (r BoardRow) InboundText() string {
	var parts []string
	switch n := r.InNew + r.InLegacy; {
	case n > 0:
		parts = append(parts, fmt.Sprintf("%d%% new of %d", r.InNew*100/n, n))
	case r.InTrunk != "":
		parts = append(parts, "last via "+r.InTrunk)
	default:
		parts = append(parts, "no calls")
	}
	if r.InSweep != "" {
		parts = append(parts, "sweep "+sweepWord(r.InSweep))
	}
	return strings.Join(parts, ", ")
}

// OutboundText is the row's outbound egress: the trunk the last outbound
// call left by, then the outbound sweep check.
func (r BoardRow) OutboundText() string {
	parts := []string{"none seen"}
	if r.OutTrunk != "" {
		parts[0] = "via " + r.OutTrunk
		if r.OutRole == RoleLegacy {
			parts[0] = "via " + legacyName(r.OutTrunk)
		}
	}
	if r.OutSweep != "" {
		parts = append(parts, "sweep "+sweepWord(r.OutSweep))
	}
	return strings.Join(parts, ", ")
}

// AttestText is the outbound attestation: the A share over 15 min and
// the outbound sweep check's level ("-" when neither is known).
func (r BoardRow) AttestText() string {
	var parts []string
	if r.AttestA >= 0 {
		parts = append(parts, fmt.Sprintf("A %.0f%%", r.AttestA*100))
	}
	if r.OutSweep == SweepLeftNew || r.OutSweep == SweepLeftLegacy {
		parts = append(parts, "sweep "+attestWord(r.Attest))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func sweepWord(v SweepVerdict) string { return strings.ReplaceAll(string(v), "_", " ") }
