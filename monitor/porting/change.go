package porting

import "github.com/cutover/cutover/monitor"

// What a poll that read a status publishes: only changes, and a move
// against the port's order flagged.

// changed publishes a port-state event for every number of request i
// whose state differs from the last one known.
func (p *Poller) changed(i int, word string, state monitor.PortState, activation int64, publish func(monitor.Event) bool) {
	r := p.reqs[i]
	t := p.now().UnixNano()
	for j, num := range r.Numbers {
		prev := p.last[i][j]
		if prev == state {
			continue
		}
		back := Backwards(prev, state)
		ev := monitor.Event{Time: t, Kind: monitor.KindPortState, Source: monitor.SourcePorting, Port: &monitor.PortChange{
			Number: num, State: state, Request: r.ID, Status: word, Previous: prev, Backwards: back, Activation: activation,
		}}
		if !publish(ev) {
			p.st.dropped.Add(1) // p.last stays: the next poll publishes it again
			continue
		}
		p.last[i][j] = state
		p.st.changes.Add(1)
		if back {
			p.st.backwards.Add(1)
			p.log.Warn("porting status went backwards", "request", r.ID, "number", num, "from", prev, "to", state, "status", word)
		} else {
			p.log.Info("port state changed", "request", r.ID, "number", num, "from", prev, "to", state, "status", word)
		}
	}
}

// Backwards reports whether moving from prev to next goes against a
// port's order: leaving completed, or stepping back along pending →
// approved → in_progress → completed. Denied and cancelled are outcomes,
// not steps: reaching them, or leaving them (a resubmitted order), is not
// backwards.
func Backwards(prev, next monitor.PortState) bool {
	if prev == next {
		return false
	}
	if prev == monitor.PortCompleted {
		return true
	}
	rank := func(s monitor.PortState) int {
		switch s {
		case monitor.PortPending:
			return 0
		case monitor.PortApproved:
			return 1
		case monitor.PortInProgress:
			return 2
		case monitor.PortCompleted:
			return 3
		}
		return -1
	}
	a, b := rank(prev), rank(next)
	return a >= 0 && b >= 0 && b < a
}
