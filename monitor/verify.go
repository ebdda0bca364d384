package monitor

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Derived reports whether ev was derived by the fold: an alert opening or
// closing, or a step of an action's verification. The pipeline records
// derived events; Apply ignores them, so a replay derives them again.
func Derived(ev Event) bool {
	return ev.Kind == KindAlert || ev.Kind == KindAction && ev.Source == SourceVerify
}

// verifyState is a done action waiting for its traffic to move: it counts
// the new calls (attempts that start once the action is done) in the
// expected direction for the expected numbers, on the expected trunks or
// elsewhere. Exported fields: it is part of the checkpointed core.
type verifyState struct {
	ID        string
	Type      string
	Target    string
	Expect    ActionExpect
	Prompted  string // the alert key held open until verified
	Done      int64  // event time the action was done
	Deadline  int64  // Done + Expect.Within
	On        int    // new calls on the expected trunks
	Elsewhere int    // new calls on any other trunk
	Expired   bool   // the deadline passed unverified: action_unverified is open
	// CloseHeld: the Prompted alert's rule would have closed it meanwhile;
	// it closes when the hold ends, unless the rule opens it again first.
	CloseHeld bool
}

func (v *verifyState) need() int { return max(v.Expect.Calls, 1) }

// verified is the rule: enough new calls on the expected trunks, and more
// of them there than anywhere else.
func (v *verifyState) verified() bool { return v.On >= v.need() && v.On > v.Elsewhere }

func (v *verifyState) counts() string {
	return fmt.Sprintf("%d of %d calls on %s, %d elsewhere", v.On, v.need(), strings.Join(v.Expect.Trunks, " or "), v.Elsewhere)
}

// progress is how verification stands at event time now, for the screen.
func (v *verifyState) progress(now int64) string {
	if v.Expired {
		ago := time.Duration(now - v.Done)
		if ago >= time.Minute {
			ago = ago.Truncate(time.Minute)
		}
		return "not verified: " + v.counts() + " in " + ShortDur(ago)
	}
	return v.counts() + ", " + ShortDur(time.Duration(v.Deadline-now)) + " left"
}

// what names the traffic the action expects: "outbound calls of +1555*".
func (v *verifyState) what() string {
	s := "calls"
	switch v.Expect.Dir {
	case DirIn:
		s = "inbound calls"
	case DirOut:
		s = "outbound calls"
	}
	if len(v.Expect.Numbers) > 0 {
		s += " of " + strings.Join(v.Expect.Numbers, ", ")
	}
	return s
}

// ShortDur prints a duration the way an operator reads it: whole minutes
// (rounded up) from a minute on, else seconds; "1h", not "1h0m".
func ShortDur(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", max(int64((d+time.Second-1)/time.Second), 0))
	}
	s := strings.TrimSuffix(fmtDur((d+time.Minute-1)/time.Minute*time.Minute), "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// matchNumber reports whether an E.164 number is one of the patterns: a
// number exactly, or a range written as a prefix with a trailing "*". No
// patterns match every number.
func matchNumber(patterns []string, e164 string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if pre, ok := strings.CutSuffix(p, "*"); ok && e164 != "" && strings.HasPrefix(e164, pre) || p == e164 && e164 != "" {
			return true
		}
	}
	return false
}

// verifyStep adjusts a new step of an action before the fold keeps it: a
// done action that expects traffic becomes unverified and starts waiting
// for its calls; a failed or undone one stops waiting (and its alert
// closes). prev is the action's previous view (nil for a new action).
func (s *State) verifyStep(t int64, v, prev *ActionView) {
	i := s.pendingVerify(v.ID)
	switch {
	case v.State == ActionDone && prev != nil && (prev.State == ActionVerified || prev.State == ActionUnverified):
		v.State, v.Progress = prev.State, prev.Progress // a repeated done step changes nothing
	case v.State == ActionDone && v.Expect != nil:
		s.supersede(t, v)
		vs := verifyState{ID: v.ID, Type: v.Type, Target: v.Target, Expect: *v.Expect, Prompted: v.Prompted,
			Done: t, Deadline: t + v.Expect.Within}
		v.State, v.Progress = ActionUnverified, vs.progress(t)
		s.c.Verify = append(s.c.Verify, vs)
		s.emitVerify(t, v)
	case (v.State == ActionFailed || v.State == ActionUndone) && i >= 0:
		v.Progress = string(v.State) + " before verification: " + s.c.Verify[i].counts()
		s.stopWaiting(t, i)
	case prev != nil:
		v.Progress = prev.Progress
	}
}

// supersede stops the waits that a newer action on the same thing ends: a
// failover or restore of the same target, an outbound route of the same
// number. Their traffic can no longer move as they expected.
func (s *State) supersede(t int64, v *ActionView) {
	family := func(typ string) string {
		if typ == "restore" {
			return "failover"
		}
		return typ
	}
	for i := 0; i < len(s.c.Verify); i++ {
		old := s.c.Verify[i]
		if old.ID == v.ID || old.Target != v.Target || family(old.Type) != family(v.Type) {
			continue
		}
		if a := s.actionIndex(old.ID); a >= 0 {
			prev := &s.c.Actions[a]
			prev.Updated = t
			prev.Progress = "superseded by " + v.Type + " " + v.ID + " before verification: " + old.counts()
			s.emitVerify(t, prev)
		}
		s.stopWaiting(t, i)
		i--
	}
}

// stopWaiting ends the i-th wait: its action_unverified closes, and the
// alert it held closes if its rule closed it meanwhile.
func (s *State) stopWaiting(t int64, i int) {
	vs := s.c.Verify[i]
	s.c.Verify = slices.Delete(s.c.Verify, i, i+1)
	s.closeAlert(t, RuleActionUnverified, vs.ID, func() string { return "the wait ended: " + vs.counts() })
	if vs.CloseHeld {
		if _, open := s.c.Alerts[vs.Prompted]; open {
			rule, subject, _ := strings.Cut(vs.Prompted, ":")
			s.closeAlert(t, Rule(rule), subject, nil) // unless another wait holds it too
		}
	}
}

// heldClose notes that key's rule closed it while a wait holds it; reopen
// says the rule holds again (the close no longer stands).
func (s *State) heldClose(key string, closed bool) {
	for i := range s.c.Verify {
		if s.c.Verify[i].Prompted == key {
			s.c.Verify[i].CloseHeld = closed
		}
	}
}

func (s *State) pendingVerify(id string) int {
	return slices.IndexFunc(s.c.Verify, func(v verifyState) bool { return v.ID == id })
}

func (s *State) actionIndex(id string) int {
	return slices.IndexFunc(s.c.Actions, func(a ActionView) bool { return a.ID == id })
}

// emitVerify queues the action's verification step for the recording: the
// whole record, its Result followed by how verification stands.
func (s *State) emitVerify(t int64, v *ActionView) {
	rec := v.ActionRecord
	rec.Result = strings.TrimLeft(rec.Result+"\n"+v.Progress, "\n")
	s.c.Out = append(s.c.Out, Event{Time: t, Kind: KindAction, Source: SourceVerify, Action: &rec})
}

// verifyCall counts a new call attempt on trunk tr (started at start, of
// number e164, "" when unknown) for every action waiting for its traffic.
func (s *State) verifyCall(t, start int64, tr int, inbound bool, e164 string) {
	if len(s.c.Verify) == 0 || tr < 0 {
		return
	}
	dir, name := DirOut, s.trunkName(tr)
	if inbound {
		dir = DirIn
	}
	for i := 0; i < len(s.c.Verify); i++ {
		v := &s.c.Verify[i]
		if start < v.Done || v.Expect.Dir != "" && v.Expect.Dir != dir || !matchNumber(v.Expect.Numbers, e164) {
			continue
		}
		if slices.Contains(v.Expect.Trunks, name) {
			v.On++
		} else {
			v.Elsewhere++
		}
		if v.verified() {
			s.verifyDone(t, i)
			i--
		}
	}
}

// verifyDone marks the i-th waiting action verified: it stops waiting, its
// action_unverified alert closes and the alert it was taken on may close.
func (s *State) verifyDone(t int64, i int) {
	vs := s.c.Verify[i]
	s.stopWaiting(t, i)
	a := s.actionIndex(vs.ID)
	if a < 0 {
		return
	}
	v := &s.c.Actions[a]
	v.State, v.Updated = ActionVerified, t
	v.Progress = fmt.Sprintf("verified: %d calls on %s", vs.On, strings.Join(vs.Expect.Trunks, " or "))
	if vs.Elsewhere > 0 {
		v.Progress += fmt.Sprintf(", %d elsewhere", vs.Elsewhere)
	}
	s.emitVerify(t, v)
}

// verifyDeadlines opens action_unverified for every waiting action whose
// deadline has passed at event time now (the live clock ticks every
// second, so this fires on time without traffic too).
func (s *State) verifyDeadlines(now int64) {
	for i := range s.c.Verify {
		vs := &s.c.Verify[i]
		if vs.Expired || now <= vs.Deadline {
			continue
		}
		vs.Expired = true
		s.openAlert(now, RuleActionUnverified, vs.ID, SevWarning,
			fmt.Sprintf("%s %s: %s did not move to %s within %s (%s)", vs.Type, vs.Target, vs.what(),
				strings.Join(vs.Expect.Trunks, " or "), ShortDur(time.Duration(vs.Expect.Within)), vs.counts()))
		if a := s.actionIndex(vs.ID); a >= 0 {
			v := &s.c.Actions[a]
			v.Updated, v.Progress = now, vs.progress(now)
			s.emitVerify(now, v)
		}
	}
}

// holds reports whether an alert must stay open whatever its rule says:
// an action the operator took on it is done but its traffic has not moved.
func (s *State) holds(key string) bool {
	for i := range s.c.Verify {
		if s.c.Verify[i].Prompted == key {
			return true
		}
	}
	return false
}

// verifyProgress fills in the progress of the actions still waiting for
// their traffic at event time now (the countdown moves with the clock).
func (s *State) verifyProgress(actions []ActionView, now int64) {
	for i := range s.c.Verify {
		vs := &s.c.Verify[i]
		if a := slices.IndexFunc(actions, func(a ActionView) bool { return a.ID == vs.ID }); a >= 0 {
			actions[a].Progress = vs.progress(now)
		}
	}
}
