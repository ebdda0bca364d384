package monitor

import (
	"net/netip"
	"time"
)

// Role is a trunk's side of the cutover.
type Role string

const (
	RoleLegacy Role = "legacy"
	RoleNew    Role = "new"
)

// Config is what the fold needs to know about a cutover: no secrets, so it
// can be stored with the recording and a replay folds exactly as live did.
type Config struct {
	Name       string
	Trunks     []Trunk
	Numbers    []Number
	Thresholds Thresholds
	// DefaultCountry is the country code prepended to national numbers when
	// normalising to E.164 ("1" for NANP).
	DefaultCountry string
	// Topology is where the box watches from; "" is TopologyBusiness.
	Topology Topology `json:",omitempty"`
}

// Topology says where cutover watches, and so which calls land on a
// number and which leave from it (State.landingLeg).
type Topology string

const (
	// TopologyBusiness (the default) watches a business's side of its SBC:
	// a call to a number lands when it arrives from a trunk, and a call
	// from a number leaves when it is sent to a trunk.
	TopologyBusiness Topology = "business"
	// TopologyTransit watches a carrier, CPaaS or transit SBC that routes
	// calls towards the trunks (after an LNP dip): a call to a number lands
	// when it is sent to a trunk (the provider that serves the number), and
	// a call from a number leaves when it arrives from a trunk.
	TopologyTransit Topology = "transit"
)

// Topologies are the values Config.Topology takes, the default first.
var Topologies = []Topology{TopologyBusiness, TopologyTransit}

// Trunk is a SIP peer we watch.
type Trunk struct {
	Name string
	Role Role
	// Addrs identify the trunk's traffic: a message whose source or
	// destination matches one of them belongs to the trunk. A prefix with
	// port 0 matches any port.
	Addrs []TrunkAddr
	// CarrierSigns says the carrier signs this trunk's outbound calls
	// (STIR/SHAKEN) after the point we watch, as seen on a business's side
	// of its SBC: an outbound call without an Identity header is expected
	// there, not a fault, and is left out of the attestation mix. Signed
	// calls still count, and failed verifications still alert.
	CarrierSigns bool
}

// TrunkAddr is an address (or network) and an optional port.
type TrunkAddr struct {
	Prefix netip.Prefix
	Port   uint16 // 0 = any port
}

// Matches reports whether ap belongs to this address.
func (t TrunkAddr) Matches(ap netip.AddrPort) bool {
	if t.Port != 0 && t.Port != ap.Port() {
		return false
	}
	return t.Prefix.Contains(ap.Addr().Unmap())
}

// Number is a ported telephone number.
type Number struct {
	E164          string
	PortRequestID string
	PortState     PortState
	Scheduled     int64 // planned activation, Unix ns (0 = unknown)
	Activated     int64 // actual activation, Unix ns (0 = not yet)
}

// Thresholds tune KPIs and alert rules. Zero values are replaced by
// DefaultThresholds' values in NewState.
type Thresholds struct {
	ShortCall time.Duration // an answered call ended within this is "short" (default 2s)

	Codec488Count int     // 488s on a trunk in 1 min to open codec488 (default 5)
	Codec488Share float64 // ...and their share of the minute's final responses (default 0.2)

	NERMin         float64 // trunk NER over 5 min below this opens ner_drop (default 0.8)
	NERMinAttempts int     // ...only with at least this many attempts (default 20)

	TimeoutBurst int // 408+503 on a trunk in 1 min to open timeout_burst (default 10)

	SilentAfter time.Duration // a trunk with traffic before and none for this long (default 10m)

	ZombieAfter time.Duration // inbound still landing on legacy this long after the port completed (default 15m)

	SplitBrainQuiet time.Duration // split_brain closes after this long without such a call (default 15m)

	DropRateMax     float64 // a number's short-call share of answered calls over 15 min (default 0.2)
	DropMinAnswered int     // ...only with at least this many answered calls (default 5)

	AttestAMin           float64 // outbound share attested A (verified when ingest verified) below this opens attestation (default 0.9)
	AttestMinCalls       int     // ...on a trunk with at least this many outbound calls in 5 min (default 10)
	AttestNumberMinCalls int     // ...on a number with at least this many outbound calls in 15 min (default 6)
	AttestInvalidMin     int     // this many failed verifications in the window open attestation too (default 1)

	// Media (issue 16). A call's media is judged NoMediaAfter past its
	// answer (no_media, one-way) and when it ends (a bad stream, MOS).
	NoMediaAfter   time.Duration // RTP must have started this soon after the answer (default 5s)
	MediaMaxLoss   float64       // a stream losing more than this fraction is bad (default 0.05)
	MediaMaxJitter time.Duration // a stream with more interarrival jitter is bad (default 30ms)
	MOSMin         float64       // a stream under this MOS is bad; mean MOS under it opens mos_low (default 3.5)
	OneWayRateMax  float64       // one-way share of judged calls over 5 min above this opens one_way_audio (default 0.1)
	NoMediaRateMax float64       // no-media share of judged calls over 5 min above this opens no_media (default 0.1)
	MediaMinCalls  int           // ...on a trunk with at least this many judged calls (default 5)
}

// mediaDefaults fills the media thresholds' zero fields from d.
func (t Thresholds) mediaDefaults(d Thresholds) Thresholds {
	if t.NoMediaAfter == 0 {
		t.NoMediaAfter = d.NoMediaAfter
	}
	if t.MediaMaxLoss == 0 {
		t.MediaMaxLoss = d.MediaMaxLoss
	}
	if t.MediaMaxJitter == 0 {
		t.MediaMaxJitter = d.MediaMaxJitter
	}
	if t.MOSMin == 0 {
		t.MOSMin = d.MOSMin
	}
	if t.OneWayRateMax == 0 {
		t.OneWayRateMax = d.OneWayRateMax
	}
	if t.NoMediaRateMax == 0 {
		t.NoMediaRateMax = d.NoMediaRateMax
	}
	if t.MediaMinCalls == 0 {
		t.MediaMinCalls = d.MediaMinCalls
	}
	return t
}

// DefaultThresholds are used for every zero field of Config.Thresholds.
func DefaultThresholds() Thresholds {
	return Thresholds{
		ShortCall:       2 * time.Second,
		Codec488Count:   5,
		Codec488Share:   0.2,
		NERMin:          0.8,
		NERMinAttempts:  20,
		TimeoutBurst:    10,
		SilentAfter:     10 * time.Minute,
		ZombieAfter:     15 * time.Minute,
		SplitBrainQuiet: 15 * time.Minute,
		DropRateMax:     0.2,
		DropMinAnswered: 5,

		AttestAMin:           0.9,
		AttestMinCalls:       10,
		AttestNumberMinCalls: 6,
		AttestInvalidMin:     1,

		NoMediaAfter:   5 * time.Second,
		MediaMaxLoss:   0.05,
		MediaMaxJitter: 30 * time.Millisecond,
		MOSMin:         3.5,
		OneWayRateMax:  0.1,
		NoMediaRateMax: 0.1,
		MediaMinCalls:  5,
	}
}

// withDefaults fills zero fields from DefaultThresholds.
func (t Thresholds) withDefaults() Thresholds {
	d := DefaultThresholds()
	if t.ShortCall == 0 {
		t.ShortCall = d.ShortCall
	}
	if t.Codec488Count == 0 {
		t.Codec488Count = d.Codec488Count
	}
	if t.Codec488Share == 0 {
		t.Codec488Share = d.Codec488Share
	}
	if t.NERMin == 0 {
		t.NERMin = d.NERMin
	}
	if t.NERMinAttempts == 0 {
		t.NERMinAttempts = d.NERMinAttempts
	}
	if t.TimeoutBurst == 0 {
		t.TimeoutBurst = d.TimeoutBurst
	}
	if t.SilentAfter == 0 {
		t.SilentAfter = d.SilentAfter
	}
	if t.ZombieAfter == 0 {
		t.ZombieAfter = d.ZombieAfter
	}
	if t.SplitBrainQuiet == 0 {
		t.SplitBrainQuiet = d.SplitBrainQuiet
	}
	if t.DropRateMax == 0 {
		t.DropRateMax = d.DropRateMax
	}
	if t.DropMinAnswered == 0 {
		t.DropMinAnswered = d.DropMinAnswered
	}
	t = t.attestDefaults(d)
	t = t.mediaDefaults(d)
	return t
}
