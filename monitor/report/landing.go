package report

import (
	"html/template"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/cutover/cutover/monitor"
)

// Landing is the landing transition of the night (the fold's, see
// monitor.Landing): per port request the propagation curve, per number
// the time from its activation to its first call on new and its last on
// legacy.
type Landing struct {
	Requests []RequestLanding `json:"requests"`
	Numbers  []NumberLanding  `json:"numbers"` // activated numbers, in the order of Report.Numbers
}

// RequestLanding is one port request's landing: its numbers' calls since
// their own activations, summed, and by time since activation.
type RequestLanding struct {
	ID             string         `json:"port_request_id"`
	Numbers        int            `json:"numbers"`
	PortStates     map[string]int `json:"port_states"`     // numbers by port state at the end
	FirstActivated *time.Time     `json:"first_activated"` // null if none completed
	LastActivated  *time.Time     `json:"last_activated"`
	New            int            `json:"new"`         // calls landed on new since activation
	Legacy         int            `json:"legacy"`      // calls landed on legacy since activation
	FirstNew       *time.Time     `json:"first_new"`   // the first of its numbers' calls on new (null: none)
	LastLegacy     *time.Time     `json:"last_legacy"` // the last on legacy (null: none)
	Curve          []CurvePoint   `json:"curve"`       // bins with calls only
}

// CurvePoint is one bin of a propagation curve: the calls that landed on
// new and on legacy from From to To after activation (To 0: open, the
// bin of 24 hours and later).
type CurvePoint struct {
	From     time.Duration `json:"from_ns"`
	To       time.Duration `json:"to_ns"`
	New      int           `json:"new"`
	Legacy   int           `json:"legacy"`
	ShareNew float64       `json:"share_new"`
}

// NumberLanding is one activated number's landing transition.
type NumberLanding struct {
	E164          string         `json:"e164"`
	PortRequestID string         `json:"port_request_id,omitempty"`
	Activated     time.Time      `json:"activated"`
	ToFirstNew    *time.Duration `json:"to_first_new_ns"`   // activation to the first call on new (null: none)
	ToLastLegacy  *time.Duration `json:"to_last_legacy_ns"` // activation to the last call on legacy (null: none)
	New           int            `json:"new"`
	Legacy        int            `json:"legacy"`
}

// landingOf is the landing section of snap, the fold at the end of the night.
func landingOf(snap *monitor.Snapshot) Landing {
	l := Landing{Requests: []RequestLanding{}, Numbers: []NumberLanding{}}
	for _, r := range snap.Requests {
		rl := RequestLanding{ID: r.ID, Numbers: r.Numbers, PortStates: map[string]int{},
			FirstActivated: utcOr(r.FirstActivated), LastActivated: utcOr(r.LastActivated),
			New: r.Landing.New, Legacy: r.Landing.Legacy,
			FirstNew: utcOr(r.Landing.FirstNew), LastLegacy: utcOr(r.Landing.LastLegacy), Curve: []CurvePoint{}}
		for s, n := range r.ByState {
			rl.PortStates[string(s)] = n
		}
		for _, b := range r.Curve {
			from, to := monitor.LandingSpan(int(b.Bin))
			rl.Curve = append(rl.Curve, CurvePoint{From: from, To: to, New: int(b.New), Legacy: int(b.Legacy), ShareNew: b.Share()})
		}
		l.Requests = append(l.Requests, rl)
	}
	for _, n := range snap.Numbers {
		if n.Activated == 0 {
			continue
		}
		l.Numbers = append(l.Numbers, NumberLanding{E164: n.E164, PortRequestID: n.PortRequestID,
			Activated: utc(n.Activated), ToFirstNew: after(n.Landing.FirstNew, n.Activated),
			ToLastLegacy: after(n.Landing.LastLegacy, n.Activated), New: n.Landing.New, Legacy: n.Landing.Legacy})
	}
	return l
}

func utcOr(ns int64) *time.Time {
	if ns == 0 {
		return nil
	}
	t := utc(ns)
	return &t
}

func after(t, activated int64) *time.Duration {
	if t == 0 {
		return nil
	}
	d := time.Duration(t - activated)
	return &d
}

// landingSpans are the spans of the request table's share columns.
var landingSpans = []struct {
	head string
	to   time.Duration
}{{"0-10m", 10 * time.Minute}, {"10-30m", 30 * time.Minute}, {"30m-3h", 3 * time.Hour}, {"3h+", math.MaxInt64}}

// requestLandingTable is a port request per row: its calls since
// activation and the share on new over four spans since.
func requestLandingTable(rep *Report) table {
	t := table{title: "Landing by port request (calls since each number's activation)",
		head: []string{"request", "numbers", "activated", "new", "legacy", "on new", "last legacy"}}
	for _, s := range landingSpans {
		t.head = append(t.head, "new "+s.head)
	}
	for _, r := range rep.Landing.Requests {
		act := "-"
		if r.FirstActivated != nil {
			act = clock(*r.FirstActivated)
			if !r.LastActivated.Equal(*r.FirstActivated) {
				act += "-" + clock(*r.LastActivated)
			}
		}
		last := "-"
		if r.LastLegacy != nil {
			last = clock(*r.LastLegacy)
		}
		row := []string{r.ID, strconv.Itoa(r.Numbers), act, strconv.Itoa(r.New), strconv.Itoa(r.Legacy),
			pct(share(r.New, r.New+r.Legacy)), last}
		nw, lg := make([]int, len(landingSpans)), make([]int, len(landingSpans))
		for _, p := range r.Curve {
			k := sort.Search(len(landingSpans), func(k int) bool { return p.From < landingSpans[k].to })
			nw[k], lg[k] = nw[k]+p.New, lg[k]+p.Legacy
		}
		for k := range landingSpans {
			row = append(row, pct(share(nw[k], nw[k]+lg[k])))
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// numberLandingTable is an activated number per row: how long after its
// activation its first call landed on new and its last on legacy.
func numberLandingTable(rep *Report) table {
	t := table{title: "Landing per number (time after activation)",
		head: []string{"number", "request", "activated", "first new", "last legacy", "new", "legacy"}}
	for _, n := range rep.Landing.Numbers {
		t.rows = append(t.rows, []string{n.E164, n.PortRequestID, clock(n.Activated), durOr(n.ToFirstNew),
			durOr(n.ToLastLegacy), strconv.Itoa(n.New), strconv.Itoa(n.Legacy)})
	}
	return t
}

func durOr(d *time.Duration) string {
	if d == nil {
		return "-"
	}
	return "+" + d.Truncate(time.Second).String() // as the screen shows it
}

// landingCharts are a propagation curve per port request with calls
// since activation: the share on new of each bin, the bins evenly spaced
// (one minute wide at first, an hour wide later).
func landingCharts(rep *Report) []template.HTML {
	var out []template.HTML
	for _, r := range rep.Landing.Requests {
		if len(r.Curve) == 0 {
			continue
		}
		last := r.Curve[len(r.Curve)-1]
		bins := 0
		for {
			from, _ := monitor.LandingSpan(bins)
			if from > last.From {
				break
			}
			bins++
		}
		xs := make([]time.Time, bins)
		ys := make([]float64, bins)
		for i := range bins {
			from, _ := monitor.LandingSpan(i)
			xs[i], ys[i] = time.Unix(0, int64(from)).UTC(), math.NaN()
		}
		for _, p := range r.Curve {
			ys[sort.Search(bins, func(i int) bool { return !xs[i].Before(time.Unix(0, int64(p.From))) })] = p.ShareNew
		}
		c := chart{title: "Port request " + r.ID + ": share of calls on new by time since activation (" +
			strconv.Itoa(r.New) + " new, " + strconv.Itoa(r.Legacy) + " legacy)",
			xs: xs, yMax: 1, yFmt: pctFmt, xFmt: sinceFmt,
			lines: []line{{name: "on new", color: palette[2], ys: ys}}}
		out = append(out, c.svg())
	}
	return out
}

// sinceTicks are the times since activation the charts label, as the
// screen's chart does.
var sinceTicks = map[time.Duration]string{0: "0", 10 * time.Minute: "10m", 20 * time.Minute: "20m",
	30 * time.Minute: "30m", time.Hour: "1h", 2 * time.Hour: "2h", 3 * time.Hour: "3h", 6 * time.Hour: "6h",
	12 * time.Hour: "12h", 18 * time.Hour: "18h", 24 * time.Hour: "24h+"}

// sinceFmt labels a time since activation (carried as a time after the
// Unix epoch) when it is one of sinceTicks.
func sinceFmt(t time.Time) string { return sinceTicks[time.Duration(t.UnixNano())] }
