package stir

import (
	"time"

	"github.com/cutover/cutover/monitor"
)

// Result is the overall outcome of verifying a request's Identity headers,
// and also the outcome a failing check stands for.
type Result string

// The outcomes, in the order the checks run. A request's Result is the
// first check that failed, or Valid.
const (
	NoIdentity      Result = "no-identity"      // no Identity header, or none with ppt "shaken"
	BadFormat       Result = "bad-format"       // header, PASSporT or claims malformed or not SHAKEN (438)
	CertUnavailable Result = "cert-unavailable" // x5u could not be fetched or read (436)
	BadSignature    Result = "bad-signature"    // ES256 signature does not verify with the certificate (438)
	CertUntrusted   Result = "cert-untrusted"   // certificate does not chain to the trust store, or not valid at capture time (437)
	Stale           Result = "stale"            // iat (or the Date header) too old, or in the future, at capture time (403)
	OrigMismatch    Result = "orig-mismatch"    // orig.tn is not the P-Asserted-Identity / From number (438)
	DestMismatch    Result = "dest-mismatch"    // no dest.tn is the request URI / To number
	Valid           Result = "valid"
)

// Status is how one check went.
type Status string

const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip" // not reached: an earlier check made it impossible
)

// Check names, in the order they run. Each stands for the Result of the
// same position above when it fails.
const (
	CheckIdentity  = "identity"  // an Identity header with a SHAKEN PASSporT is present
	CheckFormat    = "format"    // header value, PASSporT header and claims well formed and typed
	CheckCert      = "cert"      // the x5u certificate could be obtained
	CheckSignature = "signature" // ES256 over the received header.claims bytes
	CheckChain     = "chain"     // chain to the trust store, validity dates at capture time
	CheckIat       = "iat"       // freshness of iat against capture time
	CheckOrig      = "orig"      // orig.tn against P-Asserted-Identity or From
	CheckDest      = "dest"      // dest.tn against request URI or To
)

var checkOrder = [...]struct {
	name   string
	result Result
}{
	{CheckIdentity, NoIdentity},
	{CheckFormat, BadFormat},
	{CheckCert, CertUnavailable},
	{CheckSignature, BadSignature},
	{CheckChain, CertUntrusted},
	{CheckIat, Stale},
	{CheckOrig, OrigMismatch},
	{CheckDest, DestMismatch},
}

// Check is the outcome of one verification step.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Result Result `json:"result,omitempty"` // set when Status is Fail
	Detail string `json:"detail,omitempty"`
}

// Verdict is what the verifier concluded about one SIP request. Attest,
// Orig, Dest, Iat, X5U and OrigID come from the PASSporT the verdict is
// about (as claimed, whether or not it verified).
type Verdict struct {
	Result     Result    `json:"result"`
	Attest     string    `json:"attest,omitempty"`
	Orig       string    `json:"orig,omitempty"`
	Dest       []string  `json:"dest,omitempty"`
	Iat        int64     `json:"iat,omitempty"`
	X5U        string    `json:"x5u,omitempty"`
	OrigID     string    `json:"origid,omitempty"`
	Compact    bool      `json:"compact,omitempty"`  // the PASSporT was in compact form (..signature)
	At         time.Time `json:"at"`                 // the capture time the checks were measured against
	Identities int       `json:"identities"`         // Identity (or y) header values on the request
	TooMany    int       `json:"too_many,omitempty"` // SHAKEN Identity headers not verified: past Options.MaxIdentities
	Checks     []Check   `json:"checks"`
	Verstat    *Verstat  `json:"verstat,omitempty"` // verstat found on P-Asserted-Identity or From
}

// Check returns the named check, or a zero Check if it is not there.
func (v Verdict) Check(name string) Check {
	for _, c := range v.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{}
}

// Monitor turns the verdict into what travels inside a monitor event.
func (v Verdict) Monitor() *monitor.StirVerdict {
	return &monitor.StirVerdict{Attest: v.Attest, Result: string(v.Result), TooMany: v.TooMany}
}

// rank orders results from worst (0) to Valid, so that among several
// PASSporTs on one request the one that got furthest is reported.
func (r Result) rank() int {
	for i, c := range checkOrder {
		if c.result == r {
			return i
		}
	}
	return len(checkOrder)
}

// checklist records check outcomes in order and derives the Result.
type checklist struct {
	checks []Check
}

func newChecklist() *checklist {
	cl := &checklist{checks: make([]Check, len(checkOrder))}
	for i, c := range checkOrder {
		cl.checks[i] = Check{Name: c.name, Status: Skip}
	}
	return cl
}

func (cl *checklist) pass(name, detail string) { cl.set(name, Pass, detail) }
func (cl *checklist) fail(name, detail string) { cl.set(name, Fail, detail) }

func (cl *checklist) set(name string, st Status, detail string) {
	for i, c := range checkOrder {
		if c.name == name {
			cl.checks[i].Status = st
			cl.checks[i].Detail = detail
			if st == Fail {
				cl.checks[i].Result = c.result
			}
			return
		}
	}
}

// result is the first failed check's outcome, or Valid when every check passed.
func (cl *checklist) result() Result {
	for _, c := range cl.checks {
		if c.Status == Fail {
			return c.Result
		}
	}
	for _, c := range cl.checks {
		if c.Status != Pass {
			return BadFormat // never reached without a failure: cannot call it valid
		}
	}
	return Valid
}
