package monitor

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Rank orders severities for triage: critical 2, warning 1, anything
// else 0.
func (v Severity) Rank() int {
	switch v {
	case SevCritical:
		return 2
	case SevWarning:
		return 1
	}
	return 0
}

// openAlert opens rule on subject unless it is open already (then only its
// message is refreshed), and queues the alert event for the recording.
func (s *State) openAlert(t int64, rule Rule, subject string, sev Severity, msg string) {
	key := alertKey(rule, subject)
	if a, ok := s.c.Alerts[key]; ok {
		a.Message = msg
		if len(s.c.Verify) > 0 {
			s.heldClose(key, false) // the rule holds again
		}
		return
	}
	a := AlertChange{Rule: rule, Subject: subject, Open: true, Severity: sev, Message: msg,
		CausedBy: s.causingAction(rule, subject)}
	s.c.Alerts[key] = &AlertView{AlertChange: a, Opened: t}
	s.c.Out = append(s.c.Out, Event{Time: t, Kind: KindAlert, Source: SourceFold, Alert: &a})
}

// closeAlert closes rule on subject if it is open, unless an action taken
// on it waits for its traffic (holds). why, when not nil, says why it
// closes (the value that closed it); it replaces the opening message, whose
// numbers are no longer true.
func (s *State) closeAlert(t int64, rule Rule, subject string, why func() string) {
	key := alertKey(rule, subject)
	a, ok := s.c.Alerts[key]
	if !ok {
		return
	}
	if s.holds(key) {
		s.heldClose(key, true) // it closes when the hold ends
		if why != nil {
			a.Message = why() // ...and for this reason, not the opening one
		}
		return
	}
	delete(s.c.Alerts, key)
	a.Open, a.Closed = false, t
	if why != nil {
		a.Message = why()
	}
	s.c.Closed = append(s.c.Closed, *a)
	if len(s.c.Closed) > closedAlerts {
		s.c.Closed = append(s.c.Closed[:0], s.c.Closed[len(s.c.Closed)-closedAlerts:]...)
	}
	ch := a.AlertChange
	ch.Message = "closed: " + a.Message
	s.c.Out = append(s.c.Out, Event{Time: t, Kind: KindAlert, Source: SourceFold, Alert: &ch})
}

// setAlert opens or closes rule on subject as cond says; msg is the open
// alert's message, why the closing one's.
func (s *State) setAlert(t int64, cond bool, rule Rule, subject string, sev Severity, msg, why func() string) {
	if cond {
		s.openAlert(t, rule, subject, sev, msg())
	} else {
		s.closeAlert(t, rule, subject, why)
	}
}

// optionsRule opens options_down on trunk i while the OPTIONS prober
// reports it down and closes it when the prober reports it up: the
// prober's fail_after and recover_after are its hysteresis. Pending
// changes nothing.
func (s *State) optionsRule(t int64, i int, p *ProbeResult) {
	answer := func() string {
		a := strconv.Itoa(p.Code)
		if p.Err != "" {
			a += ", " + p.Err
		} else if p.RTT > 0 {
			a += ", " + fmtDur(p.RTT)
		}
		return a
	}
	switch p.Health {
	case HealthDown:
		s.openAlert(t, RuleOptionsDown, s.trunkName(i), SevCritical,
			"OPTIONS down ("+answer()+"): the prober's health checks fail in a row")
	case HealthUp:
		s.closeAlert(t, RuleOptionsDown, s.trunkName(i), func() string { return "OPTIONS up again (" + answer() + ")" })
	}
}

// The hysteresis of options_down from OPTIONS seen on the wire (an SBC's
// own health checks, where no prober runs): as the prober's defaults.
const (
	wireOptionsFail    = 3 // failures in a row that open it
	wireOptionsRecover = 2 // answers in a row that close it
)

// wireOptions takes the outcome of an OPTIONS transaction seen on the
// wire (answered with code after rtt, or 408 when none came): the trunk's
// OPTIONS state, and options_down after failures in a row.
func (s *State) wireOptions(t int64, i, code int, rtt time.Duration) {
	s.setOptions(i, code, rtt)
	tr := &s.c.Trunks[i]
	answer := strconv.Itoa(code) + ", " + fmtDur(rtt)
	if tr.OptionsUp < 0 {
		tr.WireFails, tr.WireOKs = tr.WireFails+1, 0
		if tr.WireFails >= wireOptionsFail {
			s.openAlert(t, RuleOptionsDown, s.trunkName(i), SevCritical,
				"OPTIONS down ("+answer+"): "+strconv.Itoa(tr.WireFails)+" health checks seen on the wire failed in a row")
		}
		return
	}
	tr.WireFails, tr.WireOKs = 0, tr.WireOKs+1
	if tr.WireOKs >= wireOptionsRecover {
		s.closeAlert(t, RuleOptionsDown, s.trunkName(i), func() string {
			return "OPTIONS up again (" + answer + "): answered on the wire " + strconv.Itoa(tr.WireOKs) + " times in a row"
		})
	}
}

// trunkRules evaluates the rate rules of one trunk at event time t.
func (s *State) trunkRules(t int64, tr int) {
	th := s.c.Cfg.Thresholds
	name := s.trunkName(tr)
	w := &s.c.Trunks[tr].W
	one := w.sum(t, time.Minute)
	finals := one.Completed + countRange(one.Codes, 300, 399)

	n488 := w.count(t, time.Minute, 488)
	share := 0.0
	if finals > 0 {
		share = float64(n488) / float64(finals)
	}
	_, open := s.c.Alerts[alertKey(RuleCodec488, name)]
	cond := n488 >= th.Codec488Count && share >= th.Codec488Share
	if open { // hysteresis: stay open until clearly below
		cond = n488 >= halfUp(th.Codec488Count) && share >= th.Codec488Share/2
	}
	s.setAlert(t, cond, RuleCodec488, name, SevCritical, func() string {
		return fmt.Sprintf("%d× 488 Not Acceptable Here in the last minute (%.0f%% of final responses): codec/SDP mismatch", n488, share*100)
	}, func() string {
		if n488 < halfUp(th.Codec488Count) {
			return fmt.Sprintf("%d× 488 in the last minute, under %d", n488, halfUp(th.Codec488Count))
		}
		return fmt.Sprintf("488s %s of final responses in the last minute, under %s",
			pct(share, th.Codec488Share/2), pct(th.Codec488Share/2))
	})

	bursts := w.count(t, time.Minute, 408) + w.count(t, time.Minute, 503)
	_, open = s.c.Alerts[alertKey(RuleTimeoutBurst, name)]
	cond = bursts >= th.TimeoutBurst || (open && bursts >= halfUp(th.TimeoutBurst))
	s.setAlert(t, cond, RuleTimeoutBurst, name, SevCritical, func() string {
		return fmt.Sprintf("%d× 408/503 in the last minute: trunk timing out or unavailable", bursts)
	}, func() string {
		return fmt.Sprintf("%d× 408/503 in the last minute, under %d", bursts, halfUp(th.TimeoutBurst))
	})

	five := w.sum(t, 5*time.Minute)
	s.floorRule(t, floor{rule: RuleNERDrop, subject: name, sev: SevCritical,
		v: five.NER(), min: th.NERMin, recovery: nerRecovery, n: five.Completed, minN: th.NERMinAttempts, show: pct,
		head: func(shown string) string {
			return fmt.Sprintf("NER %s over 5 min (%d attempts)", shown, five.Completed)
		},
		few: func(half int) string {
			return fmt.Sprintf("%d attempts over 5 min, under %d: too few to judge NER", five.Completed, half)
		}})
	s.trunkMedia(t, tr, &five.Media)
	s.trunkAttestation(t, tr)
}

// floor is a rule on a value that must stay at or above a minimum, over
// enough samples: NER, MOS.
type floor struct {
	rule     Rule
	subject  string
	sev      Severity
	v        float64 // the value (over n samples)
	min      float64 // it opens below min, over at least minN samples
	recovery float64 // once open, it closes at min+recovery, or under half minN samples
	n, minN  int
	show     func(v float64, ths ...float64) string // prints a value: pct, mosText
	head     func(shown string) string              // the message before the verdict ("NER 79.8% over 5 min (20 attempts)")
	few      func(half int) string                  // why it closes with too few samples
}

// floorRule opens or closes a floor rule with its hysteresis.
func (s *State) floorRule(t int64, f floor) {
	_, open := s.c.Alerts[alertKey(f.rule, f.subject)]
	recovered := f.min + f.recovery
	cond := f.n >= f.minN && below(f.v, f.min)
	if open { // hysteresis: closes once clearly recovered, or the samples have thinned out
		cond = f.n >= halfUp(f.minN) && below(f.v, recovered)
	}
	s.setAlert(t, cond, f.rule, f.subject, f.sev, func() string {
		shown := f.head(f.show(f.v, f.min, recovered))
		if below(f.v, f.min) {
			return shown + ", below " + f.show(f.min)
		}
		return shown + ": recovering, closes at " + f.show(recovered)
	}, func() string {
		if f.n < halfUp(f.minN) {
			return f.few(halfUp(f.minN))
		}
		return f.head(f.show(f.v, recovered)) + ", at or above " + f.show(recovered)
	})
}

// dropRule evaluates a number's short-call share over 15 minutes.
func (s *State) dropRule(t int64, num int) {
	th := s.c.Cfg.Thresholds
	n := &s.c.Numbers[num]
	st := n.W.sum(t, 15*time.Minute)
	rate := st.DropRate()
	_, open := s.c.Alerts[alertKey(RuleDropRate, n.E164)]
	cond := st.Answered >= th.DropMinAnswered && rate > th.DropRateMax
	if open { // hysteresis: closes below half the threshold
		cond = st.Answered >= halfUp(th.DropMinAnswered) && rate > th.DropRateMax/2
	}
	s.setAlert(t, cond, RuleDropRate, n.E164, SevWarning, func() string {
		return fmt.Sprintf("%.0f%% of %d answered calls ended within %s over 15 min", rate*100, st.Answered, th.ShortCall)
	}, func() string {
		if st.Answered < halfUp(th.DropMinAnswered) {
			return fmt.Sprintf("%d answered calls over 15 min, under %d: too few to judge", st.Answered, halfUp(th.DropMinAnswered))
		}
		return fmt.Sprintf("%s of %d answered calls ended within %s over 15 min, at or below %s",
			pct(rate, th.DropRateMax/2), st.Answered, th.ShortCall, pct(th.DropRateMax/2))
	})
}

// rateEps absorbs float error in a threshold made by arithmetic (0.8 +
// 0.05 is 0.8500000000000001): a rate that prints as the threshold
// compares as it.
const rateEps = 1e-9

// below reports whether rate v is below threshold th.
func below(v, th float64) bool { return v < th-rateEps }

// pct prints a rate in an alert's message, "79.6%". Rounded to a whole
// percent it would read as one of the thresholds ths it is compared with
// while not equal to it ("NER 80%, below 80%"), so it takes a decimal, or
// two, until it does not.
func pct(v float64, ths ...float64) string {
	for dec := 0; ; dec++ {
		s := strconv.FormatFloat(v*100, 'f', dec, 64)
		if dec == 2 {
			return s + "%"
		}
		clash := false
		for _, th := range ths {
			same := v-th < rateEps && th-v < rateEps
			clash = clash || !same && s == strconv.FormatFloat(th*100, 'f', dec, 64)
		}
		if !clash {
			return s + "%"
		}
	}
}

// nerRecovery is how far above NERMin a trunk's NER must climb before an
// open ner_drop closes, so a rate sitting on the threshold does not flap.
const nerRecovery = 0.05

// registrationRule opens "registration" while a trunk's REGISTER is refused,
// timed out or lapsed, and closes it when the trunk is registered again. A
// challenge (401/407) is the normal first step and changes nothing.
func (s *State) registrationRule(t int64, i int) {
	tr := &s.c.Trunks[i]
	switch tr.Reg {
	case RegFailed, RegTimeout, RegUnregistered:
		msg := "registration " + string(tr.Reg)
		if tr.RegCode > 0 {
			msg += " (" + strconv.Itoa(tr.RegCode) + ")"
		}
		s.openAlert(t, RuleRegistration, s.trunkName(i), SevCritical, msg+": inbound calls through this trunk will not arrive")
	case RegRegistered:
		s.closeAlert(t, RuleRegistration, s.trunkName(i), func() string { return "registered again" })
	}
}

// sweep runs the time-driven work at event time s.c.Now: rules that fire on
// silence or close after quiet, expiry of calls and transactions. It runs
// on a fixed grid of event time, so live and replay sweep at the same times.
func (s *State) sweep() {
	t := s.c.Now
	th := s.c.Cfg.Thresholds
	s.expireSilences(t)
	for i := range s.c.Trunks {
		tr := &s.c.Trunks[i]
		name := s.trunkName(i)
		if tr.LastSeen > 0 && t-tr.LastSeen >= int64(th.SilentAfter) {
			s.openAlert(t, RuleTrunkSilent, name, SevWarning,
				"no calls for "+fmtDur(time.Duration(t-tr.LastSeen))+" after earlier traffic")
		}
		if tr.Reg == RegRegistered && tr.RegExpiresAt > 0 && t >= tr.RegExpiresAt {
			s.setReg(t, i, RegUnregistered, tr.RegCode, 0)
		}
		s.trunkRules(t, i)
	}
	for _, key := range s.openKeys() {
		a, open := s.c.Alerts[key]
		if !open {
			continue // closed earlier in this sweep (numberMedia closes both media rules)
		}
		num, ok := s.c.NumIdx[a.Subject]
		if !ok {
			continue
		}
		n := &s.c.Numbers[num]
		switch a.Rule {
		case RuleZombie:
			if t-n.LastZombie >= int64(th.ZombieAfter) {
				s.closeAlert(t, a.Rule, a.Subject, func() string {
					return s.zombieQuiet(time.Duration(t - n.LastZombie))
				})
			}
		case RuleSplitBrain:
			if t-n.LastSplit >= int64(th.SplitBrainQuiet) {
				s.closeAlert(t, a.Rule, a.Subject, func() string {
					return s.splitQuiet(time.Duration(t - n.LastSplit))
				})
			}
		case RuleDropRate:
			s.dropRule(t, num)
		case RuleOneWayAudio, RuleNoMedia:
			s.numberMedia(t, num)
		case RuleAttestation:
			s.numberAttestation(t, num)
		}
	}
	s.expire(t)
	s.expireStirWaits(t)
}

// openKeys lists open alert keys in a fixed order, so the events a sweep
// emits come out the same way every time.
func (s *State) openKeys() []string {
	keys := make([]string, 0, len(s.c.Alerts))
	for k := range s.c.Alerts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *State) expire(t int64) {
	for id, c := range s.c.Calls {
		if t >= c.ExpiresAt {
			s.deleteCall(id, c)
		}
	}
	var late []string
	for key, tx := range s.c.Options {
		if t-tx.Sent >= int64(optionsExpiry) {
			late = append(late, key)
		}
	}
	sort.Strings(late) // several timeouts on one trunk: apply them in a fixed order
	for _, key := range late {
		tx := s.c.Options[key]
		delete(s.c.Options, key)
		s.wireOptions(t, tx.Trunk, 408, time.Duration(t-tx.Sent))
	}
}

func countRange(codes []CodeCount, lo, hi int) int {
	n := 0
	for _, c := range codes {
		if c.Code >= lo && c.Code <= hi {
			n += c.Count
		}
	}
	return n
}

// fmtDur prints a duration the way an operator reads it: 90s → "1m30s", 2h5m → "2h5m".
func fmtDur(d time.Duration) string {
	d = d.Round(time.Second)
	if d >= time.Hour {
		d = d.Round(time.Minute)
		h := d / time.Hour
		m := (d % time.Hour) / time.Minute
		return fmt.Sprintf("%dh%dm", h, m)
	}
	return d.String()
}
