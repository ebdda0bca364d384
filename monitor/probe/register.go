package probe

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/sipparse"
)

// registerLoop keeps a trunk registered: it registers, refreshes at half
// the expiry the registrar granted, and after a failure or a timeout tries
// again after RetryAfter. Each outcome is a KindRegistration event.
func (p *Prober) registerLoop(ctx context.Context, tr config.TrunkSetup) {
	for {
		wait := p.opts.RetryAfter
		st, code, granted, err := p.registerOnce(ctx, tr)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.log.Warn("register", "trunk", tr.Name, "err", err)
		}
		p.emit(monitor.Event{Time: p.opts.Now().UnixNano(), Kind: monitor.KindRegistration,
			Registration: &monitor.RegistrationChange{Trunk: tr.Name, State: st, Code: code, Expires: granted}})
		if st == monitor.RegRegistered && granted > 0 {
			wait = max(granted/2, time.Second)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// registerOnce runs one REGISTER, answering a 401/407 challenge once with
// digest credentials, and returns the resulting state.
func (p *Prober) registerOnce(ctx context.Context, tr config.TrunkSetup) (monitor.RegState, int, time.Duration, error) {
	reg := tr.Register
	req, err := p.registerRequest(reg, tr)
	if err != nil {
		return monitor.RegFailed, 0, 0, err
	}
	res, err := p.transact(ctx, req, func(tctx context.Context) (*sip.Response, error) {
		return p.client.Do(tctx, req, sipgo.ClientRequestRegisterBuild)
	})
	if err == nil && (res.StatusCode == 401 || res.StatusCode == 407) {
		pass, perr := reg.Password()
		if perr != nil {
			return monitor.RegFailed, res.StatusCode, 0, perr
		}
		challenge := res
		res, err = p.transact(ctx, req, func(tctx context.Context) (*sip.Response, error) {
			return p.client.DoDigestAuth(tctx, req, challenge, sipgo.DigestAuth{Username: reg.User, Password: pass})
		})
	}
	switch {
	case err != nil && timedOut(err):
		return monitor.RegTimeout, 408, 0, nil
	case err != nil: // refused, no route: no answer, as a registrar would report it
		return monitor.RegTimeout, 408, 0, err
	case res.StatusCode == 401 || res.StatusCode == 407:
		return monitor.RegFailed, res.StatusCode, 0, fmt.Errorf("credentials refused (%d)", res.StatusCode)
	case res.StatusCode >= 300:
		return monitor.RegFailed, res.StatusCode, 0, nil
	case res.StatusCode < 200:
		return monitor.RegFailed, res.StatusCode, 0, nil
	}
	granted := grantedExpiry(res, reg.Expires)
	if granted == 0 {
		return monitor.RegUnregistered, res.StatusCode, 0, nil
	}
	return monitor.RegRegistered, res.StatusCode, granted, nil
}

// transact runs one transaction with the probe timeout and records the
// request and its final response as SIP events.
func (p *Prober) transact(ctx context.Context, req *sip.Request, do func(context.Context) (*sip.Response, error)) (*sip.Response, error) {
	tctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	sent := p.opts.Now()
	res, err := do(tctx)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	p.exchange(sent, req, res, p.opts.Now())
	return res, err
}

func (p *Prober) registerRequest(reg *config.Register, tr config.TrunkSetup) (*sip.Request, error) {
	contactHost := p.client.Hostname()
	registrar := reg.Registrar
	if registrar == "" {
		registrar = tr.URI
	}
	req, err := p.target(sip.REGISTER, registrar, tr.Transport)
	if err != nil {
		return nil, err
	}
	host := reg.Realm
	if host == "" {
		host = req.Recipient.Host
	}
	aor := sip.Uri{Scheme: "sip", User: reg.User, Host: host}
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor, Params: sip.NewParams()})
	req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: reg.User, Host: contactHost}})
	exp := reg.Expires
	if exp <= 0 {
		exp = config.DefaultRegisterExpires
	}
	req.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(int(exp/time.Second))))
	return req, nil
}

// grantedExpiry reads what the registrar granted (Contact expires=, else
// Expires), falling back to what was asked.
func grantedExpiry(res *sip.Response, asked time.Duration) time.Duration {
	if info, err := sipparse.Parse([]byte(res.String())); err == nil && info.Expires >= 0 {
		return time.Duration(info.Expires) * time.Second
	}
	return asked
}
