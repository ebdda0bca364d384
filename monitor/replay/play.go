package replay

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/cutover/cutover/monitor"
)

// play publishes recorded events from the current position, paced, until
// the end of what is recorded (nil) or a command interrupts it.
func (c *Controller) play(ctx context.Context, pub func(context.Context, monitor.Event) error) error {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.mu.Lock()
	c.interrupt = cancel
	from := c.pos.Seq
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.interrupt = nil
		c.mu.Unlock()
	}()
	if len(c.cmds) > 0 {
		return errInterrupted
	}
	err := c.rec.Events(pctx, from, func(seq int64, ev monitor.Event) error {
		if len(c.cmds) > 0 {
			return errInterrupted
		}
		if monitor.Derived(ev) { // derived by the fold: not played, as live
			c.moved(seq, 0)
			return nil
		}
		if ev.Quarantined { // its time is not trusted: folded (counted) at once, no pacing, no move in time
			if err := pub(ctx, ev); err != nil {
				return err
			}
			c.moved(seq, 0)
			return nil
		}
		if err := c.o.Pacer.Wait(pctx, ev.Time); err != nil {
			return err
		}
		// Publish with ctx, not pctx: once the pacer lets an event go it is
		// queued whole, so the position always matches what was folded.
		if err := pub(ctx, ev); err != nil {
			return err
		}
		c.moved(seq, ev.Time)
		c.mu.Lock()
		c.tl.Live = false
		c.mu.Unlock()
		return nil
	})
	if ctx.Err() == nil && (pctx.Err() != nil || errors.Is(err, errInterrupted)) {
		return errInterrupted
	}
	return err
}

// moved records the position after seq (t = 0 keeps the time).
func (c *Controller) moved(seq, t int64) {
	c.mu.Lock()
	c.pos.Seq = seq
	if t != 0 {
		c.pos.Time = t
	}
	c.mu.Unlock()
}

// handle runs the queued commands: only the last seek matters.
func (c *Controller) handle(ctx context.Context, pub func(context.Context, monitor.Event) error,
	replace func(context.Context, *monitor.State) error) error {
	for {
		var cmd command
		select {
		case cmd = <-c.cmds:
		default:
			c.mu.Lock()
			c.tl.Seeking = false
			c.mu.Unlock()
			return nil
		}
		if cmd.step {
			if err := c.stepOne(ctx, pub); err != nil {
				return err
			}
			continue
		}
		if len(c.cmds) > 0 {
			continue // a later command supersedes this seek
		}
		if c.nearAhead(cmd.t) {
			if err := c.fastForward(ctx, pub, cmd.t); err != nil {
				return err
			}
			continue
		}
		st, pos, err := Seek(ctx, c.rec, c.o.Config, cmd.t)
		if err != nil {
			return err
		}
		if pos.Skipped != nil && c.o.Logger != nil {
			c.o.Logger.Warn("replay: a seek passed over a damaged checkpoint and folded from an earlier one",
				"err", pos.Skipped, "from_seq", pos.Seq)
		}
		c.mu.Lock()
		c.tl.Seeking = len(c.cmds) > 0 // done, unless more is queued: the snapshot Replace publishes shows it
		c.mu.Unlock()
		if err := replace(ctx, st); err != nil {
			return err
		}
		c.o.Pacer.Reanchor()
		c.mu.Lock()
		c.pos = pos
		// The replay stands at the target, not at the last event before it:
		// ] after ] moves on even when a mark falls between events.
		c.pos.Time = max(pos.Time, min(cmd.t, c.tl.End))
		c.mu.Unlock()
		_ = c.refresh(false)
	}
}

// stepOne publishes the next played event, skipping derived ones (and
// publishing quarantined ones on the way: they are not a step in time).
func (c *Controller) stepOne(ctx context.Context, pub func(context.Context, monitor.Event) error) error {
	c.mu.Lock()
	from := c.pos.Seq
	c.mu.Unlock()
	err := c.rec.Events(ctx, from, func(seq int64, ev monitor.Event) error {
		if monitor.Derived(ev) {
			c.moved(seq, 0)
			return nil
		}
		if err := pub(ctx, ev); err != nil {
			return err
		}
		if ev.Quarantined {
			c.moved(seq, 0)
			return nil
		}
		c.moved(seq, ev.Time)
		return errStop
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// refresh reads the recording's span and marks again: at the start, and
// following a live recording at most once a second.
func (c *Controller) refresh(force bool) error {
	c.mu.Lock()
	due := force || c.o.Follow && time.Since(c.refreshed) >= time.Second
	c.mu.Unlock()
	if !due {
		return nil
	}
	first, last, err := c.rec.TimeBounds()
	if err != nil {
		return err
	}
	marks, err := c.rec.Marks()
	if err != nil {
		return err
	}
	cks, err := c.rec.CheckpointTimes()
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.tl.Start, c.tl.End, c.tl.Marks, c.ckTimes = first, last, marks, cks
	c.refreshed = time.Now()
	c.mu.Unlock()
	return nil
}

// nearAhead says whether t is ahead of the position with no checkpoint in
// between: folding on from where the screen is then costs less than
// restoring a checkpoint, and gives the same state.
func (c *Controller) nearAhead(t int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t < c.pos.Time || c.pos.Seq == 0 {
		return false
	}
	i := sort.Search(len(c.ckTimes), func(i int) bool { return c.ckTimes[i] > c.pos.Time })
	return i == len(c.ckTimes) || c.ckTimes[i] > t
}

// fastForward publishes the events up to event time t unpaced: the
// pipeline folds on from its current state.
func (c *Controller) fastForward(ctx context.Context, pub func(context.Context, monitor.Event) error, t int64) error {
	c.mu.Lock()
	from := c.pos.Seq
	c.mu.Unlock()
	err := c.rec.Events(ctx, from, func(seq int64, ev monitor.Event) error {
		if ev.Time > t && !ev.Quarantined {
			return errStop
		}
		if !monitor.Derived(ev) {
			if err := pub(ctx, ev); err != nil {
				return err
			}
		}
		if ev.Quarantined {
			c.moved(seq, 0)
			return nil
		}
		c.moved(seq, ev.Time)
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return err
	}
	c.mu.Lock()
	c.pos.Time = max(c.pos.Time, min(t, c.tl.End))
	c.mu.Unlock()
	c.o.Pacer.Reanchor()
	return nil
}
