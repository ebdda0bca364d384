package probe

import (
	"context"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
)

// health turns single OPTIONS answers into up/down the way Kamailio's
// dispatcher does: down after failAfter consecutive failures, up again
// after recoverAfter consecutive successes. A trunk starts up on its first
// success, and stays "pending" until then or until it has failed enough.
type health struct {
	state                   monitor.Health
	fails, oks              int
	failAfter, recoverAfter int
}

func newHealth(failAfter, recoverAfter int) *health {
	return &health{state: monitor.HealthPending, failAfter: max(failAfter, 1), recoverAfter: max(recoverAfter, 1)}
}

// observe takes one probe's outcome and returns the trunk's health.
func (h *health) observe(ok bool) monitor.Health {
	if ok {
		h.fails, h.oks = 0, h.oks+1
		if h.state == monitor.HealthPending || (h.state == monitor.HealthDown && h.oks >= h.recoverAfter) {
			h.state = monitor.HealthUp
		}
		return h.state
	}
	h.oks, h.fails = 0, h.fails+1
	if h.fails >= h.failAfter {
		h.state = monitor.HealthDown
	}
	return h.state
}

// alive is what counts as a successful OPTIONS answer: any final response
// but a timeout or a server error proves the peer's SIP stack answers.
func alive(code int) bool { return code != 0 && code != 408 && code < 500 }

func (p *Prober) optionsLoop(ctx context.Context, tr config.TrunkSetup) {
	h := newHealth(p.f.Probes.FailAfter, p.f.Probes.RecoverAfter)
	tick := time.NewTicker(p.f.Probes.OptionsInterval)
	defer tick.Stop()
	for {
		p.optionsOnce(ctx, tr, h)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// optionsOnce sends one OPTIONS and publishes what happened.
func (p *Prober) optionsOnce(ctx context.Context, tr config.TrunkSetup, h *health) {
	req, err := p.target(sip.OPTIONS, tr.URI, tr.Transport)
	if err != nil {
		p.log.Error("options probe", "trunk", tr.Name, "err", err)
		return
	}
	tctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	sent := p.opts.Now()
	res, err := p.client.Do(tctx, req)
	got := p.opts.Now()
	if ctx.Err() != nil {
		return // shutting down: not a failure of the trunk
	}
	p.exchange(sent, req, res, got)
	result := monitor.ProbeResult{Trunk: tr.Name, Probe: monitor.ProbeOptions}
	switch {
	case err == nil:
		result.Code, result.RTT = res.StatusCode, got.Sub(sent)
	case timedOut(err):
		result.Code, result.Err = 408, "no answer within "+p.opts.Timeout.String()
	default: // refused, no route, bad name: no answer either, with the reason
		result.Code, result.Err = 408, err.Error()
	}
	result.Health = h.observe(alive(result.Code))
	p.emit(monitor.Event{Time: got.UnixNano(), Kind: monitor.KindProbe, Probe: &result})
}
