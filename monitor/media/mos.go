package media

import (
	"strings"
	"time"
)

// The E-model (ITU-T G.107) in the simplified form VoIP monitors use:
//
//	R   = R0 − Id − Ie,eff + A          R0 = 93.2 (G.107's 94.77 minus the default Is)
//	Id  = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)        d: one-way delay in ms, H: step
//	Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl/BurstR + Bpl)     Ppl: loss in %
//	MOS = 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶      clamped to [1, 4.5]; R ≤ 0 → 1
//
// A (advantage factor) is 0. Id's form is Cole and Rosenbluth's fit of
// G.107's delay impairment (as in most monitors). No one-way delay is seen on
// the wire, so d is a jitter-buffer estimate: d = 2·jitter + ptime + 10 ms.
// BurstR is 1 for random loss; BurstRatio estimates it from the stream's loss
// runs. Ie and Bpl per codec come from ITU-T G.113 Appendix I (G.711 with
// PLC: Ie 0, Bpl 25.1; without: Bpl 4.3; G.729(A) with VAD: Ie 11, Bpl 19;
// G.722 is scored as G.711 on the narrow-band scale; any other codec as G.711
// without PLC). VoIPmonitor's
// calculate_mos_g711 uses the same Ie,eff with Ie 0 and its own fitted Bpl
// 17.2647 and a cubic MOS fit; we keep G.107's published constants.
const (
	R0            = 93.2
	delayKnee     = 177.3
	jitterBufBase = 10 * time.Millisecond
	defaultPtime  = 20 * time.Millisecond
)

// Impairment is a codec's equipment impairment Ie and packet-loss robustness
// Bpl (G.113 Appendix I).
type Impairment struct {
	Ie, Bpl float64
}

// CodecImpairment returns the constants for a codec name (rtpmap or static
// name, case-insensitive); unknown codecs get G.711 without PLC, the
// cautious choice.
func CodecImpairment(name string) Impairment {
	switch strings.ToUpper(name) {
	case "PCMU", "PCMA", "G711", "G722":
		return Impairment{Ie: 0, Bpl: 25.1}
	case "G729", "G729A", "G729AB":
		return Impairment{Ie: 11, Bpl: 19}
	}
	return Impairment{Ie: 0, Bpl: 4.3}
}

// EModel holds the inputs of one R computation.
type EModel struct {
	Impairment
	LossPct float64       // Ppl, 0–100
	BurstR  float64       // 1 random loss, > 1 bursty; ≤ 0 is taken as 1
	Delay   time.Duration // one-way delay d
}

// R returns the transmission rating factor, not clamped (it may go below 0).
func (e EModel) R() float64 {
	burst := e.BurstR
	if burst <= 0 {
		burst = 1
	}
	ppl := min(max(e.LossPct, 0), 100)
	ieEff := e.Ie + (95-e.Ie)*ppl/(ppl/burst+e.Bpl)
	d := float64(e.Delay) / float64(time.Millisecond)
	id := 0.024 * d
	if d > delayKnee {
		id += 0.11 * (d - delayKnee)
	}
	return R0 - id - ieEff
}

// MOSFromR maps R to MOS (G.107 Annex B), clamped to [1, 4.5].
func MOSFromR(r float64) float64 {
	if r <= 0 {
		return 1
	}
	if r >= 100 {
		return 4.5
	}
	mos := 1 + 0.035*r + r*(r-60)*(100-r)*7e-6
	return min(max(mos, 1), 4.5)
}

// BurstRatio estimates G.107's BurstR from a stream: the mean observed loss
// run (Lost/Gaps) over the mean run random loss would give, 1/(1 − p).
func BurstRatio(st Stats) float64 {
	p := st.LossFraction()
	if st.Gaps == 0 || p == 0 || p >= 1 {
		return 1
	}
	return max(float64(st.Lost)/float64(st.Gaps)*(1-p), 1)
}

// StreamModel builds the E-model inputs for a stream; ptime 0 means 20 ms.
func StreamModel(st Stats, ptime time.Duration) EModel {
	if ptime <= 0 {
		ptime = defaultPtime
	}
	return EModel{
		Impairment: CodecImpairment(st.Codec),
		LossPct:    100 * st.LossFraction(),
		BurstR:     BurstRatio(st),
		Delay:      2*st.Jitter + ptime + jitterBufBase,
	}
}

// MOS estimates a stream's MOS; a stream with no packets has none (0).
func MOS(st Stats, ptime time.Duration) float64 {
	if st.Packets == 0 {
		return 0
	}
	return MOSFromR(StreamModel(st, ptime).R())
}
