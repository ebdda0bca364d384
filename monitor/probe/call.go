package probe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
)

// scheduledCalls places a test call to each ported number in turn, one
// every TestCallEvery.
func (p *Prober) scheduledCalls(ctx context.Context) {
	nums := p.f.Cutover.Numbers
	if len(nums) == 0 {
		return
	}
	tick := time.NewTicker(p.f.Probes.TestCallEvery)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := p.TestCall(ctx, nums[i%len(nums)].E164); err != nil && ctx.Err() == nil {
			p.log.Warn("scheduled test call", "number", nums[i%len(nums)].E164, "err", err)
		}
	}
}

// TestCall places one INVITE to e164 through the first trunk that can be
// reached (the new carrier first), from Probes.TestCallFrom, and publishes
// every message plus a KindProbe result: the final code, the PDD (INVITE to
// the first 180/183), and the trunk it went out on. An answered call is
// released with BYE after HoldFor; one not answered within AnswerTimeout is
// cancelled. A final response other than 2xx is returned as an error
// naming the code (the result event is published either way). Where it
// lands on the far side shows in the observed traffic (HEP, capture) as
// the inbound INVITE on a trunk.
func (p *Prober) TestCall(ctx context.Context, e164 string) error {
	_, err := p.call(ctx, monitor.ProbeResult{Probe: monitor.ProbeTestCall, Number: e164})
	return err
}

// call places the test call r describes (r.Number; r.Sweep, when set, in
// the SweepHeader) and publishes its result, r with the outcome filled in.
func (p *Prober) call(ctx context.Context, r monitor.ProbeResult) (monitor.ProbeResult, error) {
	if err := p.waitReady(ctx); err != nil {
		return r, err
	}
	tr, req, err := p.callRequest(r)
	if err != nil {
		return r, err
	}
	r.Trunk = tr.Name
	code, pdd, callErr := p.runCall(ctx, req, tr)
	r.Code, r.PDD = code, pdd
	if callErr != nil {
		r.Err = callErr.Error()
	}
	p.emit(monitor.Event{Time: p.opts.Now().UnixNano(), Kind: monitor.KindProbe, Probe: &r})
	if callErr == nil && code >= 300 { // the screen says how it ended
		callErr = fmt.Errorf("final response %d via %s", code, tr.Name)
	}
	return r, callErr
}

// callRequest is the INVITE of the test call r: to r.Number from
// test_call_from through the new carrier's trunk, or for an outbound
// check (r.Out) from r.Number to outbound_check_to through the SBC.
func (p *Prober) callRequest(r monitor.ProbeResult) (config.TrunkSetup, *sip.Request, error) {
	if r.Out {
		if p.f.Probes.SBCURI == "" || p.f.Probes.OutboundCheckTo == "" {
			return config.TrunkSetup{}, nil, errors.New("outbound check: [probes] sbc_uri and outbound_check_to are not set")
		}
		tr := config.TrunkSetup{Name: "sbc", URI: p.f.Probes.SBCURI}
		req, err := p.inviteRequest(tr, p.f.Probes.OutboundCheckTo, r.Number, r.Sweep)
		if err == nil { // the PBX asserts the calling number, as the carrier expects
			req.AppendHeader(sip.NewHeader("P-Asserted-Identity", "<sip:"+r.Number+"@"+p.client.Hostname()+">"))
		}
		return tr, req, err
	}
	tr, ok := p.callTrunk()
	if !ok {
		return tr, nil, errors.New("test call: no trunk with a uri to call through")
	}
	req, err := p.inviteRequest(tr, r.Number, p.f.Probes.TestCallFrom, r.Sweep)
	return tr, req, err
}

// callTrunk picks the trunk test calls go out on: the new carrier's first.
func (p *Prober) callTrunk() (config.TrunkSetup, bool) {
	var fallback *config.TrunkSetup
	for i, tr := range p.f.Trunks {
		if tr.URI == "" {
			continue
		}
		if i < len(p.f.Cutover.Trunks) && p.f.Cutover.Trunks[i].Role == monitor.RoleNew {
			return tr, true
		}
		if fallback == nil {
			fallback = &p.f.Trunks[i]
		}
	}
	if fallback == nil {
		return config.TrunkSetup{}, false
	}
	return *fallback, true
}

func (p *Prober) inviteRequest(tr config.TrunkSetup, e164, caller, sweep string) (*sip.Request, error) {
	req, err := p.target(sip.INVITE, tr.URI, tr.Transport)
	if err != nil {
		return nil, err
	}
	req.Recipient.User = e164
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: caller, Host: p.client.Hostname()}, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: e164, Host: req.Recipient.Host}, Params: sip.NewParams()})
	req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: caller, Host: p.client.Hostname()}})
	if sweep != "" {
		req.AppendHeader(sip.NewHeader(monitor.SweepHeader, sweep))
	}
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(testSDP(p.client.Hostname()))
	return req, nil
}

// runCall drives the INVITE transaction by hand so every response is seen.
func (p *Prober) runCall(ctx context.Context, req *sip.Request, tr config.TrunkSetup) (int, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, p.opts.AnswerTimeout)
	defer cancel()
	sent := p.opts.Now()
	tx, err := p.client.TransactionRequest(actx, req)
	if err != nil {
		return 503, 0, fmt.Errorf("test call: %w", err)
	}
	defer tx.Terminate()
	p.exchange(sent, req, nil, sent)
	var pdd time.Duration
	provisional := false
	for {
		select {
		case res := <-tx.Responses():
			now := p.opts.Now()
			p.received(now, req, res)
			if res.IsProvisional() {
				if (res.StatusCode == 180 || res.StatusCode == 183) && pdd == 0 {
					pdd = now.Sub(sent)
				}
				provisional = provisional || res.StatusCode >= 100
				continue
			}
			if res.IsSuccess() {
				if pdd == 0 { // answered with no ringback seen: the delay to the answer (RFC 6076 SRD)
					pdd = now.Sub(sent)
				}
				return res.StatusCode, pdd, p.hangUp(ctx, req, res)
			}
			return res.StatusCode, pdd, nil
		case <-tx.Done():
			if err := tx.Err(); err != nil && !timedOut(err) {
				return 408, pdd, fmt.Errorf("test call: %w", err)
			}
			return 408, pdd, nil
		case <-actx.Done():
			if ctx.Err() != nil {
				return 0, pdd, ctx.Err()
			}
			if provisional {
				p.cancel(ctx, req)
				return p.afterCancel(ctx, req, tx), pdd, nil
			}
			return 408, pdd, nil
		}
	}
}

// hangUp ACKs a 2xx, holds the call for HoldFor and sends BYE.
func (p *Prober) hangUp(ctx context.Context, invite *sip.Request, res *sip.Response) error {
	ack := inDialog(sip.ACK, invite, res)
	p.bind(ack)
	if err := p.client.WriteRequest(ack); err != nil {
		return fmt.Errorf("test call: ACK: %w", err)
	}
	now := p.opts.Now()
	p.exchange(now, ack, nil, now)
	select {
	case <-ctx.Done():
	case <-time.After(p.opts.HoldFor):
	}
	bye := inDialog(sip.BYE, invite, res)
	p.bind(bye)
	_, err := p.transact(context.WithoutCancel(ctx), bye, func(tctx context.Context) (*sip.Response, error) {
		return p.client.Do(tctx, bye)
	})
	if err != nil {
		return fmt.Errorf("test call: BYE: %w", err)
	}
	return nil
}

// inDialog builds the ACK or BYE of the dialog a 2xx to invite set up
// (RFC 3261 12.2.1.1): to the remote target, through its Record-Route.
func inDialog(method sip.RequestMethod, invite *sip.Request, res *sip.Response) *sip.Request {
	recipient := invite.Recipient
	if c := res.Contact(); c != nil {
		recipient = c.Address
	}
	r := sip.NewRequest(method, recipient)
	r.SetTransport(invite.Transport())
	rr := res.GetHeaders("Record-Route")
	for i := len(rr) - 1; i >= 0; i-- {
		r.AppendHeader(sip.NewHeader("Route", rr[i].Value()))
	}
	r.AppendHeader(sip.HeaderClone(invite.From()))
	r.AppendHeader(sip.HeaderClone(res.To()))
	r.AppendHeader(sip.HeaderClone(invite.CallID()))
	seq := invite.CSeq().SeqNo
	if method == sip.BYE {
		seq++
	}
	r.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: method})
	r.AppendHeader(sip.NewHeader("Max-Forwards", "70"))
	r.SetBody(nil)
	return r
}

// afterCancel waits (at most the probe timeout) for the cancelled
// INVITE's final response, normally 487, and records it.
func (p *Prober) afterCancel(ctx context.Context, req *sip.Request, tx sip.ClientTransaction) int {
	wait := time.NewTimer(p.opts.Timeout)
	defer wait.Stop()
	for {
		select {
		case res := <-tx.Responses():
			now := p.opts.Now()
			p.received(now, req, res)
			if !res.IsProvisional() {
				return res.StatusCode
			}
		case <-tx.Done():
			return 487
		case <-wait.C:
			return 487
		case <-ctx.Done():
			return 487
		}
	}
}

// cancel sends CANCEL for an INVITE that was ringing too long: same
// Request-URI, top Via, Call-ID, From, To and CSeq number (RFC 3261 9.1).
func (p *Prober) cancel(ctx context.Context, invite *sip.Request) {
	c := sip.NewRequest(sip.CANCEL, invite.Recipient)
	c.SetTransport(invite.Transport())
	c.AppendHeader(sip.HeaderClone(invite.Via()))
	c.AppendHeader(sip.HeaderClone(invite.From()))
	c.AppendHeader(sip.HeaderClone(invite.To()))
	c.AppendHeader(sip.HeaderClone(invite.CallID()))
	c.AppendHeader(&sip.CSeqHeader{SeqNo: invite.CSeq().SeqNo, MethodName: sip.CANCEL})
	c.AppendHeader(sip.NewHeader("Max-Forwards", "70"))
	c.SetBody(nil)
	p.bind(c)
	_, _ = p.transact(context.WithoutCancel(ctx), c, func(tctx context.Context) (*sip.Response, error) {
		return p.client.Do(tctx, c, func(*sipgo.Client, *sip.Request) error { return nil })
	})
}

func testSDP(host string) []byte {
	return []byte("v=0\r\no=cutover 1 1 IN IP4 " + host + "\r\ns=cutover test call\r\nc=IN IP4 " + host +
		"\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n")
}
