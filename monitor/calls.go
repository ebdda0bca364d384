package monitor

import (
	"sort"
	"strings"
)

// The table of calls (core.Calls) is bounded: calls without a final
// response age out after callPending (sipfold.go), and each kind of call
// (on a trunk, or stray: on none) has its own cap (state.go). Eviction
// depends only on the calls' start times and Call-IDs, so a replay evicts
// the same calls.

// strayCount is how many calls in the table have no trunk, counted the
// first time it is needed after a restore or a clone and kept up to date
// since. It is derived from core.Calls, so a checkpoint does not carry it.
type strayCount struct {
	ok bool
	n  int
}

// strayCalls returns how many calls in the table have no trunk.
func (s *State) strayCalls() int {
	if !s.strays.ok {
		n := 0
		for _, c := range s.c.Calls {
			if c.Trunk < 0 {
				n++
			}
		}
		s.strays = strayCount{ok: true, n: n}
	}
	return s.strays.n
}

// addCall puts a new call in the table, evicting the oldest calls of its
// kind when that kind is over its cap.
func (s *State) addCall(id string, c *call) {
	s.c.Calls[id] = c
	if c.Trunk >= 0 {
		if len(s.c.Calls)-s.strayCalls() > maxTrunkCalls {
			s.evictCalls(true, maxTrunkCalls)
		}
		return
	}
	if s.strays.ok {
		s.strays.n++
	}
	if s.strayCalls() > maxStrayCalls {
		s.evictCalls(false, maxStrayCalls)
	}
}

// attachedCall notes that a stray call got its trunk.
func (s *State) attachedCall() {
	if s.strays.ok {
		s.strays.n--
	}
}

// deleteCall removes a call from the table.
func (s *State) deleteCall(id string, c *call) {
	delete(s.c.Calls, id)
	if c.Trunk < 0 && s.strays.ok {
		s.strays.n--
	}
}

// evictCalls evicts the oldest calls of one kind (on a trunk, or stray)
// until an eighth of the cap is free, and counts them.
func (s *State) evictCalls(onTrunk bool, limit int) {
	type aged struct {
		id    string
		start int64
	}
	var all []aged
	for id, c := range s.c.Calls {
		if (c.Trunk >= 0) == onTrunk {
			all = append(all, aged{id, c.Start})
		}
	}
	n := len(all) - (limit - limit/8)
	if n <= 0 {
		return
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].start != all[j].start {
			return all[i].start < all[j].start
		}
		return strings.Compare(all[i].id, all[j].id) < 0
	})
	for _, a := range all[:n] {
		s.deleteCall(a.id, s.c.Calls[a.id])
	}
	s.c.Evicted += uint64(n)
}
