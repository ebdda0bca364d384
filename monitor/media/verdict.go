package media

import (
	"fmt"
	"time"
)

// Verdict is what a call's media looks like.
type Verdict uint8

// The verdicts, from "too early to say" to the worst.
const (
	VerdictPending Verdict = iota // answered less than NoMediaAfter ago and silent so far
	VerdictOK
	VerdictBadStream // a stream past a loss, jitter or MOS threshold
	VerdictOneWay    // RTP in one direction only
	VerdictNoMedia   // answered, no RTP either way within NoMediaAfter
	VerdictUnanswered
)

func (v Verdict) String() string {
	switch v {
	case VerdictOK:
		return "ok"
	case VerdictBadStream:
		return "bad_stream"
	case VerdictOneWay:
		return "one_way"
	case VerdictNoMedia:
		return "no_media"
	case VerdictUnanswered:
		return "unanswered"
	}
	return "pending"
}

// Thresholds decide a call's verdict.
type Thresholds struct {
	NoMediaAfter time.Duration // how long after the answer RTP must have started
	MaxLoss      float64       // fraction lost, 0–1
	MaxJitter    time.Duration
	MinMOS       float64
}

// DefaultThresholds: 5 s to first RTP, 5 % loss, 30 ms jitter, MOS 3.5
// (the usual "fair" floor).
func DefaultThresholds() Thresholds {
	return Thresholds{NoMediaAfter: 5 * time.Second, MaxLoss: 0.05, MaxJitter: 30 * time.Millisecond, MinMOS: 3.5}
}

// CallMedia is one call's media: when it was answered and its streams per
// direction (Forward: caller to callee, Reverse: callee to caller). Ptime is
// the negotiated packetization (0: 20 ms).
type CallMedia struct {
	Answered time.Time
	Forward  []Stats
	Reverse  []Stats
	Ptime    time.Duration
}

// Judgement is a verdict and the reason in words an operator reads.
type Judgement struct {
	Verdict Verdict
	Reason  string
	MOS     float64 // the worst stream's MOS, 0 without streams
}

// Judge decides a call's media at event time now. A stream counts for "no
// media" and "one-way" only if its first packet came within NoMediaAfter of
// the answer. Bad streams are judged on every stream that has packets.
func Judge(c CallMedia, now time.Time, th Thresholds) Judgement {
	if c.Answered.IsZero() {
		return Judgement{Verdict: VerdictUnanswered, Reason: "not answered"}
	}
	deadline := c.Answered.Add(th.NoMediaAfter)
	fwd, rev := startedBy(c.Forward, deadline), startedBy(c.Reverse, deadline)
	worst := worstMOS(c)
	if !fwd && !rev {
		if now.Before(deadline) {
			return Judgement{Verdict: VerdictPending, Reason: "waiting for RTP", MOS: worst}
		}
		return Judgement{Verdict: VerdictNoMedia, Reason: fmt.Sprintf("no RTP either way within %s of the answer", th.NoMediaAfter), MOS: worst}
	}
	if !fwd || !rev {
		if now.Before(deadline) {
			return Judgement{Verdict: VerdictPending, Reason: "RTP one way so far", MOS: worst}
		}
		dir := "caller to callee"
		if rev {
			dir = "callee to caller"
		}
		return Judgement{Verdict: VerdictOneWay, Reason: "RTP only " + dir, MOS: worst}
	}
	for _, set := range [][]Stats{c.Forward, c.Reverse} {
		for _, st := range set {
			if reason := badStream(st, c.Ptime, th); reason != "" {
				return Judgement{Verdict: VerdictBadStream, Reason: reason, MOS: worst}
			}
		}
	}
	return Judgement{Verdict: VerdictOK, MOS: worst}
}

func startedBy(streams []Stats, deadline time.Time) bool {
	for _, st := range streams {
		if st.Packets > 0 && !st.First.After(deadline) {
			return true
		}
	}
	return false
}

func worstMOS(c CallMedia) float64 {
	worst := 0.0
	for _, set := range [][]Stats{c.Forward, c.Reverse} {
		for _, st := range set {
			if m := MOS(st, c.Ptime); m > 0 && (worst == 0 || m < worst) {
				worst = m
			}
		}
	}
	return worst
}

// badStream names the first threshold st is past, or "".
func badStream(st Stats, ptime time.Duration, th Thresholds) string {
	if st.Packets == 0 {
		return ""
	}
	if loss := st.LossFraction(); loss > th.MaxLoss {
		return fmt.Sprintf("SSRC %08x lost %.1f%% (over %.1f%%)", st.SSRC, 100*loss, 100*th.MaxLoss)
	}
	if st.Jitter > th.MaxJitter {
		return fmt.Sprintf("SSRC %08x jitter %s (over %s)", st.SSRC, st.Jitter.Round(time.Millisecond/10), th.MaxJitter)
	}
	if m := MOS(st, ptime); m < th.MinMOS {
		return fmt.Sprintf("SSRC %08x MOS %.2f (under %.2f)", st.SSRC, m, th.MinMOS)
	}
	return ""
}
