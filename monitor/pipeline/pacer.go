package pipeline

import (
	"context"
	"sync"
	"time"

	"github.com/cutover/cutover/monitor"
)

// Pacer plays events from a source at a multiple of event time, with pause:
// the demo's simulated night and a replayed recording go through it alike.
// Its methods are safe to call from any goroutine (the TUI calls them).
type Pacer struct {
	mu      sync.Mutex
	speed   float64 // event seconds per wall second; 0 = as fast as possible
	paused  bool
	anchorW time.Time // wall time and event time that correspond, set at each (re)start
	anchorE int64
	wake    chan struct{}
}

// NewPacer returns a pacer at speed (0 = as fast as possible).
func NewPacer(speed float64) *Pacer {
	return &Pacer{speed: speed, wake: make(chan struct{})}
}

// Speed returns the current speed multiplier (0 = as fast as possible).
func (p *Pacer) Speed() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.speed
}

// SetSpeed changes the multiplier from the next event on.
func (p *Pacer) SetSpeed(x float64) {
	p.mu.Lock()
	p.speed = max(x, 0)
	p.anchorW = time.Time{} // re-anchor at the next event
	p.signal()
	p.mu.Unlock()
}

// Paused reports whether playback is paused.
func (p *Pacer) Paused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// TogglePause pauses or resumes playback.
func (p *Pacer) TogglePause() {
	p.mu.Lock()
	p.paused = !p.paused
	p.anchorW = time.Time{}
	p.signal()
	p.mu.Unlock()
}

// Reanchor forgets where event time and wall time met: after a seek the
// next event plays at once and pacing goes on from there (instead of
// racing through, or waiting out, the jump).
func (p *Pacer) Reanchor() {
	p.mu.Lock()
	p.anchorW = time.Time{}
	p.signal()
	p.mu.Unlock()
}

func (p *Pacer) signal() {
	close(p.wake)
	p.wake = make(chan struct{})
}

// Wait blocks until the event at event time ts is due, or ctx ends.
func (p *Pacer) Wait(ctx context.Context, ts int64) error {
	for {
		p.mu.Lock()
		wake := p.wake
		if p.paused {
			p.mu.Unlock()
			select {
			case <-wake:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if p.speed == 0 {
			p.mu.Unlock()
			return ctx.Err()
		}
		now := time.Now()
		if p.anchorW.IsZero() {
			p.anchorW, p.anchorE = now, ts
		}
		due := p.anchorW.Add(time.Duration(float64(ts-p.anchorE) / p.speed))
		p.mu.Unlock()
		wait := due.Sub(now)
		if wait <= 0 {
			return ctx.Err()
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
			return nil
		case <-wake:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// Play feeds events from next into pub in event-time order, paced. It
// returns nil when next reports the end, or the first error.
func (p *Pacer) Play(ctx context.Context, next func() (monitor.Event, bool, error), pub func(context.Context, monitor.Event) error) error {
	for {
		ev, ok, err := next()
		if err != nil || !ok {
			return err
		}
		if err := p.Wait(ctx, ev.Time); err != nil {
			return err
		}
		if err := pub(ctx, ev); err != nil {
			return err
		}
	}
}
