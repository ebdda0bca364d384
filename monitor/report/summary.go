package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
)

// What the manager reads first: the night's verdict, the numbers by port
// state, the go/no-go board, the incidents, and the actions and notes.

// actTrack is what the report keeps of one action: its first step, when
// it was done, and its last step.
type actTrack struct {
	first, done int64
	seq         int64
	rec         monitor.ActionRecord // the last step
	subject     string
}

func (b *builder) trackAction(t, seq int64, a *monitor.ActionRecord) {
	tr := b.track[a.ID]
	if tr == nil {
		tr = &actTrack{first: t, seq: seq, subject: b.actionSubject(a)}
		b.track[a.ID] = tr
		b.order = append(b.order, a.ID)
	}
	tr.rec = *a
	if tr.done == 0 && (a.State == monitor.ActionDone || a.State == monitor.ActionVerified) {
		tr.done = t
	}
}

// actionSubject is what an action acted on: its target, and for an undo
// the subject of the action it undoes (its target is that action's id).
func (b *builder) actionSubject(a *monitor.ActionRecord) string {
	if a.Type != "undo" {
		return a.Target
	}
	if orig, ok := b.acts[a.Target]; ok {
		return orig.Target
	}
	return a.Target
}

// actionWhat names an action for people: "outbound", "undo of outbound a1".
func (b *builder) actionWhat(a monitor.ActionRecord) string {
	if a.Type != "undo" {
		return a.Type
	}
	if orig, ok := b.acts[a.Target]; ok {
		return "undo of " + orig.Type + " " + a.Target
	}
	return "undo of " + a.Target
}

func incident(rule monitor.Rule, subject string, o openAlert, end int64, closed bool) Incident {
	in := Incident{N: o.n, Rule: string(rule), Subject: subject, Severity: string(o.severity), Message: o.message,
		Start: utc(o.at), Duration: time.Duration(max(end-o.at, 0)), CausedBy: o.causedBy}
	for i := len(o.inHand) - 1; i >= 0; i-- { // the last word first
		in.InHand = append(in.InHand, o.inHand[i])
	}
	if closed {
		e := utc(end)
		in.End = &e
	}
	return in
}

// summarise fills the manager's sections once the night is folded.
func (b *builder) summarise() {
	rep := b.rep
	snap := b.st.Snapshot()
	board := monitor.NewBoard(snap, b.cfg.Thresholds)
	rep.Board, rep.Verdict = boardGroups(board), nightVerdict(board)
	rep.PortStates = portStates(snap)
	for key, os := range b.open { // still open at the end
		rule, subject, _ := strings.Cut(key, ":")
		for _, o := range os {
			b.incs = append(b.incs, incident(monitor.Rule(rule), subject, o, b.last, false))
		}
	}
	sort.Slice(b.incs, func(i, j int) bool { return b.incs[i].N < b.incs[j].N })
	for i := range b.incs {
		b.endedBy(&b.incs[i])
	}
	rep.Incidents = append([]Incident{}, b.incs...)
	rep.Log = b.log()
	rep.Timeline = b.groupPorts(rep.Timeline)
}

// endedBy names the action that ended in: of the actions done between
// its opening and its close (or the end of the recording), the last one
// the operator took on this alert (prompted by it), else the last one on
// its subject (its target, or a number its expected traffic names).
func (b *builder) endedBy(in *Incident) {
	start, end := in.Start.UnixNano(), b.last
	if in.End != nil {
		end = in.End.UnixNano()
	}
	key := in.Rule + ":" + in.Subject
	var best, bestOn *actTrack
	for _, id := range b.order {
		tr := b.track[id]
		if tr.done == 0 || tr.done < start || tr.done > end {
			continue
		}
		switch {
		case tr.rec.Prompted == key:
			best = tr
		case tr.subject == in.Subject || tr.rec.Expect != nil && containsNumber(tr.rec.Expect.Numbers, in.Subject):
			bestOn = tr
		}
	}
	if best == nil {
		best = bestOn
	}
	if best != nil && in.End != nil {
		in.Action = best.rec.ID
		in.EndedBy = fmt.Sprintf("%s %s by %s at %s (%s)", b.actionWhat(best.rec), best.subject, best.rec.Operator, clock(utc(best.done)), best.rec.ID)
	}
}

func containsNumber(list []string, n string) bool {
	for _, p := range list {
		if pre, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(n, pre) || p == n {
			return true
		}
	}
	return false
}

// log is one line per action, at its first step with its last step's
// state, and one per note, in time order.
func (b *builder) log() []Entry {
	out := []Entry{}
	for _, id := range b.order {
		tr := b.track[id]
		a := tr.rec
		state, detail := a.State, a.Error
		if a.Declined() {
			state, detail = monitor.ActionDeclined, ""
		}
		if detail == "" {
			detail = a.Result
		}
		text := fmt.Sprintf("%s %s by %s", b.actionWhat(a), state, a.Operator)
		if detail != "" {
			text += ": " + detail
		}
		out = append(out, Entry{Time: utc(tr.first), Kind: "action", Subject: tr.subject, Text: text, Seq: tr.seq})
	}
	for _, e := range b.rep.Timeline {
		if e.Kind == "note" || e.Kind == "ack" {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// portGroupGap is how far apart in time a port request's numbers may
// change to the same state and still share one line of the timeline.
const portGroupGap = 15 * time.Minute

// groupPorts folds the port lines of one port request that say the same
// thing within portGroupGap of each other into the first one: "port
// completed: 50 numbers of PR-1 (02:00:00–02:04:10)". A lone change keeps
// its line as it was.
func (b *builder) groupPorts(tl []Entry) []Entry {
	pr := map[string]string{}
	for _, n := range b.cfg.Numbers {
		pr[n.E164] = n.PortRequestID
	}
	type group struct {
		at    int // index in out
		n     int
		first time.Time
		last  time.Time
		text  string
	}
	open := map[string]*group{}
	out := make([]Entry, 0, len(tl))
	for _, e := range tl {
		id := pr[e.Subject]
		if e.Kind != "port" || id == "" {
			out = append(out, e)
			continue
		}
		key := id + "\x00" + e.Text
		if g := open[key]; g != nil && e.Time.Sub(g.last) <= portGroupGap {
			g.n++
			g.last = e.Time
			out[g.at].Subject = id
			out[g.at].Text = fmt.Sprintf("%s: %d numbers of %s (%s–%s)", g.text, g.n, id, clock(g.first), clock(g.last))
			continue
		}
		open[key] = &group{at: len(out), n: 1, first: e.Time, last: e.Time, text: e.Text}
		out = append(out, e)
	}
	return out
}

func boardGroups(bd monitor.Board) []BoardGroup {
	out := []BoardGroup{}
	for _, g := range bd.Groups {
		bg := BoardGroup{PortRequestID: g.PortRequestID, Go: g.Go, Watch: g.Watch, NoGo: g.NoGo}
		for _, r := range g.Rows {
			row := BoardRow{E164: r.E164, PortState: string(r.PortState), Since: r.Since,
				Inbound: r.InboundText(), Outbound: r.OutboundText(), Attestation: r.AttestText(),
				Verdict: string(r.Verdict), Rule: r.Rule, Reason: r.Reason, Key: r.Key}
			if r.Activated != 0 {
				at := utc(r.Activated)
				row.Activated = &at
			}
			bg.Rows = append(bg.Rows, row)
		}
		out = append(out, bg)
	}
	return out
}

// nightVerdict is no-go if any number is, else watch if any is, else go;
// its reason counts the numbers by the rule that judged them.
func nightVerdict(bd monitor.Board) NightVerdict {
	v := NightVerdict{Go: bd.Go, Watch: bd.Watch, NoGo: bd.NoGo}
	want := monitor.VerdictGo
	switch {
	case bd.Go+bd.Watch+bd.NoGo == 0:
		v.Reason = "no numbers in the cutover"
		return v
	case bd.NoGo > 0:
		want = monitor.VerdictNoGo
	case bd.Watch > 0:
		want = monitor.VerdictWatch
	}
	v.Verdict = string(want)
	rules := map[string]int{}
	for _, g := range bd.Groups {
		for _, r := range g.Rows {
			if r.Verdict == want {
				rules[r.Rule]++
			}
		}
	}
	var parts []Count
	for r, n := range rules {
		parts = append(parts, Count{Name: r, Count: n})
	}
	sort.Slice(parts, func(i, j int) bool {
		return parts[i].Count > parts[j].Count || parts[i].Count == parts[j].Count && parts[i].Name < parts[j].Name
	})
	var words []string
	for _, p := range parts {
		words = append(words, fmt.Sprintf("%d %s", p.Count, p.Name))
	}
	word := map[monitor.Verdict]string{monitor.VerdictGo: "go", monitor.VerdictWatch: "on watch", monitor.VerdictNoGo: "no-go"}[want]
	v.Reason = fmt.Sprintf("%d of %d numbers %s (%s)", countOf(bd, want), bd.Go+bd.Watch+bd.NoGo, word, strings.Join(words, ", "))
	return v
}

func countOf(bd monitor.Board, v monitor.Verdict) int {
	switch v {
	case monitor.VerdictNoGo:
		return bd.NoGo
	case monitor.VerdictWatch:
		return bd.Watch
	}
	return bd.Go
}

// portStates counts the numbers by port state, in the port's order.
func portStates(snap *monitor.Snapshot) []Count {
	order := []monitor.PortState{monitor.PortPending, monitor.PortApproved, monitor.PortInProgress,
		monitor.PortCompleted, monitor.PortDenied, monitor.PortCancelled}
	n := map[monitor.PortState]int{}
	for _, v := range snap.Numbers {
		n[v.PortState]++
	}
	out := []Count{}
	for _, s := range order {
		if n[s] > 0 {
			out = append(out, Count{Name: string(s), Count: n[s]})
		}
	}
	return out
}
