package monitor

import "sort"

// Snapshot copies what the dashboard shows out of the fold. The result
// shares nothing with the State that the fold changes (landing curves are
// shared: the fold replaces them, never writes to them) and is safe to
// hand to another goroutine.
func (s *State) Snapshot() *Snapshot {
	now := s.c.Now
	snap := &Snapshot{
		Name:      s.c.Cfg.Name,
		Now:       now,
		Applied:   s.c.Applied,
		SIP:       s.c.SIP,
		Malformed: s.c.Malformed,

		Quarantined:  s.c.Quarantined,
		CallsEvicted: s.c.Evicted,
		Trunks:       make([]TrunkView, len(s.c.Trunks)),
		Numbers:      make([]NumberView, len(s.c.Numbers)),
	}
	for i := range s.c.Trunks {
		tr := &s.c.Trunks[i]
		v := TrunkView{
			Name: s.c.Cfg.Trunks[i].Name, Role: s.c.Cfg.Trunks[i].Role,
			Registration: tr.Reg, RegCode: tr.RegCode, RegExpiresAt: tr.RegExpiresAt,
			OptionsUp: tr.OptionsUp, OptionsRTT: tr.OptionsRTT, OptionsCode: tr.OptionsCode,
			LastSeen: tr.LastSeen,
			Spark:    sparkPerMinute(&tr.W, now),
			Total:    tr.W.total(),
		}
		for w, d := range Windows {
			v.Win[w] = tr.W.sum(now, d)
		}
		snap.Trunks[i] = v
	}
	flags := s.numberFlags()
	for i := range s.c.Numbers {
		n := &s.c.Numbers[i]
		v := NumberView{
			E164: n.E164, PortRequestID: n.PortRequestID, PortState: n.PortState,
			Activated: n.Activated, LastSeen: n.LastSeen, Flags: flags[n.E164],
			Landing: n.Landing, SweepIn: n.SweepIn, SweepOut: n.SweepOut,
			Curve: n.Curve, // copied on write (addLanding): never changed in place
		}
		if n.Egress >= 0 {
			v.Egress, v.EgressRole = s.c.Cfg.Trunks[n.Egress].Name, s.c.Cfg.Trunks[n.Egress].Role
		}
		if n.Serving >= 0 {
			v.Serving, v.ServingRole = s.c.Cfg.Trunks[n.Serving].Name, s.c.Cfg.Trunks[n.Serving].Role
		}
		for w, d := range Windows {
			v.Win[w] = n.W.sum(now, d)
		}
		snap.Numbers[i] = v
	}
	snap.Requests = s.requestViews(snap.Numbers)
	snap.Alerts = s.alertViews()
	snap.Feed = s.feedLines()
	snap.Actions = append([]ActionView(nil), s.c.Actions...)
	s.verifyProgress(snap.Actions, now)
	snap.Notes = append([]NoteView(nil), s.c.Notes...)
	snap.Stir, snap.StirPending = s.c.Stir, len(s.c.StirWait)
	snap.Sweeps = append([]SweepView(nil), s.c.Sweep.Runs...)
	snap.Media = s.c.Media
	return snap
}

// sparkPerMinute folds the trunk's 10 s slices into calls per minute.
func sparkPerMinute(w *series, now int64) []int {
	per := int(60e9 / w.Width)
	raw := w.perBucket(now, SparkMinutes*per)
	out := make([]int, SparkMinutes)
	for i, n := range raw {
		out[i/per] += n
	}
	return out
}

func (s *State) numberFlags() map[string][]string {
	flags := make(map[string][]string)
	for _, k := range s.openKeys() {
		a := s.c.Alerts[k]
		if _, ok := s.c.NumIdx[a.Subject]; ok {
			flags[a.Subject] = append(flags[a.Subject], string(a.Rule))
		}
	}
	return flags
}

// alertViews lists open alerts by severity (critical first), then age
// (newest first), then closed ones, the last closed first.
func (s *State) alertViews() []AlertView {
	out := make([]AlertView, 0, len(s.c.Alerts)+len(s.c.Closed))
	for _, k := range s.openKeys() {
		v := *s.c.Alerts[k]
		s.silenced(&v, s.c.Now)
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if ti, tj := out[i].triageRank(), out[j].triageRank(); ti != tj {
			return ti < tj
		}
		if ri, rj := out[i].Severity.Rank(), out[j].Severity.Rank(); ri != rj {
			return ri > rj
		}
		return out[i].Opened > out[j].Opened
	})
	for i := len(s.c.Closed) - 1; i >= 0; i-- {
		out = append(out, s.c.Closed[i])
	}
	return out
}

func (s *State) feedLines() []FeedLine {
	out := make([]FeedLine, 0, len(s.c.Feed))
	out = append(out, s.c.Feed[s.c.FeedPos:]...)
	return append(out, s.c.Feed[:s.c.FeedPos]...)
}
