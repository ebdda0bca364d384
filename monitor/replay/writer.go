package replay

import (
	"context"
	"time"

	"github.com/cutover/cutover/monitor"
)

// Following a recording, the controller watches its writer: a live watch
// commits its clock's tick every second, so a follower that sees no new
// commit for QuietAfter says the writer has gone quiet; once the writer
// is known gone (Options.WriterGone), or after NoEndAfter without a
// commit, that the recording has no end. A writer that closes the night
// writes its end time, and the follower shows that instead.
const (
	DefaultQuietAfter = 5 * time.Second
	DefaultNoEndAfter = time.Minute
)

// writerCheckEvery is how often a follower reads the writer's progress.
const writerCheckEvery = time.Second

// checkWriter reads how far the writer has got: a new commit, an end
// time, or (quiet) whether its process is known gone. It runs on Run's
// goroutines, never from the screen.
func (c *Controller) checkWriter() error {
	last, ended, err := c.rec.Progress()
	if err != nil {
		return err
	}
	now := c.now()
	c.mu.Lock()
	if last != c.lastSeq || c.committed.IsZero() {
		c.lastSeq, c.committed, c.gone = last, now, false
	}
	c.tl.Ended = ended
	quiet := now.Sub(c.committed) >= c.o.QuietAfter
	c.mu.Unlock()
	if c.o.Follow && ended == 0 && quiet && c.o.WriterGone != nil {
		gone := c.o.WriterGone()
		c.mu.Lock()
		c.gone = gone
		c.mu.Unlock()
	}
	return nil
}

// writerOver says whether the followed writer has closed the night or is
// known gone: nothing more will be committed.
func (c *Controller) writerOver() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tl.Ended != 0 || c.gone
}

// watchWriter checks the writer every writerCheckEvery until ctx ends,
// whether the replay plays, waits or is paused.
func (c *Controller) watchWriter(ctx context.Context) {
	t := time.NewTicker(writerCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = c.checkWriter() // a read that fails now is tried again; play reports a lasting one
		}
	}
}

// writerState fills the timeline's Quiet and NoEnd. c.mu is held.
func (c *Controller) writerState(tl *monitor.Timeline) {
	if tl.Ended != 0 {
		return
	}
	if !c.o.Follow {
		tl.NoEnd = true // read to its end, and no end was written: cut short
		return
	}
	if c.committed.IsZero() {
		return
	}
	if q := c.now().Sub(c.committed); q >= c.o.QuietAfter {
		tl.Quiet = q
		tl.NoEnd, tl.Gone = c.gone || q >= c.o.NoEndAfter, c.gone
	}
}
