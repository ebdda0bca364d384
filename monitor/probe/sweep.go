package probe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/cutover/cutover/monitor"
)

// SweepSpec is one sweep: test calls to Numbers from test_call_from, each
// INVITE carrying monitor.SweepHeader: ID.
type SweepSpec struct {
	ID          string   // "" = NewSweepID
	Numbers     []string // E.164, called in this order
	Rate        float64  // calls started a second (0 = [probes] sweep_rate)
	Concurrency int      // calls at once (0 = [probes] sweep_concurrency)
	// Out makes it the outbound check: a call from each number to
	// [probes] outbound_check_to through [probes] sbc_uri.
	Out bool
}

// NewSweepID names a sweep started at now: sw-YYYYMMDDTHHMMSS-xxxx.
func NewSweepID(now time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return "sw-" + now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// Resolve fills the spec's defaults from the file's [probes].
func (p *Prober) Resolve(s SweepSpec) SweepSpec {
	if s.ID == "" {
		s.ID = NewSweepID(p.opts.Now())
	}
	if s.Rate <= 0 {
		s.Rate = p.f.Probes.SweepRate
	}
	if s.Rate <= 0 {
		s.Rate = 2
	}
	if s.Concurrency <= 0 {
		s.Concurrency = p.f.Probes.SweepConcurrency
	}
	if s.Concurrency <= 0 {
		s.Concurrency = 4
	}
	return s
}

// ErrNoCaller: a sweep needs [probes] test_call_from.
var ErrNoCaller = errors.New("a sweep calls from [probes] test_call_from, which the file does not set")

// ErrNoOutboundCheck: the outbound check needs [probes] sbc_uri and
// outbound_check_to.
var ErrNoOutboundCheck = errors.New("the outbound check calls [probes] outbound_check_to through sbc_uri, which the file does not set")

// CanSweep says why a sweep (out: the outbound check) cannot run, or nil.
func (p *Prober) CanSweep(out bool) error {
	switch {
	case out && (p.f.Probes.SBCURI == "" || p.f.Probes.OutboundCheckTo == ""):
		return ErrNoOutboundCheck
	case out:
		return nil
	case p.f.Probes.TestCallFrom == "":
		return ErrNoCaller
	}
	if _, ok := p.callTrunk(); !ok {
		return errors.New("sweep: no trunk with a uri to call through")
	}
	return nil
}

// Sweep calls every number of s (resolved with Resolve), at most s.Rate
// calls started a second and s.Concurrency at once, and records it: a
// ProbeSweep event with its ID and numbers first, a ProbeSweepCall
// result per call, and ProbeSweepEnd when the last call has ended or ctx
// was cancelled (numbers not called by then get no verdict). The fold
// matches each call with its arrival and derives the verdicts.
func (p *Prober) Sweep(ctx context.Context, s SweepSpec) error {
	if err := p.CanSweep(s.Out); err != nil {
		return err
	}
	if err := p.waitReady(ctx); err != nil {
		return err
	}
	s = p.Resolve(s)
	from := p.f.Probes.TestCallFrom
	if s.Out {
		from = p.f.Probes.OutboundCheckTo
	}
	p.emit(monitor.Event{Time: p.opts.Now().UnixNano(), Kind: monitor.KindProbe, Probe: &monitor.ProbeResult{
		Probe: monitor.ProbeSweep, Sweep: s.ID, Out: s.Out, From: from, Numbers: s.Numbers}})
	defer func() {
		p.emit(monitor.Event{Time: p.opts.Now().UnixNano(), Kind: monitor.KindProbe,
			Probe: &monitor.ProbeResult{Probe: monitor.ProbeSweepEnd, Sweep: s.ID, Out: s.Out}})
	}()
	every := time.Duration(float64(time.Second) / s.Rate)
	tick := time.NewTicker(every)
	defer tick.Stop()
	slots := make(chan struct{}, s.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i, n := range s.Numbers {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case slots <- struct{}{}:
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if _, err := p.call(ctx, monitor.ProbeResult{Probe: monitor.ProbeSweepCall, Sweep: s.ID, Out: s.Out, Number: n}); err != nil && ctx.Err() == nil {
				p.log.Debug("sweep call", "sweep", s.ID, "number", n, "err", err)
			}
		})
	}
	return nil
}
