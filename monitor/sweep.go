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
