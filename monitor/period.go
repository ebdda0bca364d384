package monitor

// Period returns every trunk's and number's stats over the event-time slice
// [from, to), with from and to on bucket boundaries (whole minutes always
// are). Counters land in the bucket of the event that moves them, so once
// the clock has passed to the slice is final; it must still be inside the
// rings (trunks keep the last 30 minutes, numbers the last 15). A report
// calls it once a minute as it folds a recording.
func (s *State) Period(from, to int64) (trunks, numbers []Stats) {
	trunks = make([]Stats, len(s.c.Trunks))
	for i := range s.c.Trunks {
		trunks[i] = s.c.Trunks[i].W.span(from, to)
	}
	numbers = make([]Stats, len(s.c.Numbers))
	for i := range s.c.Numbers {
		numbers[i] = s.c.Numbers[i].W.span(from, to)
	}
	return trunks, numbers
}

// NumberNames lists the numbers in the order Period returns them.
func (s *State) NumberNames() []string {
	out := make([]string, len(s.c.Numbers))
	for i := range s.c.Numbers {
		out[i] = s.c.Numbers[i].E164
	}
	return out
}

// span adds up the buckets of event time [from, to).
func (s *series) span(from, to int64) Stats {
	var st Stats
	for i := from / s.Width; i < to/s.Width; i++ {
		if i < 0 {
			continue
		}
		if b := &s.B[int(i%int64(len(s.B)))]; b.Index == i {
			st.add(b)
		}
	}
	sortCodes(st.Codes)
	return st
}
