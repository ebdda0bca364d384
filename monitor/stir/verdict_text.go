package stir

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cutover/cutover/monitor/termsafe"
)

// NormalizeLineEnds turns a request saved with bare LF line ends (an
// editor, a wiki page) into CRLF, and makes sure the headers end.
func NormalizeLineEnds(b []byte) []byte {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	if !strings.Contains(s, "\n\n") {
		s = strings.TrimRight(s, "\n") + "\n\n"
	}
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

// WriteText lays the verdict out for a terminal (`cutover stir verify`). Claims, URLs and
// verstat are what the sender put in the request: each value goes through
// termsafe.Line, so a control character in it is shown escaped.
func (v Verdict) WriteText(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, termsafe.Line(v))
		}
	}
	row("result", string(v.Result))
	row("attest", v.Attest)
	row("orig", v.Orig)
	row("dest", strings.Join(v.Dest, ", "))
	if v.Iat != 0 {
		row("iat", fmt.Sprintf("%d (%s)", v.Iat, time.Unix(v.Iat, 0).UTC().Format(time.RFC3339)))
	}
	row("x5u", v.X5U)
	row("origid", v.OrigID)
	row("at", v.At.Format(time.RFC3339))
	row("identity", fmt.Sprintf("%d header(s)", v.Identities))
	if v.Compact {
		row("form", "compact (..signature): claims not on the wire")
	}
	if v.Verstat != nil {
		row("verstat", v.Verstat.Raw+" ("+v.Verstat.Source+")")
	}
	fmt.Fprintln(tw, "checks:")
	for _, c := range v.Checks {
		if c.Detail == "" {
			fmt.Fprintf(tw, "  %s\t%s\n", c.Name, c.Status)
		} else {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Name, c.Status, termsafe.Line(c.Detail))
		}
	}
	tw.Flush()
}
