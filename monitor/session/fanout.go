package session

import (
	"sync"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/tui"
)

// fanout is the relay's one sender made many: the local screen, and one
// per operator over SSH. Its Send never waits for a screen: each screen
// has its own goroutine and a mailbox of one snapshot, and a screen that
// has not taken the last one yet gets the newest instead (the older is
// dropped and counted). A screen that joins late gets the latest
// snapshot, and the end if the night has ended.
type fanout struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
	snap tea.Msg // the latest snapshot sent (nil: none yet)
	done tea.Msg // the end, once sent (nil: not yet)
}

type subscriber struct {
	to      sender
	snap    chan tea.Msg // the newest snapshot not yet sent
	done    chan tea.Msg // the end
	quit    chan struct{}
	dropped atomic.Int64 // snapshots replaced before this screen took them
}

func newFanout() *fanout { return &fanout{subs: map[*subscriber]struct{}{}} }

// Send hands msg to every screen without waiting for any.
func (f *fanout) Send(msg tea.Msg) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := msg.(tui.DoneMsg); ok {
		f.done = msg
		for s := range f.subs {
			select { // the end is sent once: its mailbox is free
			case s.done <- msg:
			default:
			}
		}
		return
	}
	f.snap = msg
	for s := range f.subs {
		s.offer(msg)
	}
}

// offer puts msg in the mailbox, in place of an older one not yet taken.
// Only Send offers (under the fanout's lock), so the loop ends: the
// screen's goroutine only ever empties the mailbox.
func (s *subscriber) offer(msg tea.Msg) {
	for {
		select {
		case s.snap <- msg:
			return
		default:
		}
		select {
		case <-s.snap:
			s.dropped.Add(1)
		default:
		}
	}
}

// attach adds a screen until detach (which does not wait for a send
// under way: a program's Send returns once it has stopped).
func (f *fanout) attach(to sender) (sub *subscriber, detach func()) {
	s := &subscriber{to: to, snap: make(chan tea.Msg, 1), done: make(chan tea.Msg, 1), quit: make(chan struct{})}
	f.mu.Lock()
	if f.snap != nil {
		s.snap <- f.snap
	}
	if f.done != nil {
		s.done <- f.done
	}
	f.subs[s] = struct{}{}
	f.mu.Unlock()
	go s.run()
	var once sync.Once
	return s, func() {
		once.Do(func() {
			f.mu.Lock()
			delete(f.subs, s)
			f.mu.Unlock()
			close(s.quit)
		})
	}
}

// Attach adds a screen's program to the fanout (sshserve.Screens).
func (f *fanout) Attach(p *tea.Program) (detach func()) {
	_, detach = f.attach(p)
	return detach
}

func (s *subscriber) run() {
	for {
		select {
		case <-s.quit:
			return
		case m := <-s.snap:
			s.to.Send(m)
		case m := <-s.done:
			select { // the last snapshot goes before the end
			case last := <-s.snap:
				s.to.Send(last)
			default:
			}
			s.to.Send(m)
		}
	}
}
