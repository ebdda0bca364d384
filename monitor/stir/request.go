package stir

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// ErrNotRequest is returned by ParseRequest for input that is not a SIP request.
var ErrNotRequest = errors.New("not a SIP request")

// Request is the part of a SIP request the verifier reads.
type Request struct {
	Method     string
	CallID     string
	RURIUser   string   // request URI user part (or tel number)
	ToUser     string   // To user part
	InDialog   bool     // the To header has a tag: a re-INVITE or other in-dialog request
	FromUser   string   // From user part
	PAIUsers   []string // every P-Asserted-Identity user part, in order
	Identities []string // every Identity / y header value, in order, one per PASSporT
	Date       time.Time
	HasDate    bool
	Verstat    *Verstat // from P-Asserted-Identity (tel, then sip) or From
}

// ParseRequest parses a raw SIP request with sipgo. Folded header lines
// are unfolded and the compact header name y is read as Identity. It never
// panics: a parser panic is reported as an error.
func ParseRequest(raw []byte) (req *Request, err error) {
	defer func() {
		if r := recover(); r != nil {
			req, err = nil, fmt.Errorf("%w: parser panic: %v", ErrNotRequest, r)
		}
	}()
	msg, err := sip.ParseMessage(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotRequest, err)
	}
	r, ok := msg.(*sip.Request)
	if !ok || r == nil {
		return nil, ErrNotRequest
	}
	req = &Request{Method: string(r.Method), RURIUser: parseAddr(r.Recipient.String()).user}
	if id := r.CallID(); id != nil {
		req.CallID = id.Value()
	}
	var verstats [3]*Verstat // pai-tel, pai-sip, from
	if from := r.From(); from != nil {
		a := parseAddr(from.Address.String())
		req.FromUser = a.user
		verstats[2] = verstatOf(a, "from")
	}
	if to := r.To(); to != nil {
		req.ToUser = parseAddr(to.Address.String()).user
		_, req.InDialog = to.Params.Get("tag")
	}
	for _, h := range r.GetHeaders("P-Asserted-Identity") {
		for _, v := range splitList(h.Value()) {
			a := parseAddr(v)
			req.PAIUsers = append(req.PAIUsers, a.user)
			i := 1
			if a.scheme == "tel" {
				i = 0
			}
			if verstats[i] == nil {
				verstats[i] = verstatOf(a, "pai-"+a.scheme)
			}
		}
	}
	for _, vs := range verstats {
		if vs != nil {
			req.Verstat = vs
			break
		}
	}
	req.Identities = identityValues(r)
	if h := r.GetHeader("Date"); h != nil {
		if t, err := http.ParseTime(strings.TrimSpace(h.Value())); err == nil {
			req.Date, req.HasDate = t.UTC(), true
		}
	}
	return req, nil
}

// identityValues collects Identity and compact y headers in message order.
func identityValues(r *sip.Request) []string {
	var out []string
	for _, h := range r.Headers() {
		if n := h.Name(); strings.EqualFold(n, "Identity") || strings.EqualFold(n, "y") {
			out = append(out, splitList(h.Value())...)
		}
	}
	return out
}

func verstatOf(a addrURI, source string) *Verstat {
	s, ok := a.param("verstat")
	if !ok {
		return nil
	}
	v := ParseVerstat(s)
	v.Source = source
	return &v
}
