// Package monitor holds cutover's vocabulary of events and the fold that
// turns a stream of them into the state the dashboard shows.
//
// The fold (State.Apply) is pure: no I/O, no wall clock. Live ingest and
// replay feed it the same events and get the same state.
package monitor

import (
	"net/netip"
	"time"

	"github.com/cutover/cutover/monitor/sipmsg"
)

// Kind says what an Event is.
type Kind uint8

const (
	KindSIP          Kind = 1  // a SIP message seen on the wire (or produced by the simulator)
	KindProbe        Kind = 2  // an active probe's result (OPTIONS, REGISTER, test call)
	KindRegistration Kind = 3  // a trunk's registration state changed (reported by a probe)
	KindPortState    Kind = 4  // a number's port state changed
	KindAction       Kind = 5  // an operator action was requested, or its state changed
	KindNote         Kind = 6  // an operator note
	KindAlert        Kind = 7  // an alert opened or closed (derived by the fold; ignored when applied)
	KindTick         Kind = 8  // the clock moved on without traffic
	KindStirVerdict  Kind = 9  // the STIR/SHAKEN verdict on a request whose certificate had to be fetched
	KindAlertAck     Kind = 10 // an operator acknowledged or silenced an alert
	KindMedia        Kind = 11 // a call's media so far: its RTP streams' summaries (never one per packet)
)

var kindNames = [...]string{"", "sip", "probe", "registration", "port", "action", "note", "alert", "tick", "stir", "ack", "media"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "unknown"
}

// Event is one thing that happened, at event time Time (Unix nanoseconds:
// when it happened on the wire, not when we read it). Exactly one of the
// payload pointers matching Kind is set.
type Event struct {
	Time   int64
	Kind   Kind
	Source Source // which source produced it

	SIP          *SIPMessage         `json:",omitempty"`
	Probe        *ProbeResult        `json:",omitempty"`
	Registration *RegistrationChange `json:",omitempty"`
	Port         *PortChange         `json:",omitempty"`
	Action       *ActionRecord       `json:",omitempty"`
	Note         *Note               `json:",omitempty"`
	Alert        *AlertChange        `json:",omitempty"`
	Verdict      *LateVerdict        `json:",omitempty"`
	Ack          *AlertAck           `json:",omitempty"`
	Media        *MediaReport        `json:",omitempty"`

	// Quarantined marks an event whose time was not trusted where it
	// entered (TimeGuard): far from the receiver's clock, or from the
	// events around it. It is recorded as evidence, and the fold counts it
	// without letting it move the clock or any figure. The verdict is
	// recorded with the event, so a replay quarantines the same events.
	Quarantined bool `json:",omitempty"`
}

// Source says what produced an event. The values are recorded: never
// change one.
type Source string

const (
	SourceSim      Source = "sim"      // the simulator (fixtures/sim)
	SourceHEP      Source = "hep"      // the HEP collector
	SourcePcap     Source = "pcap"     // a capture file or interface
	SourceProbe    Source = "probe"    // an active probe (its messages and its results)
	SourceOperator Source = "operator" // a person: an action or a note
	SourceClock    Source = "clock"    // a tick of the wall clock while live
	SourceFold     Source = "fold"     // an alert the fold derived
	// SourceVerify marks the action events the fold derives while it
	// verifies an action by traffic (unverified, verified, not verified in
	// time). Like alerts they are recorded and never folded again.
	SourceVerify Source = "verify"
	// SourceStir marks the verdicts the ingest verifier delivers after
	// the request they belong to (KindStirVerdict).
	SourceStir Source = "stir"
	// SourcePorting is a carrier's porting API, polled (monitor/porting).
	SourcePorting Source = "porting"
)

// Dir is which way a call or message goes relative to a trunk.
type Dir string

const (
	DirIn  Dir = "in"  // from the trunk: calls arriving from the provider
	DirOut Dir = "out" // to the trunk: calls leaving by it
)

// ProbeKind is what an active probe does.
type ProbeKind string

const (
	ProbeOptions  ProbeKind = "options"  // OPTIONS health check
	ProbeRegister ProbeKind = "register" // REGISTER with digest auth
	ProbeTestCall ProbeKind = "call"     // an INVITE to a ported number
)

// Health is the prober's verdict on a trunk after its consecutive-failure
// thresholds.
type Health string

const (
	HealthUp      Health = "up"
	HealthDown    Health = "down"
	HealthPending Health = "pending" // not enough answers yet
)

// At returns the event time as a time.Time in UTC.
func (e Event) At() time.Time { return time.Unix(0, e.Time).UTC() }

// SIPMessage is a SIP message observed between two addresses.
type SIPMessage struct {
	Src, Dst  netip.AddrPort
	Transport string // udp, tcp, tls, ws, wss
	Raw       []byte // the message exactly as seen

	// Info is the parsed summary the fold reads. It is derived from Raw by
	// Decode and never stored: a replay decodes the raw bytes again.
	Info *sipmsg.Info `json:"-"`

	// Stir is the STIR/SHAKEN verdict computed at ingest (it needs I/O to
	// fetch certificates), stored with the event so a replay reuses it.
	Stir *StirVerdict `json:",omitempty"`
}

// Decode fills m.Info from m.Raw with parse (sipparse.Parse). A message
// that does not parse is left with a nil Info (the fold counts it as
// malformed) and the error says why.
func (m *SIPMessage) Decode(parse func(raw []byte) (*sipmsg.Info, error)) error {
	info, err := parse(m.Raw)
	if err != nil {
		m.Info = nil
		return err
	}
	m.Info = info
	return nil
}

// StirVerdict is the outcome of verifying a request's Identity header.
type StirVerdict struct {
	Attest string // A, B, C, or "" when there is none
	// Result is one of StirResults, or StirPending or StirOverloaded.
	Result string
	// Ref, with Result StirPending, names the KindStirVerdict event that
	// will carry the verdict (LateVerdict.Ref).
	Ref uint64 `json:",omitempty"`
	// TooMany counts the request's Identity headers beyond the verifier's
	// cap: not verified.
	TooMany int `json:",omitempty"`
}

// Results of a StirVerdict besides StirResults: the request was not
// verified at ingest.
const (
	// StirPending: the certificate had to be fetched; the verdict follows
	// as a KindStirVerdict event, so ingest never waits for a fetch.
	StirPending = "pending"
	// StirOverloaded: too many verifications were waiting for
	// certificates; this request was not verified (its claimed
	// attestation is counted, as without a verifier).
	StirOverloaded = "overloaded"
)

// LateVerdict is the verdict on a request whose StirVerdict was
// StirPending. Its event's Time is the request's own event time, and it is
// recorded like any event, so a replay folds the same verdict at the same
// point and never fetches.
type LateVerdict struct {
	Ref     uint64 // the pending StirVerdict's Ref
	CallID  string // the request's Call-ID (for people reading the recording)
	Verdict StirVerdict
}

// ProbeResult is what an active probe saw.
type ProbeResult struct {
	Trunk  string
	Probe  ProbeKind
	Code   int // final SIP response code; 408 for a local timeout
	RTT    time.Duration
	Number string // for test calls: the number called
	Landed string // for test calls: the trunk the call arrived on
	Err    string `json:",omitempty"`
	// Health is the prober's verdict on an OPTIONS-probed trunk after its
	// consecutive-failure thresholds. "" leaves it to Code, one probe at a
	// time.
	Health Health        `json:",omitempty"`
	PDD    time.Duration `json:",omitempty"` // for test calls: INVITE to first 180/183

	// The fields below belong to a sweep's events (ProbeSweep,
	// ProbeSweepCall, ProbeSweepEnd, ProbeSweepVerdict: sweep.go).
	Sweep string `json:",omitempty"` // the sweep's ID (its X-Cutover-Sweep header)
	// Out marks an outbound check: calls from the numbers through the SBC.
	Out bool `json:",omitempty"`
	// From is ProbeSweep's fixed end: the caller (test_call_from), or for
	// an outbound check the number every call is to (outbound_check_to).
	From    string       `json:",omitempty"`
	Numbers []string     `json:",omitempty"` // ProbeSweep: the numbers it calls (or, Out, calls from)
	Verdict SweepVerdict `json:",omitempty"` // ProbeSweepVerdict: what the fold concluded
	Attest  string       `json:",omitempty"` // ProbeSweepVerdict, Out: the attestation it left with
}

// RegState is a trunk's registration state.
type RegState string

const (
	RegUnknown      RegState = ""
	RegRegistered   RegState = "registered"
	RegChallenged   RegState = "challenged" // 401/407 seen, waiting for the authenticated retry
	RegFailed       RegState = "failed"     // 403 or another final refusal
	RegTimeout      RegState = "timeout"    // 408 / no answer
	RegUnregistered RegState = "unregistered"
)

// RegistrationChange reports a trunk's registration state.
type RegistrationChange struct {
	Trunk   string
	State   RegState
	Code    int
	Expires time.Duration // granted by the registrar, for RegRegistered
}

// PortState is where a number's port stands.
type PortState string

const (
	PortPending    PortState = "pending"
	PortApproved   PortState = "approved"
	PortInProgress PortState = "in_progress"
	PortCompleted  PortState = "completed"
	PortDenied     PortState = "denied"
	PortCancelled  PortState = "cancelled"
)

// Valid reports whether s is one of the known port states.
func (s PortState) Valid() bool {
	switch s {
	case PortPending, PortApproved, PortInProgress, PortCompleted, PortDenied, PortCancelled:
		return true
	}
	return false
}

// PortChange moves a number to a new port state.
type PortChange struct {
	Number string // E.164
	State  PortState
	// By is who set the state by hand (Source operator: `p` on the screen,
	// `cutover port set`), as action.Operator names them.
	By string `json:",omitempty"`

	// The fields below are set by the porting poller (Source = porting);
	// an operator's or the simulator's change leaves them empty.

	// Request is the port request the number belongs to (its
	// port_request_id in cutover.toml).
	Request string `json:",omitempty"`
	// Status is the provider's own word for the state, as its API gave it
	// (Telnyx "foc-date-confirmed", Bandwidth "FOC").
	Status string `json:",omitempty"`
	// Previous is the state the poller last knew for the number (the
	// file's, until the API said otherwise).
	Previous PortState `json:",omitempty"`
	// Backwards flags a move against the port's order (pending → approved
	// → in_progress → completed), or away from completed: completed →
	// in_progress, FOC → pending. It is reported, not to be applied
	// silently: the fold alerts on it.
	Backwards bool `json:",omitempty"`
	// Activation is when the provider says the port activates (its FOC
	// time) or, for completed, when it activated; Unix ns, 0 = not given.
	Activation int64 `json:",omitempty"`
}

// ActionState is where an operator action stands.
type ActionState string

const (
	ActionRequested  ActionState = "requested"
	ActionRunning    ActionState = "running"
	ActionDone       ActionState = "done"
	ActionUnverified ActionState = "unverified"
	ActionVerified   ActionState = "verified"
	ActionFailed     ActionState = "failed"
	ActionUndone     ActionState = "undone"
	// ActionDeclined: the operator did not confirm the dry run; nothing
	// changed. Recordings made before it say failed, with the error
	// "declined by the operator" (DeclinedBefore).
	ActionDeclined ActionState = "declined"
)

// DeclinedBefore is the error a decline was recorded with, as failed,
// before declined was a state of its own.
const DeclinedBefore = "declined by the operator"

// Declined says whether r records a decline, as it is recorded now or
// was before (failed with DeclinedBefore).
func (r *ActionRecord) Declined() bool {
	return r.State == ActionDeclined || (r.State == ActionFailed && r.Error == DeclinedBefore)
}

// ActionRecord is one step in an operator action's life: every state
// change of an action is its own event with the same ID.
type ActionRecord struct {
	ID       string
	Type     string // failover, restore, outbound, command, undo
	State    ActionState
	Target   string // trunk, number or range it acts on
	Operator string // OS user@host, plus --operator when given
	DryRun   string `json:",omitempty"` // what it will change, as shown to the operator
	Result   string `json:",omitempty"`
	Error    string `json:",omitempty"`
	Undo     string `json:",omitempty"` // opaque data the actuator needs to undo it
	// Expect is the traffic that shows the action worked; the fold
	// verifies it (nil: the read-back is all there is to verify).
	Expect *ActionExpect `json:",omitempty"`
	// Prompted names the alert (AlertChange.Key) the operator acted on;
	// the fold keeps it open until the action is verified ("" = none).
	Prompted string `json:",omitempty"`
}

// ActionExpect says where new calls should go once an action is done: a
// failover expects the affected numbers' inbound calls on the legacy
// trunks, an outbound correction expects the number's outbound calls to
// leave by the trunk it was moved to.
type ActionExpect struct {
	Dir     Dir      // in: calls arriving from a trunk; out: calls leaving by one
	Trunks  []string // the trunks the calls should now use
	Numbers []string `json:",omitempty"` // E.164 numbers or PREFIX* ranges; empty = every number
	Within  int64    // ns after the action is done within which the traffic must move
	Calls   int      // new calls on the expected trunks needed (and a majority of the new calls)
}

// Note is an operator's note at an event time.
type Note struct {
	Author string
	Text   string
}

// Severity ranks alerts.
type Severity string

const (
	SevInfo     Severity = "info"
	SevWarning  Severity = "warning"
	SevCritical Severity = "critical"
)

// AlertChange opens or closes an alert. Alerts are derived by the fold; the
// pipeline records them so a recording can be read without re-folding.
type AlertChange struct {
	Rule     Rule   // one of Rules (rules.go)
	Subject  string // the trunk name or the E.164 number
	Open     bool
	Severity Severity
	Message  string
	// CausedBy names the operator's action (ActionRecord.ID) whose
	// intended effect this alert is: calls on legacy while a failover
	// stands, say. It is not new trouble, and it closes when the action
	// no longer stands (caused.go). "" = trouble of its own.
	CausedBy string `json:",omitempty"`
}

// Key identifies the alert: one rule on one subject is open at most once.
func (a AlertChange) Key() string { return alertKey(a.Rule, a.Subject) }

func alertKey(r Rule, subject string) string { return string(r) + ":" + subject }
