package monitor

import "time"

// AlertAck is an operator's word on an alert (KindAlertAck): acknowledged
// (someone is on it), or silenced for a while (known, leave it quiet).
//
// An acknowledgement holds for the alert's current episode: when the alert
// closes and opens again, it is new trouble and unacknowledged. A silence
// holds for its rule and subject until Until, across episodes, as an
// Alertmanager silence does; silencing again with Until at or before the
// event's time lifts it.
type AlertAck struct {
	Rule    Rule
	Subject string
	By      string // the operator ($USER@host, or the SSH key's name)
	Until   int64  `json:",omitempty"` // Unix ns: silenced until then; 0 = acknowledged
}

// Key is the alert the word is on.
func (a AlertAck) Key() string { return alertKey(a.Rule, a.Subject) }

// silence is a silence in force.
type silence struct {
	Until int64
	By    string
}

// applyAck records an acknowledgement on the open alert it names (none
// open: nothing to acknowledge), or a silence on its rule and subject.
func (s *State) applyAck(t int64, a *AlertAck) {
	key := a.Key()
	if a.Until == 0 {
		if v, ok := s.c.Alerts[key]; ok {
			v.AckedBy, v.Acked = a.By, t
		}
		return
	}
	if a.Until <= t {
		delete(s.c.Silences, key)
		return
	}
	if s.c.Silences == nil {
		s.c.Silences = make(map[string]silence)
	}
	s.c.Silences[key] = silence{Until: a.Until, By: a.By}
}

// expireSilences forgets the silences that ended by t.
func (s *State) expireSilences(t int64) {
	for k, v := range s.c.Silences {
		if v.Until <= t {
			delete(s.c.Silences, k)
		}
	}
}

// silenced marks v with the silence on its rule and subject, if one is in
// force at now.
func (s *State) silenced(v *AlertView, now int64) {
	if x, ok := s.c.Silences[v.Key()]; ok && x.Until > now {
		v.SilencedBy, v.SilencedUntil = x.By, x.Until
	}
}

// Attended says an operator has the alert in hand: acknowledged,
// silenced when the snapshot was taken (a snapshot marks only the
// silences in force), or the intended effect of an operator's action
// (CausedBy). The header counts only the alerts nobody has.
func (v AlertView) Attended() bool {
	return v.Acked != 0 || v.SilencedUntil != 0 || v.CausedBy != ""
}

// triageRank orders open alerts: those nobody has in hand first, then
// acknowledged ones, then silenced ones, then an action's effects.
func (v AlertView) triageRank() int {
	switch {
	case v.CausedBy != "":
		return 3
	case v.SilencedUntil != 0:
		return 2
	case v.Acked != 0:
		return 1
	}
	return 0
}

// SilenceFor is the longest silence an operator may set: a night.
const SilenceFor = 12 * time.Hour
