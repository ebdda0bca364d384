// Package report turns a recording into the morning-after report: a
// timeline of what happened and what was done, per-trunk and per-number
// tables, which numbers kept landing on legacy, and SIP message counts that
// can be cross-checked with `tshark -q -z sip,stat`. It folds the recording
// with the same fold as live, so its figures are the ones on screen.
//
// The JSON form is the Report struct below (schema "cutover.report/v1"):
// times are RFC 3339 in UTC, ratios are in [0,1] or null when undefined.
package report

import "time"

// Schema names the JSON report's version.
const Schema = "cutover.report/v1"

// Report is the whole report.
type Report struct {
	Schema    string    `json:"schema"`
	Name      string    `json:"name"`
	Recording string    `json:"recording"`
	Mode      string    `json:"mode"`   // live, demo, import
	Start     time.Time `json:"start"`  // first event
	End       time.Time `json:"end"`    // last event
	Events    int64     `json:"events"` // events in the recording
	// CutShort is set when the recording has no end time: its writer was
	// killed or lost power, and the night stops at its last event (End).
	CutShort *time.Time `json:"cut_short,omitempty"`
	// Quarantined is how many of them came with a time too far from the
	// receiver's clock or their neighbours: recorded, not folded, left out
	// of start, end and the minutes (their SIP messages are in SIP).
	Quarantined int64 `json:"quarantined,omitempty"`
	// Warnings are what the reader must know before trusting the rest
	// (a recording cut short, ...): the summary opens with them.
	Warnings   []string     `json:"warnings,omitempty"`
	Verdict    NightVerdict `json:"verdict"`           // the night's go/no-go, from the board
	PortStates []Count      `json:"port_states"`       // numbers by port state at the end, in the port's order
	Board      []BoardGroup `json:"board"`             // every number's verdict, by port request (monitor.NewBoard)
	Incidents  []Incident   `json:"incidents"`         // each alert episode, in the order they opened
	Log        []Entry      `json:"actions_and_notes"` // one line per action (its last step) and per note, in time order
	Bucket     string       `json:"bucket"`            // width of the per-minute series: "1m"
	// Timeline is port activations (a port request's numbers changing
	// together as one line), alerts, action steps and notes, in time order.
	Timeline []Entry         `json:"timeline"`
	Trunks   []TrunkReport   `json:"trunks"`
	Numbers  []NumberReport  `json:"numbers"`
	Legacy   []LegacyLanding `json:"still_on_legacy"` // numbers that kept landing on legacy after their port completed
	Minutes  []Minute        `json:"minutes"`         // whole-cutover series, one per minute of event time (see quietMinutes)
	SIP      SIPCounts       `json:"sip"`
	Actions  ActionCounts    `json:"actions"`
	Landing  Landing         `json:"landing"` // the landing transition per port request and number (landing.go)
	Media    MediaSection    `json:"media"`   // the calls' media verdicts (media.go)
}

// NightVerdict is the night's word for the manager: no-go if any number
// is no-go, else watch if any is watch, else go.
type NightVerdict struct {
	Verdict string `json:"verdict"` // go, watch, no-go ("" with no numbers)
	Reason  string `json:"reason"`  // the rules behind it, most numbers first
	Go      int    `json:"go"`
	Watch   int    `json:"watch"`
	NoGo    int    `json:"no_go"`
}

// Count is how many of something.
type Count struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// BoardGroup is one port request's numbers on the go/no-go board.
type BoardGroup struct {
	PortRequestID string     `json:"port_request_id"` // "" for numbers without one
	Go            int        `json:"go"`
	Watch         int        `json:"watch"`
	NoGo          int        `json:"no_go"`
	Rows          []BoardRow `json:"numbers"`
}

// BoardRow is one number on the board, its cells as the screen shows them.
type BoardRow struct {
	E164        string        `json:"e164"`
	PortState   string        `json:"port_state"`
	Activated   *time.Time    `json:"activated"`
	Since       time.Duration `json:"since_activation_ns"` // to the end of the recording
	Inbound     string        `json:"inbound"`             // landing: traffic since activation, sweep
	Outbound    string        `json:"outbound"`            // egress: last trunk, sweep
	Attestation string        `json:"attestation"`
	Verdict     string        `json:"verdict"` // go, watch, no-go
	Rule        string        `json:"rule"`    // the board rule that gave it (README: go/no-go board)
	Reason      string        `json:"reason"`
	Key         string        `json:"key,omitempty"` // the screen key that fixes it
}

// Incident is one alert episode: from its opening to its close.
type Incident struct {
	N        int           `json:"n"` // its number, as the charts mark it
	Rule     string        `json:"rule"`
	Subject  string        `json:"subject"`
	Severity string        `json:"severity"` // as it opened
	Message  string        `json:"message"`
	Start    time.Time     `json:"start"`
	End      *time.Time    `json:"end"`         // null: still open when the recording ends
	Duration time.Duration `json:"duration_ns"` // to its end, or to the end of the recording
	// EndedBy is the action that ended it: the last action done before
	// the close that the operator took on this alert (prompted by it) or
	// on its subject (README: the morning-after report). "" = none.
	EndedBy string `json:"ended_by,omitempty"`
	Action  string `json:"action,omitempty"` // that action's id
	// CausedBy is the operator's action whose intended effect the alert
	// was (calls on legacy while a failover stood): not trouble of its own.
	CausedBy string `json:"caused_by,omitempty"`
	// InHand says who acknowledged or silenced it during the episode
	// ("acknowledged by ana@noc at 02:31:05"), the last word first.
	InHand []string `json:"in_hand,omitempty"`
}

// ActionCounts counts the operators' actions by how each ended: a
// declined one (the operator did not confirm it; nothing changed) is not
// a failure. Undone actions count as undone; the rest, still under way,
// only in Total.
type ActionCounts struct {
	Total    int `json:"total"`
	Done     int `json:"done"` // done, verified or unverified
	Failed   int `json:"failed"`
	Declined int `json:"declined"`
	Undone   int `json:"undone"`
}

// Entry is one line of the timeline.
type Entry struct {
	Time     time.Time `json:"time"`
	Kind     string    `json:"kind"`               // port, alert_open, alert_close, action, note
	Subject  string    `json:"subject"`            // number, trunk, action target, note author
	Text     string    `json:"text"`               // what happened
	Severity string    `json:"severity,omitempty"` // alerts only
	Seq      int64     `json:"seq"`                // the recording's event seq (0 for side-file notes)
}

// Summary is a trunk's or number's KPIs over the whole cutover.
type Summary struct {
	Attempts  int          `json:"attempts"`
	Completed int          `json:"completed"`
	Answered  int          `json:"answered"`
	Failed    int          `json:"failed"`
	Effective int          `json:"effective"`
	Short     int          `json:"short"`
	Legacy    int          `json:"inbound_legacy"`
	New       int          `json:"inbound_new"`
	ASR       *float64     `json:"asr"`       // answered / completed
	NER       *float64     `json:"ner"`       // effective / completed
	Drop      *float64     `json:"drop_rate"` // short / answered
	PDDms     *float64     `json:"pdd_ms"`    // mean post-dial delay
	Codes     []Code       `json:"codes"`     // final responses to INVITE, most frequent first
	Attest    Attest       `json:"attestation"`
	Media     MediaSummary `json:"media"` // media verdicts counted by the fold (media.go)
}

// Code is how often a final response code was seen.
type Code struct {
	Code  int `json:"code"`
	Count int `json:"count"`
}

// Attest is the STIR/SHAKEN attestation mix of outbound calls.
type Attest struct {
	A       int `json:"A"`
	B       int `json:"B"`
	C       int `json:"C"`
	None    int `json:"none"`
	Invalid int `json:"invalid"`
}

// TrunkReport is one trunk's table row and its series.
type TrunkReport struct {
	Name    string        `json:"name"`
	Role    string        `json:"role"`
	Total   Summary       `json:"total"`
	Minutes []TrunkMinute `json:"minutes"` // aligned with Report.Minutes
}

// TrunkMinute is one trunk's minute.
type TrunkMinute struct {
	Attempts int `json:"attempts"`
	Answered int `json:"answered"`
	Failed   int `json:"failed"`
	// The media verdicts decided in the minute (Stats.Media).
	MediaJudged int `json:"media_judged,omitempty"`
	OneWay      int `json:"one_way,omitempty"`
	NoMedia     int `json:"no_media,omitempty"`
}

// Minute is the whole cutover's minute: where inbound calls landed and
// how many final responses were 4xx and 5xx.
type Minute struct {
	Time   time.Time `json:"time"`
	Legacy int       `json:"inbound_legacy"`
	New    int       `json:"inbound_new"`
	C4xx   int       `json:"code_4xx"`
	C5xx   int       `json:"code_5xx"`
}

// NumberReport is one ported number's row.
type NumberReport struct {
	E164          string     `json:"e164"`
	PortRequestID string     `json:"port_request_id,omitempty"`
	PortState     string     `json:"port_state"` // at the end of the recording
	Activated     *time.Time `json:"activated"`  // port completed; null if never
	Total         Summary    `json:"total"`
}

// LegacyLanding is a ported number whose calls still landed on a legacy
// trunk after its port completed (per minute of event time): arriving from
// it on a business's side, sent to it in transit (monitor.Topology).
type LegacyLanding struct {
	E164      string        `json:"e164"`
	Activated time.Time     `json:"activated"`
	Calls     int           `json:"calls"`        // attempts that landed on legacy after activation
	First     time.Time     `json:"first_minute"` // first such minute
	Last      time.Time     `json:"last_minute"`  // last such minute
	For       time.Duration `json:"for_ns"`       // from activation to the end of the last such minute
}

// SIPCounts are every SIP message in the recording, counted as
// `tshark -q -z sip,stat` counts packets: requests by method, responses by
// status code. Malformed messages are in neither.
type SIPCounts struct {
	Messages  int            `json:"messages"`
	Requests  map[string]int `json:"requests"`  // method → messages
	Responses map[string]int `json:"responses"` // status code → messages
	Malformed int            `json:"malformed"`
}
