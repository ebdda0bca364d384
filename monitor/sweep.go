package monitor

import "time"

// SweepVerdict is what one test call of a sweep found for a number.
type SweepVerdict string

// A sweep's verdicts. Inbound test calls (to a number) land; outbound
// checks (from a number) leave.
const (
	SweepLandedNew    SweepVerdict = "landed_new"    // arrived on a new trunk
	SweepLandedLegacy SweepVerdict = "landed_legacy" // arrived on a legacy trunk
	SweepNeverArrived SweepVerdict = "never_arrived" // answered or refused elsewhere, never seen on a trunk
	SweepFailed       SweepVerdict = "failed"        // the caller got a failure (Code) and nothing arrived
	SweepLeftNew      SweepVerdict = "left_new"      // outbound check: left by a new trunk
	SweepLeftLegacy   SweepVerdict = "left_legacy"   // outbound check: left by a legacy trunk
)

// SweepResult is a number's latest test call of a sweep, in or out.
type SweepResult struct {
	Sweep   string // the sweep's ID
	Time    int64  // when the verdict was reached (Unix ns)
	Verdict SweepVerdict
	Trunk   string        // the trunk it landed on or left by ("" = not seen)
	Code    int           // the final response the test caller got (0 = none)
	PDD     time.Duration // INVITE to the first 180/183
	Attest  string        // outbound check: attestation seen leaving ("A", "B", "C", "" = unsigned)
}

// SweepHeader is the header each INVITE of a sweep carries, its value the
// sweep's ID: the fold matches an arrival to its test call by it, and
// falls back to the request URI's number plus From = test_call_from
// within sweepGrace when a network on the way drops it.
const SweepHeader = "X-Cutover-Sweep"

// A sweep's events, all KindProbe. The runner (monitor/probe) records the
// start with its numbers, each call's result and the end; the fold
// derives each number's verdict and records it (Source fold), so a replay
// shows the sweep exactly as live did.
const (
	ProbeSweep        ProbeKind = "sweep"         // a sweep starts: Sweep, From, Numbers
	ProbeSweepCall    ProbeKind = "sweep_call"    // one test call's result: Sweep, Number, Code, PDD, Trunk
	ProbeSweepEnd     ProbeKind = "sweep_end"     // the runner is done (or was stopped): Sweep
	ProbeSweepVerdict ProbeKind = "sweep_verdict" // derived: Sweep, Number, Verdict, Landed, Code, PDD
)

// SweepView is one sweep's progress: how many of its numbers have a
// verdict, and which.
type SweepView struct {
	ID    string
	Out   bool   // an outbound check: calls from the numbers, through the SBC
	Start int64  // the sweep's start event time
	From  string // test_call_from (Out: outbound_check_to, the number called)
	Total int    // numbers it calls
	// Verdicts so far, by kind (Out: New and Legacy count left_new and
	// left_legacy).
	New, Legacy, Never, Failed int
	Unplaced                   int   // numbers the runner stopped before calling, or a later sweep took over
	Ended                      int64 // when the runner ended it (0 = running)
}

// Done is how many numbers have a verdict.
func (v SweepView) Done() int { return v.New + v.Legacy + v.Never + v.Failed }

// Finished says whether every number the sweep called has its verdict.
func (v SweepView) Finished() bool { return v.Done()+v.Unplaced >= v.Total }
