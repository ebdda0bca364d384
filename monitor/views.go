package monitor

import "time"

// Windows are the sliding windows of event time every KPI is kept over.
var Windows = [3]time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}

// Window indexes Windows.
const (
	Win1m  = 0
	Win5m  = 1
	Win15m = 2
)

// Stats are the KPIs of one trunk or number over one window.
type Stats struct {
	Attempts  int // distinct call attempts (initial INVITEs, retransmissions and auth retries not counted)
	Completed int // attempts with a final response (the ASR/NER denominator)
	Answered  int
	Failed    int // final response >= 300 (auth challenges excluded)
	Effective int // answered + user-side outcomes (480, 486, 487, 600, 603): the NER numerator
	Short     int // answered and ended within Thresholds.ShortCall
	PDDSum    time.Duration
	PDDCount  int
	Legacy    int // attempts that landed by a legacy trunk (State.landingLeg: inbound on a business's side)
	New       int // attempts that landed by a new trunk
	// LegacyAfter is, of a number's Legacy, the attempts that arrived at
	// or after its port completed (its activation): still on legacy.
	LegacyAfter int
	Attest      AttestMix
	Stir        StirMix     // outbound verdicts by outcome: why calls did or did not verify
	Verstat     VerstatMix  // inbound verstat from the carrier
	Codes       []CodeCount // final responses to INVITE transactions, most frequent first
	Media       MediaMix    // media verdicts of the calls judged in the window (issue 16)
}

// MediaMix counts the media verdicts of the calls judged in a window, at
// the event time each was decided (KindMedia).
type MediaMix struct {
	Judged  int // answered calls whose media a source watched, judged NoMediaAfter past the answer
	OneWay  int // of Judged: RTP in one direction only
	NoMedia int // of Judged: no RTP either way
	Bad     int // calls with a stream past a loss, jitter or MOS threshold (counted when the media ended)
	// MOSCount calls had a MOS (their worst stream's, when their media
	// ended); MOSSum adds them up; MOSBins counts them by MOSBin, nil
	// while there are none.
	MOSCount int
	MOSSum   float64
	MOSBins  []uint32 `json:",omitempty"`
}

// MOS bins: 0.1 wide from 1.0 (bin 0) to 4.5 (the last bin holds 4.5).
const (
	mosFloor = 1.0
	mosBins  = 36
)

// MOSBin is the bin a MOS falls in.
func MOSBin(mos float64) int {
	return min(max(int((mos-mosFloor)*10+1e-9), 0), mosBins-1)
}

// AddMOS counts one call's MOS.
func (m *MediaMix) AddMOS(mos float64) {
	if m.MOSBins == nil {
		m.MOSBins = make([]uint32, mosBins)
	}
	m.MOSBins[MOSBin(mos)]++
	m.MOSCount++
	m.MOSSum += mos
}

// OneWayRate is OneWay / Judged in [0,1]; -1 when nothing was judged.
func (m MediaMix) OneWayRate() float64 { return ratio(m.OneWay, m.Judged) }

// NoMediaRate is NoMedia / Judged in [0,1]; -1 when nothing was judged.
func (m MediaMix) NoMediaRate() float64 { return ratio(m.NoMedia, m.Judged) }

// MOSMean is the mean MOS; 0 when no call had one.
func (m MediaMix) MOSMean() float64 {
	if m.MOSCount == 0 {
		return 0
	}
	return m.MOSSum / float64(m.MOSCount)
}

// MOSP5 is the 5th percentile of MOS, to the bin's lower edge (0.1); 0
// when no call had one.
func (m MediaMix) MOSP5() float64 {
	if m.MOSCount == 0 || m.MOSBins == nil {
		return 0
	}
	rank := (m.MOSCount*5 + 99) / 100 // the smallest count reaching 5 %
	seen := 0
	for i, c := range m.MOSBins {
		if seen += int(c); seen >= rank {
			return mosFloor + float64(i)/10
		}
	}
	return mosFloor + float64(mosBins-1)/10
}

// AttestMix counts outbound calls by STIR/SHAKEN attestation.
type AttestMix struct{ A, B, C, None, Invalid int }

// Total is the number of outbound calls counted in the mix.
func (m AttestMix) Total() int { return m.A + m.B + m.C + m.None + m.Invalid }

// CodeCount is how often a response code was seen.
type CodeCount struct {
	Code  int
	Count int
}

// ASR is answered / completed attempts, in [0,1]; -1 when nothing completed.
func (s Stats) ASR() float64 { return ratio(s.Answered, s.Completed) }

// NER is effective / completed attempts, in [0,1]; -1 when nothing completed.
func (s Stats) NER() float64 { return ratio(s.Effective, s.Completed) }

// DropRate is short / answered calls, in [0,1]; -1 when nothing was answered.
func (s Stats) DropRate() float64 { return ratio(s.Short, s.Answered) }

// PDD is the mean post-dial delay (INVITE to first 180/183); 0 when unknown.
func (s Stats) PDD() time.Duration {
	if s.PDDCount == 0 {
		return 0
	}
	return s.PDDSum / time.Duration(s.PDDCount)
}

func ratio(n, d int) float64 {
	if d == 0 {
		return -1
	}
	return float64(n) / float64(d)
}

// Snapshot is an immutable copy of what the dashboard shows, taken from the
// fold. The TUI only ever reads snapshots.
type Snapshot struct {
	Name      string
	Now       int64  // the event clock, Unix ns
	Applied   uint64 // events folded
	SIP       uint64 // SIP messages folded
	Malformed uint64 // SIP messages that did not parse
	// Quarantined is how many events arrived with a time too far from the
	// receiver's clock (live) or from their neighbours (an import, the
	// demo): recorded, counted here, never folded (Event.Quarantined).
	Quarantined uint64
	// CallsEvicted is how many calls were forgotten before they ended
	// because the table of calls in flight was full (a flood of INVITEs,
	// typically a scanner's): their later messages are not counted.
	CallsEvicted uint64

	Trunks  []TrunkView
	Numbers []NumberView
	Alerts  []AlertView // open first (critical first, then newest first), then recently closed (last closed first)
	Feed    []FeedLine  // the newest SIP messages, oldest first
	Actions []ActionView
	Notes   []NoteView

	// Requests are the port requests of the numbers, by ID, with their
	// propagation curves (landing.go).
	Requests []RequestView

	Stir        StirCounts // verification beside the attestation mix: late, orphaned, not verified
	StirPending int        // requests whose verdict is still being fetched

	Sweeps []SweepView // the latest test-call sweeps, oldest first

	Media MediaCounts // media reports folded, and those for calls the fold did not know
}

// TrunkView is one trunk's row.
type TrunkView struct {
	Name         string
	Role         Role
	Registration RegState
	RegCode      int
	RegExpiresAt int64 // Unix ns when the granted registration runs out (0 = unknown)
	OptionsUp    int   // 1 up, 0 unknown, -1 down
	OptionsRTT   time.Duration
	OptionsCode  int
	LastSeen     int64 // last call attempt, Unix ns
	Win          [3]Stats
	// Total is everything the trunk's windows ever counted since the fold
	// began (a checkpoint carries it): it only grows, so Prometheus's
	// counters read it.
	Total Stats
	// Spark is calls per minute for the last SparkMinutes minutes, oldest first.
	Spark []int
}

// SparkMinutes is how many minutes a trunk's sparkline covers.
const SparkMinutes = 30

// NumberView is one ported number's row.
type NumberView struct {
	E164          string
	PortRequestID string
	PortState     PortState
	Activated     int64  // Unix ns (0 = not yet)
	Serving       string // trunk the last call landed by (inbound on a business's side; "" = none yet)
	ServingRole   Role
	Egress        string // trunk the number's last own call used (outbound on a business's side; "" = none yet)
	EgressRole    Role
	LastSeen      int64
	Win           [3]Stats
	Flags         []string    // rules with an open alert on this number (zombie, split_brain, drop_rate, ...)
	Landing       Landing     // where calls have landed since activation
	SweepIn       SweepResult // the latest sweep's test call to the number (Verdict "" = none)
	SweepOut      SweepResult // the latest outbound check from the number (Verdict "" = none)

	// Curve is Landing by time since activation (LandingSpan): the bins
	// with calls only.
	Curve []LandingBin
}

// AlertView is an alert as listed.
type AlertView struct {
	AlertChange
	Opened int64 // Unix ns
	Closed int64 // Unix ns, 0 while open

	Acked         int64  // when an operator acknowledged this episode (Unix ns, 0 = not)
	AckedBy       string // who
	SilencedUntil int64  // a silence on the rule and subject holds until then (snapshots only)
	SilencedBy    string
}

// FeedLine is one SIP message in the live feed.
type FeedLine struct {
	Time    int64
	Trunk   string // "" when it matched no trunk
	Dir     Dir
	Summary string // "INVITE sip:+15551230001@…" or "488 Not Acceptable Here"
	Code    int    // response code, 0 for requests
	CallID  string
	Number  string
}

// ActionView is an operator action's latest state.
type ActionView struct {
	ActionRecord
	Requested int64 // Unix ns
	Updated   int64 // Unix ns of the latest state
	// Progress says how verification by traffic stands, for the screen
	// ("2 of 3 calls on legacy, 1 elsewhere, 3m left"); "" when the action
	// expects no traffic.
	Progress string
}

// NoteView is an operator note.
type NoteView struct {
	Time int64
	Note
}
