package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/cutover/cutover/monitor"
)

// The alert rules as people read them, from the one table (monitor.Rules):
// `cutover help rules` prints them, and the README's "Alert rules" section
// is rulesMarkdown's output (a test keeps the two equal).

// writeRules prints every rule with its scope, severity, fixing key and,
// at the default thresholds, when it opens and closes.
func writeRules(w io.Writer) {
	th := monitor.DefaultThresholds()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSCOPE\tSEVERITY\tKEY\tMEANING")
	for _, r := range monitor.Rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Rule, r.Scope, r.Severity, orDash(r.Key), r.Meaning)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nWhen each opens and closes (default thresholds; [thresholds] in cutover.toml changes them):")
	for _, r := range monitor.Rules {
		fmt.Fprintf(w, "  %-18s %s\n", r.Rule, r.Hysteresis(th))
	}
	fmt.Fprintln(w, "\nKEY is the screen's action that fixes it: f moves calls away from the trunk (f on a new trunk fails over to legacy; on a legacy trunk the screen shows F, restore to new); o moves the number's outbound route to a trunk of role new.")
}

// rulesMarkdown is the README's table of the rules.
func rulesMarkdown() string {
	th := monitor.DefaultThresholds()
	var b strings.Builder
	b.WriteString("| rule | scope | severity | key | meaning | opens and closes (default thresholds) |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range monitor.Rules {
		key := orDash(r.Key)
		if r.Key != "" {
			key = "`" + r.Key + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", r.Rule, r.Scope, r.Severity, key, r.Meaning, r.Hysteresis(th))
	}
	return b.String()
}
