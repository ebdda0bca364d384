package monitor

import (
	"fmt"
	"strconv"
	"strings"
)

// Rule names an alert rule. AlertChange.Rule is one; the fold raises
// nothing that is not in Rules.
type Rule string

// The alert rules. Their string values are recorded: never change one.
const (
	RuleOptionsDown      Rule = "options_down"
	RuleTimeoutBurst     Rule = "timeout_burst"
	RuleNERDrop          Rule = "ner_drop"
	RuleCodec488         Rule = "codec488"
	RuleTrunkSilent      Rule = "trunk_silent"
	RuleRegistration     Rule = "registration"
	RuleAttestation      Rule = "attestation"
	RuleSplitBrain       Rule = "split_brain"
	RuleZombie           Rule = "zombie"
	RuleDropRate         Rule = "drop_rate"
	RuleActionUnverified Rule = "action_unverified"
	RulePortFailed       Rule = "port_failed"
	RulePortBackwards    Rule = "port_backwards"
	RuleOneWayAudio      Rule = "one_way_audio"
	RuleNoMedia          Rule = "no_media"
	RuleMOSLow           Rule = "mos_low"
)

// Scope is what an alert's subject can be: a trunk's name, a number's
// E.164, an action's id. A rule may apply to more than one.
type Scope uint8

const (
	ScopeTrunk Scope = 1 << iota
	ScopeNumber
	ScopeAction
)

// Has reports whether s includes o.
func (s Scope) Has(o Scope) bool { return s&o != 0 }

func (s Scope) String() string {
	var names []string
	for _, n := range [...]struct {
		s    Scope
		name string
	}{{ScopeTrunk, "trunk"}, {ScopeNumber, "number"}, {ScopeAction, "action"}} {
		if s.Has(n.s) {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, " or ")
}

// RuleSpec describes one alert rule for the people who read its alerts.
type RuleSpec struct {
	Rule     Rule
	Scope    Scope
	Severity Severity // the severity it opens with (attestation: critical once verifications fail)
	Meaning  string   // one line: what is wrong when it is open
	// Hysteresis says when it opens and when it closes, with the
	// thresholds in th (the fold uses the same expressions).
	Hysteresis func(th Thresholds) string
	// Key is the TUI key whose action fixes it ("" for none): f moves
	// calls away from a trunk in trouble (on a trunk of role new, f fails
	// over to the legacy provider; the screen shows F, restore to new, on
	// a legacy trunk), o moves a number's outbound route to a trunk of
	// role new.
	Key string
}

// Rules is every alert rule, in the order they are listed to people: the
// trunk outages first, then what else a trunk shows, then the numbers',
// then the actions'.
var Rules = []RuleSpec{
	{
		Rule: RuleOptionsDown, Scope: ScopeTrunk, Severity: SevCritical, Key: "f",
		Meaning: "the trunk does not answer OPTIONS health checks (the prober's, or the SBC's own seen on the wire): its SIP peer is down or unreachable",
		Hysteresis: func(Thresholds) string {
			return "opens when the prober reports the trunk down (fail_after failures in a row), " +
				"or when " + strconv.Itoa(wireOptionsFail) + " OPTIONS seen on the wire fail in a row (408, 5xx or no answer in 32s); " +
				"closes when the prober reports it up (recover_after answers in a row), or after " + strconv.Itoa(wireOptionsRecover) + " answered on the wire in a row"
		},
	},
	{
		Rule: RuleTimeoutBurst, Scope: ScopeTrunk, Severity: SevCritical, Key: "f",
		Meaning: "the trunk times out or is unavailable (408/503 responses)",
		Hysteresis: func(th Thresholds) string {
			return fmt.Sprintf("opens at ≥ %d 408/503 in 1 min, closes below %d", th.TimeoutBurst, halfUp(th.TimeoutBurst))
		},
	},
	{
		Rule: RuleNERDrop, Scope: ScopeTrunk, Severity: SevCritical, Key: "f",
		Meaning: "the trunk's network effectiveness ratio (NER) over 5 min fell",
		Hysteresis: func(th Thresholds) string {
			return fmt.Sprintf("opens at NER < %s over ≥ %d attempts in 5 min, closes at NER ≥ %s or under %d attempts",
				percent(th.NERMin), th.NERMinAttempts, percent(th.NERMin+nerRecovery), halfUp(th.NERMinAttempts))
		},
	},
	{
		Rule: RuleCodec488, Scope: ScopeTrunk, Severity: SevCritical, Key: "f",
		Meaning: "calls on the trunk are refused with 488 Not Acceptable Here: a codec/SDP mismatch",
		Hysteresis: func(th Thresholds) string {
			return fmt.Sprintf("opens at ≥ %d 488s in 1 min and ≥ %s of final responses, closes below %d or %s",
				th.Codec488Count, percent(th.Codec488Share), halfUp(th.Codec488Count), percent(th.Codec488Share/2))
		},
	},
	{
		Rule: RuleOneWayAudio, Scope: ScopeTrunk | ScopeNumber, Severity: SevCritical, Key: "f",
		Meaning: "answered calls carry RTP in one direction only: a NAT/ALG or media-relay problem on the path",
		Hysteresis: func(th Thresholds) string {
			return mediaShareText("one-way", th.OneWayRateMax, th)
		},
	},
	{
		Rule: RuleNoMedia, Scope: ScopeTrunk | ScopeNumber, Severity: SevCritical, Key: "f",
		Meaning: "answered calls carry no RTP either way: silent calls, a codec/SDP or media-path problem",
		Hysteresis: func(th Thresholds) string {
			return mediaShareText("no-media", th.NoMediaRateMax, th)
		},
	},
	{
		Rule: RuleTrunkSilent, Scope: ScopeTrunk, Severity: SevWarning, Key: "f",
		Meaning: "a trunk that carried calls carries none",
		Hysteresis: func(th Thresholds) string {
			return "opens after " + ShortDur(th.SilentAfter) + " without a call after earlier traffic, closes on the next call"
		},
	},
	{
		Rule: RuleRegistration, Scope: ScopeTrunk, Severity: SevCritical, Key: "f",
		Meaning: "the trunk's REGISTER is refused, timed out or lapsed: inbound calls through it will not arrive",
		Hysteresis: func(Thresholds) string {
			return "opens when registration fails, times out or expires (a 401/407 challenge does not), closes when registered again"
		},
	},
	{
		Rule: RuleMOSLow, Scope: ScopeTrunk, Severity: SevWarning, Key: "f",
		Meaning: "the trunk's calls sound bad: their mean MOS (each call's worst stream, E-model estimate) is low",
		Hysteresis: func(th Thresholds) string {
			return fmt.Sprintf("opens at mean MOS < %s of ≥ %d calls with a MOS ended in 5 min, closes at ≥ %s or under %d calls",
				mosText(th.MOSMin), th.MediaMinCalls, mosText(th.MOSMin+mosRecovery), halfUp(th.MediaMinCalls))
		},
	},
	{
		Rule: RuleAttestation, Scope: ScopeTrunk | ScopeNumber, Severity: SevWarning,
		Meaning: "outbound calls are attested A too rarely (labelled spam), or fail verification (critical)",
		Hysteresis: func(th Thresholds) string {
			return fmt.Sprintf("opens at A < %s of ≥ %d calls in %s on a trunk (≥ %d in %s on a number) or ≥ %d failed verifications, "+
				"closes at A ≥ %s or under half the calls, and under %d failed",
				percent(th.AttestAMin), th.AttestMinCalls, ShortDur(attestTrunkWindow), th.AttestNumberMinCalls, ShortDur(attestNumberWindow),
				th.AttestInvalidMin, percent(th.AttestAMin+attestRecovery), halfUp(th.AttestInvalidMin))
		},
	},
	{
		Rule: RuleSplitBrain, Scope: ScopeNumber, Severity: SevCritical, Key: "o",
		Meaning: "a ported number's own calls still use a legacy trunk (business: sent to it; transit: arriving from it)",
		Hysteresis: func(th Thresholds) string {
			return "opens on such a call once the port completed, closes after " + ShortDur(th.SplitBrainQuiet) +
				" without one or when the port is no longer completed"
		},
	},
	{
		Rule: RuleZombie, Scope: ScopeNumber, Severity: SevWarning,
		Meaning: "a ported number's calls still land on a legacy trunk (business: arriving from it; transit: sent to it)",
		Hysteresis: func(th Thresholds) string {
			return "opens on such a call " + ShortDur(th.ZombieAfter) + " after the port completed, closes after " +
				ShortDur(th.ZombieAfter) + " without one or when the port is no longer completed"
		},
	},
	{
		Rule: RuleDropRate, Scope: ScopeNumber, Severity: SevWarning,
		Meaning: "too many of a number's answered calls end at once (dropped calls)",
		Hysteresis: func(th Thresholds) string {
			return fmt.Sprintf("opens above %s of ≥ %d answered calls in 15 min ending within %s, closes at ≤ %s or under %d answered",
				percent(th.DropRateMax), th.DropMinAnswered, th.ShortCall, percent(th.DropRateMax/2), halfUp(th.DropMinAnswered))
		},
	},
	{
		Rule: RulePortFailed, Scope: ScopeNumber, Severity: SevCritical,
		Meaning: "a number's port was denied or cancelled: its calls stay with the legacy provider",
		Hysteresis: func(Thresholds) string {
			return "opens when the port state becomes denied or cancelled, closes when it moves on"
		},
	},
	{
		Rule: RulePortBackwards, Scope: ScopeNumber, Severity: SevCritical,
		Meaning: "the carrier's porting API reports a port going backwards (completed → in progress): the state shown is kept",
		Hysteresis: func(Thresholds) string {
			return "opens on a backwards report from the porting poller, closes on a forward report or an operator's change"
		},
	},
	{
		Rule: RuleActionUnverified, Scope: ScopeAction, Severity: SevWarning,
		Meaning: "an action is done but the traffic it should move has not moved",
		Hysteresis: func(Thresholds) string {
			return "opens when the traffic has not moved within the action's deadline, closes when it does or the wait ends"
		},
	},
}

// Spec returns r's entry in Rules (the zero RuleSpec for an unknown rule).
func (r Rule) Spec() RuleSpec {
	for _, s := range Rules {
		if s.Rule == r {
			return s
		}
	}
	return RuleSpec{}
}

// FixKey is the TUI key whose action fixes an alert of r, "" for none.
func (r Rule) FixKey() string { return r.Spec().Key }

// halfUp is half of n rounded up: where a count threshold's hysteresis
// closes.
func halfUp(n int) int { return (n + 1) / 2 }

func percent(f float64) string { return strconv.FormatFloat(f*100, 'f', 0, 64) + " %" }
