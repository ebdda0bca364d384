package monitor

// Period returns every trunk's and number's stats over the event-time slice
// [from, to), with from and to on bucket boundaries (whole minutes always
// are). Every counter of a call attempt lands in the bucket of its start,
// so the slice is final once the clock has left to by SettledMinutes; it
// must still be inside the rings (trunks keep the last 30 minutes, numbers
// the last 15). A report calls it once a minute as it folds a recording.
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
	for i := range s.B {
		if b := &s.B[i]; b.Index >= max(from/s.Width, 0) && b.Index < to/s.Width {
			st.add(b)
		}
	}
	sortCodes(st.Codes)
	return st
}

// SettledMinutes is how many whole minutes after a minute of event time
// its figures can still change: a call attempt's outcomes (its answer or
// failure, its PDD, a short call's BYE) count in the minute the attempt
// started, and a number keeps its last numberBucks minutes. A minute m is
// final, and Period(m, m+1min) may be read, once the clock has left minute
// m+SettledMinutes and before the next event is folded.
const SettledMinutes = numberBucks - 1
