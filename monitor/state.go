package monitor

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/cutover/cutover/monitor/media"
)

// Bucket widths and ring sizes. Trunks keep 10 s slices for half an hour
// (smooth 1-minute windows and the sparkline); numbers keep one-minute
// slices for the longest window, so 10,000 numbers stay small.
const (
	trunkBucket  = 10 * time.Second
	trunkBuckets = int(SparkMinutes * time.Minute / trunkBucket)
	numberBucket = time.Minute
	numberBucks  = 15

	sweepEvery = 10 * time.Second // time-driven rules and expiry run on this grid of event time
	callLinger = 32 * time.Second // Timer B: how long a finished call absorbs retransmissions
	callMaxAge = 4 * time.Hour    // an answered call never seen to end is forgotten after this
	// callPending is how long an INVITE without a final response is kept
	// after its last sign of life (the INVITE, a retransmission or retry,
	// a provisional response). RFC 3261 gives a proxy Timer C, "greater
	// than 3 minutes" and restarted by every provisional response, after
	// which it cancels the call (a 487 follows); Timer B (64*T1 = 32 s) is
	// how long a client waits for an answer at all. Three minutes plus
	// 32 s leaves the 487 after Timer C time to arrive; a call still
	// silent then is over, whoever forgot to say so.
	callPending = 3*time.Minute + 32*time.Second
	// maxTrunkCalls and maxStrayCalls cap the table of calls: those on a
	// configured trunk, and those from and to addresses that match none
	// (a scanner's INVITEs, or the PBX leg of a call before its trunk leg
	// is seen). Separate caps, so strays can never push out trunk calls.
	// Past a cap the oldest calls of that kind are evicted, an eighth of
	// the cap at a time (so a flood costs a sort per eighth, not one per
	// INVITE), and counted. 100,000 is several times the calls in flight
	// of the largest simulated night (10,000 numbers at 45 calls an hour);
	// 2,000 strays are far more PBX legs than wait for their trunk leg at
	// once, and a checkpoint of them is ~120 KB.
	maxTrunkCalls = 100_000
	maxStrayCalls = 2_000
	optionsExpiry = 32 * time.Second // an OPTIONS without a response is a timeout after this (Timer F)

	feedSize      = 200
	closedAlerts  = 100
	notesKept     = 500
	defaultTrunkN = -1
)

// State is the fold: everything the dashboard knows, built only from events.
// It is not safe for concurrent use; the pipeline owns it.
type State struct {
	c      core
	cfgSum uint64 // checksum of c.Cfg for checkpoints, 0 until needed

	callSlab []call // a clone's call records (CloneInto), reused by the next clone
	strays   strayCount
	judgeBuf [2][]media.Stats // a media report's streams by direction, reused (mediafold.go)
}

// core holds the fold's data with exported fields so a checkpoint can
// encode it (gob) and restore it exactly.
type core struct {
	Cfg         Config
	Now         int64
	NextSweep   int64
	Applied     uint64
	SIP         uint64
	Malformed   uint64
	Evicted     uint64 // calls forgotten before their end because the table was full
	Quarantined uint64 // events whose time was not trusted: counted, not folded

	Trunks  []trunkState
	Numbers []numberState
	NumIdx  map[string]int
	Calls   map[string]*call
	Options map[string]optionsTx // OPTIONS transactions waiting for a response, by Call-ID/CSeq

	Alerts   map[string]*AlertView // open alerts by key
	Silences map[string]silence    // silences in force by alert key (ack.go)
	Closed   []AlertView           // recently closed, oldest first
	Feed     []FeedLine            // ring
	FeedPos  int
	Actions  []ActionView
	Verify   []verifyState // done actions waiting for their traffic to move (verify.go)
	Notes    []NoteView

	StirWait map[uint64]stirWait // requests whose verdict follows, by StirVerdict.Ref (stirfold.go)
	Stir     StirCounts

	Curves map[string][]LandingBin // port requests' landing curves, by port_request_id (landing.go)
	Sweep  sweepBook               // test-call sweeps: their progress and the calls waiting for a verdict (sweepfold.go)

	MediaCalls map[string]mediaCall // calls whose media is reported, by Call-ID, until their Final report (mediafold.go)
	Media      MediaCounts

	Out []Event // derived events (alerts, verification steps) not yet drained
}

type trunkState struct {
	Reg          RegState
	RegCode      int
	RegExpiresAt int64
	OptionsUp    int
	OptionsRTT   time.Duration
	OptionsCode  int
	WireFails    int // OPTIONS seen on the wire that failed in a row (wireOptions)
	WireOKs      int // ... that were answered in a row
	LastSeen     int64
	W            series
}

type numberState struct {
	E164              string
	PortRequestID     string
	PortState         PortState
	Activated         int64
	Serving           int // trunk index the last call landed by (State.landingLeg), -1 = none
	LastSeen          int64
	LastZombie        int64 // last landing on legacy after the port completed
	LastSplit         int64 // last egress via legacy after the port completed
	Egress            int   // trunk index the last egress call used (State.landingLeg), -1 = none
	Landing           Landing
	SweepIn, SweepOut SweepResult // the latest sweep results (Verdict "" = none)
	W                 series

	Curve []LandingBin // the landing curve: calls since activation by bin (landing.go)
}

type optionsTx struct {
	Sent  int64
	Trunk int
}

type call struct {
	Trunk     int
	Number    int
	Inbound   bool // its trunk leg arrives from the trunk (DirIn); whether that lands is State.landingLeg's
	Start     int64
	CSeq      uint32
	Ringing   bool
	Answered  int64
	Outcome   int    // final code counted for the attempt (0 = none yet)
	FinalCSeq uint32 // the INVITE transaction whose final response was last counted
	HasFinal  bool
	Ended     bool
	AttestDue bool // attached to its trunk by an answer: the trunk leg's INVITE, when it comes, counts the attestation
	Onward    bool // its egress leg was sent on to a trunk, where it landed on the called number (State.onwardLanding)
	ExpiresAt int64
}

// NewState returns an empty fold for a cutover.
func NewState(cfg Config) *State {
	cfg.Thresholds = cfg.Thresholds.withDefaults()
	s := &State{c: core{
		Cfg:     cfg,
		NumIdx:  make(map[string]int, len(cfg.Numbers)),
		Calls:   make(map[string]*call),
		Options: make(map[string]optionsTx),
		Alerts:  make(map[string]*AlertView),
	}}
	s.c.Trunks = make([]trunkState, len(cfg.Trunks))
	for i := range s.c.Trunks {
		s.c.Trunks[i].W = newSeries(trunkBucket, trunkBuckets)
		s.c.Trunks[i].W.Gone = &bucket{} // a trunk's totals since the start (TrunkView.Total)
	}
	for _, n := range cfg.Numbers {
		s.addNumber(n)
	}
	return s
}

func (s *State) addNumber(n Number) int {
	if i, ok := s.c.NumIdx[n.E164]; ok {
		return i
	}
	s.c.Numbers = append(s.c.Numbers, numberState{
		E164:          n.E164,
		PortRequestID: n.PortRequestID,
		PortState:     n.PortState,
		Activated:     n.Activated,
		Serving:       -1,
		Egress:        -1,
		W:             newSeries(numberBucket, numberBucks),
	})
	s.c.NumIdx[n.E164] = len(s.c.Numbers) - 1
	return len(s.c.Numbers) - 1
}

// Config returns the configuration the fold was built with (thresholds filled in).
func (s *State) Config() Config { return s.c.Cfg }

// Now is the event clock: the latest event time folded.
func (s *State) Now() int64 { return s.c.Now }

// Applied is how many events have been folded.
func (s *State) Applied() uint64 { return s.c.Applied }

// Apply folds one event. It does no I/O and reads no clock: the same events
// give the same state. SIP events must have been decoded (Decode); one
// without Info counts as malformed.
//
// A quarantined event (Event.Quarantined) is only counted: its time must
// not move the clock, so nothing else of it is folded.
func (s *State) Apply(e Event) {
	s.c.Applied++
	if e.Quarantined {
		s.c.Quarantined++
		return
	}
	if s.c.NextSweep == 0 {
		s.c.NextSweep = (e.Time/int64(sweepEvery) + 1) * int64(sweepEvery)
	}
	for e.Time >= s.c.NextSweep { // time-driven work for every grid point we pass
		s.advance(s.c.NextSweep)
		s.sweep()
		s.c.NextSweep += int64(sweepEvery)
		if e.Time-s.c.NextSweep > int64(callMaxAge) { // a jump of hours: skip the empty grid
			s.c.NextSweep = (e.Time/int64(sweepEvery) + 1) * int64(sweepEvery)
			break
		}
	}
	s.advance(e.Time)
	if len(s.c.Verify) > 0 {
		s.verifyDeadlines(s.c.Now)
	}
	s.sweepDeadlines(s.c.Now)
	switch e.Kind {
	case KindSIP:
		if e.SIP != nil {
			s.applySIP(e.Time, e.SIP)
			s.forgetProbeOptions(e)
		}
	case KindProbe:
		if e.Probe != nil && !s.sweepProbe(e.Time, e.Probe) {
			s.applyProbe(e.Time, e.Probe)
		}
	case KindRegistration:
		if r := e.Registration; r != nil {
			if t := s.trunkByName(r.Trunk); t >= 0 {
				s.setReg(e.Time, t, r.State, r.Code, r.Expires)
			}
		}
	case KindPortState:
		if p := e.Port; p != nil {
			s.applyPort(e.Time, p)
		}
	case KindAction:
		if a := e.Action; a != nil && e.Source != SourceVerify { // verification steps are derived here
			s.applyAction(e.Time, a)
		}
	case KindNote:
		if n := e.Note; n != nil {
			s.c.Notes = append(s.c.Notes, NoteView{Time: e.Time, Note: *n})
			if len(s.c.Notes) > notesKept {
				s.c.Notes = append(s.c.Notes[:0], s.c.Notes[len(s.c.Notes)-notesKept:]...)
			}
		}
	case KindStirVerdict:
		if v := e.Verdict; v != nil {
			s.applyLateVerdict(v)
		}
	case KindAlertAck:
		if a := e.Ack; a != nil {
			s.applyAck(e.Time, a)
		}
	case KindMedia:
		if m := e.Media; m != nil {
			s.applyMedia(e.Time, m)
		}
	case KindAlert, KindTick:
		// Alerts are derived here, so recorded ones are not applied again.
	}
}

func (s *State) advance(t int64) {
	if t > s.c.Now {
		s.c.Now = t
	}
}

// Drain appends the events the fold derived since the last call (alerts
// opening and closing, actions' verification steps) to dst and returns it.
// The pipeline records them.
func (s *State) Drain(dst []Event) []Event {
	dst = append(dst, s.c.Out...)
	s.c.Out = s.c.Out[:0]
	return dst
}

func (s *State) trunkByName(name string) int {
	for i, t := range s.c.Cfg.Trunks {
		if t.Name == name {
			return i
		}
	}
	return -1
}

// trunkOf attributes an address to a configured trunk.
func (s *State) trunkOf(ap netip.AddrPort) int {
	for i := range s.c.Cfg.Trunks {
		for _, a := range s.c.Cfg.Trunks[i].Addrs {
			if a.Matches(ap) {
				return i
			}
		}
	}
	return defaultTrunkN
}

func (s *State) applyPort(t int64, p *PortChange) {
	i, ok := s.c.NumIdx[p.Number]
	if !ok {
		i = s.addNumber(Number{E164: p.Number})
	}
	n := &s.c.Numbers[i]
	if p.Backwards { // the carrier's API moved back: say so, keep what stands
		s.openAlert(t, RulePortBackwards, n.E164, SevCritical, fmt.Sprintf("porting API: %s → %s (%q); still shown %s",
			p.Previous, p.State, p.Status, n.PortState))
		return
	}
	s.closeAlert(t, RulePortBackwards, n.E164, func() string { return "port state now " + string(p.State) })
	n.PortState = p.State
	if p.State == PortCompleted && n.Activated == 0 {
		n.Activated = t
		if p.Activation > 0 && p.Activation < t { // the carrier's own time, before the poll saw it
			n.Activated = p.Activation
		}
	}
	if p.State != PortCompleted {
		notCompleted := func() string { return "port no longer completed: " + string(p.State) }
		s.closeAlert(t, RuleZombie, n.E164, notCompleted)
		s.closeAlert(t, RuleSplitBrain, n.E164, notCompleted)
	}
	if p.State == PortDenied || p.State == PortCancelled {
		s.openAlert(t, RulePortFailed, n.E164, SevCritical, "port "+string(p.State)+": calls stay with the legacy provider")
	} else {
		s.closeAlert(t, RulePortFailed, n.E164, func() string { return "port moved on: " + string(p.State) })
	}
}

func (s *State) applyProbe(t int64, p *ProbeResult) {
	i := s.trunkByName(p.Trunk)
	if i < 0 {
		return
	}
	switch p.Probe {
	case ProbeOptions:
		s.setOptions(i, p.Code, p.RTT)
		switch p.Health { // the prober's thresholds outrank a single answer
		case HealthUp:
			s.c.Trunks[i].OptionsUp = 1
		case HealthDown:
			s.c.Trunks[i].OptionsUp = -1
		case HealthPending:
			s.c.Trunks[i].OptionsUp = 0
		}
		s.optionsRule(t, i, p)
	case ProbeRegister:
		switch {
		case p.Code >= 200 && p.Code < 300:
			s.setReg(t, i, RegRegistered, p.Code, 0)
		case p.Code == 408:
			s.setReg(t, i, RegTimeout, p.Code, 0)
		case p.Code >= 300:
			s.setReg(t, i, RegFailed, p.Code, 0)
		}
	}
}

// forgetProbeOptions drops the pending transaction of an OPTIONS the
// prober sent: the prober judges it (its timeout, its fail/recover
// thresholds) and reports the verdict as a KindProbe event, so the fold
// must not time it out a second time and turn a healthy trunk down.
func (s *State) forgetProbeOptions(e Event) {
	if i := e.SIP.Info; e.Source == SourceProbe && i != nil && i.Request && i.Method == "OPTIONS" {
		delete(s.c.Options, i.CallID+"/"+strconv.Itoa(int(i.CSeq)))
	}
}

func (s *State) setOptions(i, code int, rtt time.Duration) {
	tr := &s.c.Trunks[i]
	tr.OptionsCode = code
	tr.OptionsRTT = rtt
	switch {
	case code == 408 || code >= 500 || code == 0:
		tr.OptionsUp = -1
	default: // any other final answer proves the peer's SIP stack is alive
		tr.OptionsUp = 1
	}
}

func (s *State) setReg(t int64, i int, st RegState, code int, expires time.Duration) {
	tr := &s.c.Trunks[i]
	tr.Reg, tr.RegCode = st, code
	if st == RegRegistered && expires > 0 {
		tr.RegExpiresAt = t + int64(expires)
	} else if st != RegRegistered {
		tr.RegExpiresAt = 0
	}
	s.registrationRule(t, i)
}

func (s *State) applyAction(t int64, a *ActionRecord) {
	v := ActionView{ActionRecord: *a, Requested: t, Updated: t}
	defer s.releaseCaused(t) // a failover undone or replaced: its effects close
	if i := s.actionIndex(a.ID); i >= 0 {
		prev := s.c.Actions[i]
		v.Requested = prev.Requested
		s.verifyStep(t, &v, &prev)
		s.c.Actions[i] = v
		return
	}
	s.verifyStep(t, &v, nil)
	s.c.Actions = append(s.c.Actions, v)
}
