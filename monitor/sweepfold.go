package monitor

import (
	"strings"
	"time"

	"github.com/cutover/cutover/monitor/sipmsg"
)

// sweepGrace is how long, in event time, a sweep's test call is matched
// with an arrival after the caller has its final answer: a mirrored
// INVITE may reach us just after the caller's result. A call without an
// arrival by then gets its verdict (never arrived, or failed).
const sweepGrace = 2 * time.Second

// sweepRunsKept bounds the sweeps the fold remembers.
const sweepRunsKept = 16

// sweepBook is the fold's part of the sweeps (core.Sweep).
type sweepBook struct {
	Runs  []SweepView          // the latest sweeps, oldest first
	Calls map[string]sweepCall // test calls waiting for their verdict, by sweepKey
	Due   int64                // the earliest grace deadline among Calls (0 = none)
}

// sweepCall is one number's test call of a sweep, until its verdict.
type sweepCall struct {
	Sweep   string
	Out     bool   // an outbound check's call
	Arrived int64  // when it arrived on a trunk, or left by one (Out) (0 = not yet)
	Trunk   int    // the trunk it arrived on or left by (-1 = none)
	Attest  string // Out: the attestation its INVITE claimed leaving ("" = unsigned)
	Result  int64  // when the caller had its final answer (0 = not yet)
	Code    int
	PDD     time.Duration
}

// sweepProbe folds a sweep's probe events and reports whether p was one.
// Recorded verdicts (Source fold) are derived here again, never applied.
func (s *State) sweepProbe(t int64, p *ProbeResult) bool {
	switch p.Probe {
	case ProbeSweep:
		s.sweepStart(t, p)
	case ProbeSweepCall:
		s.sweepResult(t, p)
	case ProbeSweepEnd:
		s.sweepEnd(t, p.Sweep)
	case ProbeSweepVerdict:
	default:
		return false
	}
	return true
}

func (s *State) sweepStart(t int64, p *ProbeResult) {
	b := &s.c.Sweep
	if s.sweepRun(p.Sweep) != nil {
		return // the same start twice
	}
	if len(b.Runs) == sweepRunsKept {
		b.Runs = append(b.Runs[:0], b.Runs[1:]...)
	}
	b.Runs = append(b.Runs, SweepView{ID: p.Sweep, Out: p.Out, Start: t, From: p.From, Total: len(p.Numbers)})
	if b.Calls == nil {
		b.Calls = make(map[string]sweepCall, len(p.Numbers))
	}
	for _, n := range p.Numbers {
		if _, ok := s.c.NumIdx[n]; !ok {
			continue
		}
		key := sweepKey(n, p.Out)
		if old, ok := b.Calls[key]; ok { // an earlier sweep's call to it: this one supersedes it
			if run := s.sweepRun(old.Sweep); run != nil {
				run.Unplaced++
			}
		}
		b.Calls[key] = sweepCall{Sweep: p.Sweep, Out: p.Out, Trunk: -1}
	}
}

// sweepKey is where a number's test call waits in sweepBook.Calls: a
// sweep's call to it and an outbound check's from it apart.
func sweepKey(e164 string, out bool) string {
	if out {
		return e164 + "/out"
	}
	return e164
}

// sweepNumber is the number of a sweepBook.Calls key.
func sweepNumber(key string) string {
	if n, ok := strings.CutSuffix(key, "/out"); ok {
		return n
	}
	return key
}

func (s *State) sweepRun(id string) *SweepView {
	for i := range s.c.Sweep.Runs {
		if s.c.Sweep.Runs[i].ID == id {
			return &s.c.Sweep.Runs[i]
		}
	}
	return nil
}

// sweepArrival matches an initial INVITE arriving on trunk tr (or, dir
// out, leaving by it) with a sweep's test call (an outbound check's): by
// its SweepHeader, else by the called number and a From of the sweep's
// caller (the calling number and the check's destination) while the call
// is under way (or within sweepGrace of its result).
func (s *State) sweepArrival(t int64, tr int, dir Dir, info *sipmsg.Info) {
	b := &s.c.Sweep
	if len(b.Calls) == 0 || tr < 0 || info.ToTag != "" || dir == "" {
		return
	}
	out := !s.landingLeg(dir) // an outbound check's call leaves by the trunk; a test call lands
	key := sweepKey(s.callE164(info, !out), out)
	c, ok := b.Calls[key]
	if !ok || c.Arrived != 0 {
		return
	}
	if info.Sweep != c.Sweep && (info.Sweep != "" || !s.sweepFallback(t, c, info)) {
		return
	}
	c.Arrived, c.Trunk = t, tr
	if out {
		c.Attest = info.Attest
	}
	b.Calls[key] = c
	if c.Result != 0 {
		s.sweepVerdict(t, key, c)
	}
}

// sweepFallback matches an arrival without the sweep's header: From (or
// P-Asserted-Identity) is the sweep's caller, and the call is under way or
// had its result within sweepGrace.
func (s *State) sweepFallback(t int64, c sweepCall, info *sipmsg.Info) bool {
	run := s.sweepRun(c.Sweep)
	if run == nil || t < run.Start || (c.Result != 0 && t > c.Result+int64(sweepGrace)) {
		return false
	}
	cc := s.c.Cfg.DefaultCountry
	if c.Out { // the number is the caller; the check calls run.From
		return s.callE164(info, true) == run.From
	}
	return sipmsg.NormalizeE164(info.FromUser, cc) == run.From || sipmsg.NormalizeE164(info.PAIUser, cc) == run.From
}

// sweepResult folds the caller's side of one test call.
func (s *State) sweepResult(t int64, p *ProbeResult) {
	b := &s.c.Sweep
	key := sweepKey(p.Number, p.Out)
	c, ok := b.Calls[key]
	if !ok || c.Sweep != p.Sweep || c.Result != 0 {
		return
	}
	c.Result, c.Code, c.PDD = t, p.Code, p.PDD
	b.Calls[key] = c
	if c.Arrived != 0 {
		s.sweepVerdict(t, key, c)
		return
	}
	if due := t + int64(sweepGrace); b.Due == 0 || due < b.Due {
		b.Due = due
	}
}

// sweepDeadlines gives the calls whose grace has run out by now their
// verdict: nothing arrived.
func (s *State) sweepDeadlines(now int64) {
	b := &s.c.Sweep
	if b.Due == 0 || now < b.Due {
		return
	}
	b.Due = 0
	for _, key := range sortedKeys(b.Calls) {
		c := b.Calls[key]
		switch due := c.Result + int64(sweepGrace); {
		case c.Result == 0:
		case now >= due:
			s.sweepVerdict(due, key, c)
		case b.Due == 0 || due < b.Due:
			b.Due = due
		}
	}
}

// sweepEnd closes a sweep: the numbers it never called get no verdict
// (counted Unplaced); those with a result still get theirs.
func (s *State) sweepEnd(t int64, id string) {
	run := s.sweepRun(id)
	if run == nil || run.Ended != 0 {
		return
	}
	run.Ended = t
	for e164, c := range s.c.Sweep.Calls {
		if c.Sweep == id && c.Result == 0 {
			delete(s.c.Sweep.Calls, e164)
			run.Unplaced++
		}
	}
}

// sweepVerdict concludes the test call c (at key) at t: it sets the
// number's SweepIn (SweepOut), counts it in its sweep, and records the
// verdict.
func (s *State) sweepVerdict(t int64, key string, c sweepCall) {
	delete(s.c.Sweep.Calls, key)
	e164 := sweepNumber(key)
	r := SweepResult{Sweep: c.Sweep, Time: t, Code: c.Code, PDD: c.PDD, Trunk: s.trunkName(c.Trunk), Attest: c.Attest}
	run := s.sweepRun(c.Sweep)
	legacy, landed := SweepLandedLegacy, SweepLandedNew
	if c.Out {
		legacy, landed = SweepLeftLegacy, SweepLeftNew
	}
	switch {
	case c.Trunk >= 0 && s.c.Cfg.Trunks[c.Trunk].Role == RoleLegacy:
		r.Verdict = legacy
	case c.Trunk >= 0:
		r.Verdict = landed
	case c.Code >= 300 || c.Code == 0:
		r.Verdict = SweepFailed
	default:
		r.Verdict = SweepNeverArrived
	}
	if run != nil {
		switch r.Verdict {
		case SweepLandedNew, SweepLeftNew:
			run.New++
		case SweepLandedLegacy, SweepLeftLegacy:
			run.Legacy++
		case SweepFailed:
			run.Failed++
		default:
			run.Never++
		}
	}
	if i, ok := s.c.NumIdx[e164]; ok && c.Out {
		s.c.Numbers[i].SweepOut = r
	} else if ok {
		s.c.Numbers[i].SweepIn = r
	}
	s.c.Out = append(s.c.Out, Event{Time: t, Kind: KindProbe, Source: SourceFold, Probe: &ProbeResult{
		Probe: ProbeSweepVerdict, Sweep: c.Sweep, Out: c.Out, Number: e164, Verdict: r.Verdict, Landed: r.Trunk,
		Code: c.Code, PDD: c.PDD, Attest: c.Attest}})
}
