package report

import (
	"sort"
	"time"

	"github.com/cutover/cutover/monitor"
)

// acc adds up minutes of monitor.Stats into a whole-cutover Summary.
type acc struct {
	s     monitor.Stats
	codes map[int]int
}

func (a *acc) add(s monitor.Stats) {
	t := &a.s
	t.Attempts += s.Attempts
	t.Completed += s.Completed
	t.Answered += s.Answered
	t.Failed += s.Failed
	t.Effective += s.Effective
	t.Short += s.Short
	t.PDDSum += s.PDDSum
	t.PDDCount += s.PDDCount
	t.Legacy += s.Legacy
	t.New += s.New
	t.Attest.A += s.Attest.A
	t.Attest.B += s.Attest.B
	t.Attest.C += s.Attest.C
	t.Attest.None += s.Attest.None
	t.Attest.Invalid += s.Attest.Invalid
	t.Media.Add(s.Media) // MOS bins element by element
	if len(s.Codes) > 0 && a.codes == nil {
		a.codes = map[int]int{}
	}
	for _, c := range s.Codes {
		a.codes[c.Code] += c.Count
	}
}

func (a *acc) summary() Summary {
	s := a.s
	out := Summary{
		Attempts: s.Attempts, Completed: s.Completed, Answered: s.Answered, Failed: s.Failed,
		Effective: s.Effective, Short: s.Short, Legacy: s.Legacy, New: s.New,
		ASR: ratio(s.ASR()), NER: ratio(s.NER()), Drop: ratio(s.DropRate()),
		Attest: Attest{A: s.Attest.A, B: s.Attest.B, C: s.Attest.C, None: s.Attest.None, Invalid: s.Attest.Invalid},
		Codes:  []Code{},
		Media:  mediaSummary(s.Media),
	}
	if s.PDDCount > 0 {
		ms := float64(s.PDD()) / float64(time.Millisecond)
		out.PDDms = &ms
	}
	for c, n := range a.codes {
		out.Codes = append(out.Codes, Code{Code: c, Count: n})
	}
	sort.Slice(out.Codes, func(i, j int) bool {
		ci, cj := out.Codes[i], out.Codes[j]
		return ci.Count > cj.Count || ci.Count == cj.Count && ci.Code < cj.Code
	})
	return out
}

func ratio(x float64) *float64 {
	if x < 0 {
		return nil
	}
	return &x
}

// finish fills what needs the whole night: start and end, totals, the
// numbers' final port state and who kept landing on legacy.
func (b *builder) finish() {
	rep := b.rep
	if b.seen {
		rep.Start, rep.End = utc(b.first), utc(b.last)
	}
	for i := range rep.Trunks {
		rep.Trunks[i].Total = b.trunks[i].summary()
	}
	snap := b.st.Snapshot()
	rep.Numbers = []NumberReport{}
	rep.Legacy = []LegacyLanding{}
	for _, n := range snap.Numbers {
		nr := NumberReport{E164: n.E164, PortRequestID: n.PortRequestID, PortState: string(n.PortState)}
		if a := b.nums[n.E164]; a != nil {
			nr.Total = a.summary()
		} else {
			nr.Total = (&acc{}).summary()
		}
		if n.Activated != 0 {
			at := utc(n.Activated)
			nr.Activated = &at
			if l, ok := b.landing(n.E164, n.Activated); ok {
				rep.Legacy = append(rep.Legacy, l)
			}
		}
		rep.Numbers = append(rep.Numbers, nr)
	}
	sort.SliceStable(rep.Legacy, func(i, j int) bool { return rep.Legacy[i].For > rep.Legacy[j].For })
	if rep.Timeline == nil {
		rep.Timeline = []Entry{}
	}
}

// landing sums a number's legacy minutes from the minute it was activated.
func (b *builder) landing(e164 string, activated int64) (LegacyLanding, bool) {
	l := LegacyLanding{E164: e164, Activated: utc(activated)}
	for _, m := range b.legacy[e164] {
		if m.start+minute <= activated {
			continue
		}
		if l.Calls == 0 {
			l.First = utc(m.start)
		}
		l.Calls += m.calls
		l.Last = utc(m.start)
		l.For = time.Duration(m.start + minute - activated)
	}
	return l, l.Calls > 0
}
