package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipmsg"
)

func (b *builder) numbers(raws []rawNumber, cc string) []monitor.Number {
	var out []monitor.Number
	seen := map[string]string{} // E.164 -> field that listed it
	for i, r := range raws {
		at := fmt.Sprintf("numbers[%d]", i)
		state := monitor.PortState(r.State)
		if state == "" {
			state = monitor.PortPending
		}
		if !state.Valid() {
			b.fail(at+".state", "want pending, approved, in_progress, completed, denied or cancelled, got %q", r.State)
		}
		if r.Activated != nil && state != monitor.PortCompleted {
			b.fail(at+".activated", "an activation time needs state = \"completed\" (state is %q)", state)
		}
		tmpl := monitor.Number{PortRequestID: r.PortRequestID, PortState: state, Scheduled: unixNs(r.Scheduled), Activated: unixNs(r.Activated)}
		list := b.expand(at, r, cc)
		if len(out)+len(list) > MaxNumbers {
			b.fail(at, "more than %d numbers in all", MaxNumbers)
			return out
		}
		for _, e := range list {
			if prev, dup := seen[e]; dup {
				b.fail(at, "%s is already listed in %s", e, prev)
				return out
			}
			seen[e] = at
			n := tmpl
			n.E164 = e
			out = append(out, n)
		}
	}
	return out
}

func unixNs(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixNano()
}

// expand returns the numbers one [[numbers]] entry stands for.
func (b *builder) expand(at string, r rawNumber, cc string) []string {
	switch {
	case r.Number != "" && r.Range != "":
		b.fail(at+".range", "give either number or range, not both")
	case r.Number != "":
		e := sipmsg.NormalizeE164(r.Number, cc)
		if e == "" {
			b.fail(at+".number", "want a telephone number (E.164 like \"+14155550100\" or national), got %q", r.Number)
			return nil
		}
		return []string{e}
	case r.Range != "":
		list, err := expandRange(r.Range, cc)
		if err != nil {
			b.fail(at+".range", "%v", err)
		}
		return list
	default:
		b.fail(at, "give number = \"+1...\" or range = \"+1...-+1...\"")
	}
	return nil
}

// expandRange expands "+14155550100-+14155550199" (also "+14155550100 -
// +14155550199" or national forms) into its numbers, both ends included.
func expandRange(s, cc string) ([]string, error) {
	lo, hi, ok := splitRange(s)
	if !ok {
		return nil, fmt.Errorf("want first-last, such as \"+14155550100-+14155550199\", got %q", s)
	}
	a, z := sipmsg.NormalizeE164(lo, cc), sipmsg.NormalizeE164(hi, cc)
	if a == "" || z == "" {
		return nil, fmt.Errorf("both ends must be telephone numbers, got %q", s)
	}
	if len(a) != len(z) || a[:2] != z[:2] {
		return nil, fmt.Errorf("both ends must have the same country code and length, got %s and %s", a, z)
	}
	first, err1 := strconv.ParseUint(a[1:], 10, 64)
	last, err2 := strconv.ParseUint(z[1:], 10, 64)
	if err1 != nil || err2 != nil || last < first {
		return nil, fmt.Errorf("the last number must not come before the first, got %s-%s", a, z)
	}
	if last-first >= MaxNumbers {
		return nil, fmt.Errorf("%s-%s holds %d numbers, more than %d", a, z, last-first+1, MaxNumbers)
	}
	width := len(a) - 1
	out := make([]string, 0, last-first+1)
	for n := first; n <= last; n++ {
		out = append(out, fmt.Sprintf("+%0*d", width, n))
	}
	return out, nil
}

// splitRange finds the dash between the two ends: "-+" when the second is
// E.164, else the only dash surrounded by spaces, else the only dash.
func splitRange(s string) (string, string, bool) {
	if i := strings.Index(s, "-+"); i > 0 {
		return s[:i], s[i+1:], true
	}
	if i := strings.Index(s, " - "); i > 0 {
		return s[:i], s[i+3:], true
	}
	if strings.Count(s, "-") == 1 {
		i := strings.IndexByte(s, '-')
		return s[:i], s[i+1:], true
	}
	return "", "", false
}
