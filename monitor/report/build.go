package report

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/replay"
)

const minute = int64(time.Minute)

// quietMinutes is the longest run of minutes without events that the
// per-minute series spells out (a quiet hour reads as zeros); after a
// longer gap it goes on at the next event's minute. So the series has at
// most quietMinutes+1 minutes per event, whatever times the events carry
// (a recording made before quarantine, with one event in 2100, built a
// minute for every minute until then).
const quietMinutes = 60

// Recording is what Build reads of a recording: its file, the cutover it
// recorded (config and mode: live, demo, import) and its events in order.
// A *store.Reader is one.
type Recording interface {
	Path() string
	Config() monitor.Config
	Mode() string
	EndedNs() int64 // the end time its writer recorded; 0: none, cut short
	replay.Source
}

// Note is an operator note kept outside the recording (a replay's side
// file), at event time TsNs after event Seq.
type Note struct {
	Seq    int64
	TsNs   int64
	Author string
	Text   string
}

// Build folds the recording from its first event to its last and reports
// on it. notes are operator notes kept outside the recording (a replay's
// side file); they join the timeline.
func Build(ctx context.Context, r Recording, notes []Note) (*Report, error) {
	cfg := r.Config()
	st := monitor.NewState(cfg)
	b := &builder{st: st, cfg: st.Config(), nums: map[string]*acc{}, legacy: map[string][]legacyMinute{}, open: map[string][]openAlert{}, acts: map[string]monitor.ActionRecord{}, track: map[string]*actTrack{}, calls: map[string]*callMedia{}}
	b.rep = &Report{
		Schema: Schema, Name: cfg.Name, Recording: r.Path(), Mode: r.Mode(), Bucket: "1m",
		SIP: SIPCounts{Requests: map[string]int{}, Responses: map[string]int{}},
	}
	b.trunks = make([]acc, len(b.cfg.Trunks))
	for _, t := range b.cfg.Trunks {
		b.rep.Trunks = append(b.rep.Trunks, TrunkReport{Name: t.Name, Role: string(t.Role)})
	}
	err := replay.Stream(ctx, r, 0, func(seq int64, ev monitor.Event) error {
		b.event(seq, ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if b.seen {
		b.settle(b.cur + minute)
	}
	b.projections(notes)
	b.finish()
	b.rep.Landing = landingOf(b.st.Snapshot())
	b.countActions()
	if r.EndedNs() == 0 {
		end := b.rep.End
		b.rep.CutShort = &end
		b.rep.Warnings = append(b.rep.Warnings, cutShortWarning(&end))
	}
	b.mediaSection()
	b.summarise()
	return b.rep, nil
}

type legacyMinute struct {
	start int64
	calls int
}

type builder struct {
	st     *monitor.State
	cfg    monitor.Config
	rep    *Report
	first  int64
	last   int64
	cur    int64 // the minute being folded (start, Unix ns)
	next   int64 // the oldest minute not yet in the report: it may not have settled
	seen   bool  // an event has been folded
	trunks []acc
	nums   map[string]*acc
	legacy map[string][]legacyMinute
	alerts []Entry                         // alerts opening and closing, as the recording's alerts table has them
	open   map[string][]openAlert          // by AlertChange.Key
	acts   map[string]monitor.ActionRecord // each action's last step, by id
	track  map[string]*actTrack            // each action's times, by id
	order  []string                        // action ids as first seen
	incs   []Incident                      // closed alert episodes
	nInc   int                             // alerts opened so far
	calls  map[string]*callMedia           // each call's last media report, by Call-ID
}

// openAlert is an alert opened and not yet closed.
type openAlert struct {
	seq      int64
	severity monitor.Severity
	at       int64
	message  string
	n        int // its incident number
	causedBy string
	inHand   []string // acknowledgements and silences during the episode
}

func (b *builder) event(seq int64, ev monitor.Event) {
	b.rep.Events++
	if ev.Quarantined { // its time is not trusted: counted, and its SIP message counted as tshark would
		b.rep.Quarantined++
		if replay.Fold(b.st, ev) && ev.Kind == monitor.KindSIP {
			b.countSIP(ev.SIP)
		}
		return
	}
	if !b.seen {
		b.seen, b.first, b.cur = true, ev.Time, ev.Time/minute*minute
		b.next = b.cur
	}
	if m := ev.Time / minute * minute; m < b.next && len(b.rep.Minutes) == 0 {
		// older than the first event (a NATS watch's clock ticks before its
		// reorder window releases the first events): the report starts at
		// the oldest minute, as long as none has gone into it yet
		b.next = m
	}
	b.first = min(b.first, ev.Time)
	b.last = max(b.last, ev.Time)
	if m := ev.Time / minute * minute; m > b.cur {
		if m-b.cur > (quietMinutes+1)*minute {
			b.settle(b.cur + minute)
			b.next = m // the minutes between hold no event
		} else {
			b.settle(m - monitor.SettledMinutes*minute)
		}
		b.cur = m
	}
	switch ev.Kind {
	case monitor.KindPortState:
		if p := ev.Port; p != nil && activation(p.State) {
			b.entry(ev.Time, seq, "port", p.Number, "port "+string(p.State), "")
		}
	case monitor.KindAction:
		if a := ev.Action; a != nil {
			b.trackAction(ev.Time, seq, a)
			b.acts[a.ID] = *a
			state, errText := a.State, a.Error
			if a.Declined() { // as recorded before declined was a state: failed, "declined by the operator"
				state, errText = monitor.ActionDeclined, ""
			}
			text := fmt.Sprintf("%s %s by %s", b.actionWhat(*a), state, a.Operator)
			res := a.Result
			if monitor.Derived(ev) { // a verification step: only how the traffic moved
				res = res[strings.LastIndexByte(res, '\n')+1:]
			}
			if errText != "" {
				text += ": " + errText
			} else if res != "" {
				text += ": " + res
			}
			b.entry(ev.Time, seq, "action", b.actionSubject(a), text, "")
		}
	case monitor.KindNote:
		if n := ev.Note; n != nil {
			b.entry(ev.Time, seq, "note", n.Author, n.Text, "")
		}
	case monitor.KindAlert:
		if a := ev.Alert; a != nil {
			b.alert(ev.Time, seq, a)
		}
	case monitor.KindAlertAck:
		if a := ev.Ack; a != nil {
			b.ack(ev.Time, seq, a)
		}
	case monitor.KindMedia:
		if r := ev.Media; r != nil {
			b.media(ev.Time, r)
		}
	}
	if replay.Fold(b.st, ev) && ev.Kind == monitor.KindSIP {
		b.countSIP(ev.SIP)
	}
}

func (b *builder) countSIP(m *monitor.SIPMessage) {
	c := &b.rep.SIP
	c.Messages++
	switch {
	case m.Info == nil:
		c.Malformed++
	case m.Info.Request:
		c.Requests[m.Info.Method]++
	default:
		c.Responses[strconv.Itoa(m.Info.Code)]++
	}
}

func (b *builder) entry(t, seq int64, kind, subject, text, sev string) {
	b.rep.Timeline = append(b.rep.Timeline, Entry{Time: utc(t), Kind: kind, Subject: subject, Text: text, Severity: sev, Seq: seq})
}

// settle adds the minutes before limit to the report, oldest first. A
// minute is final once monitor.SettledMinutes more have passed: its calls'
// outcomes count in it, the minute they started.
func (b *builder) settle(limit int64) {
	for ; b.next < limit; b.next += minute {
		b.flush(b.next)
	}
}

// flush adds the minute starting at from to the report.
func (b *builder) flush(from int64) {
	trunks, numbers := b.st.Period(from, from+minute)
	m := Minute{Time: utc(from)}
	for i, s := range trunks {
		b.trunks[i].add(s)
		for _, c := range s.Codes {
			switch c.Code / 100 {
			case 4:
				m.C4xx += c.Count
			case 5:
				m.C5xx += c.Count
			}
		}
	}
	for i, s := range trunks {
		b.rep.Trunks[i].Minutes = append(b.rep.Trunks[i].Minutes, TrunkMinute{Attempts: s.Attempts, Answered: s.Answered, Failed: s.Failed,
			MediaJudged: s.Media.Judged, OneWay: s.Media.OneWay, NoMedia: s.Media.NoMedia})
	}
	names := b.st.NumberNames()
	for i, s := range numbers {
		if s.Attempts == 0 && s.Completed == 0 && s.Legacy == 0 && s.New == 0 {
			continue // a minute with no call of its own (a transit call sent on to it is a landing, not an attempt)
		}
		a := b.nums[names[i]]
		if a == nil {
			a = &acc{}
			b.nums[names[i]] = a
		}
		a.add(s)
		m.Legacy += s.Legacy // where inbound calls land is kept per number
		m.New += s.New
		if s.LegacyAfter > 0 { // only calls at or after the activation, not the whole minute's
			b.legacy[names[i]] = append(b.legacy[names[i]], legacyMinute{start: from, calls: s.LegacyAfter})
		}
	}
	b.rep.Minutes = append(b.rep.Minutes, m)
}

// alert keeps an alert opening or closing for the timeline, as the
// recording's alerts table does: a close closes every open alert of its
// rule and subject, and carries the severity it opened with.
func (b *builder) alert(t, seq int64, a *monitor.AlertChange) {
	key := a.Key()
	if a.Open {
		b.nInc++
		b.open[key] = append(b.open[key], openAlert{seq: seq, severity: a.Severity, at: t, message: a.Message, n: b.nInc, causedBy: a.CausedBy})
		b.alerts = append(b.alerts, Entry{Time: utc(t), Kind: "alert_open", Subject: a.Subject, Text: string(a.Rule) + ": " + a.Message, Severity: string(a.Severity), Seq: seq})
		return
	}
	for _, o := range b.open[key] {
		b.alerts = append(b.alerts, Entry{Time: utc(t), Kind: "alert_close", Subject: a.Subject, Text: string(a.Rule) + " closed", Severity: string(o.severity), Seq: seq})
		b.incs = append(b.incs, incident(a.Rule, a.Subject, o, t, true))
	}
	delete(b.open, key)
}

// ack notes an operator's acknowledgement or silence on the timeline and
// on the alert's open episode.
func (b *builder) ack(t, seq int64, a *monitor.AlertAck) {
	what := "acknowledged by " + a.By + " at " + clock(utc(t))
	switch {
	case a.Until > t:
		what = "silenced by " + a.By + " at " + clock(utc(t)) + " until " + clock(utc(a.Until))
	case a.Until != 0:
		what = "silence lifted by " + a.By + " at " + clock(utc(t))
	}
	if os := b.open[a.Key()]; len(os) > 0 {
		o := &os[len(os)-1]
		o.inHand = append(o.inHand, what)
	}
	b.entry(t, seq, "ack", string(a.Rule)+" "+a.Subject, what, "")
}

// projections adds the activations given in cutover.toml, alerts and
// side-file notes to the timeline.
func (b *builder) projections(notes []Note) {
	for _, n := range b.cfg.Numbers {
		if n.Activated != 0 {
			b.entry(n.Activated, 0, "port", n.E164, "port "+string(n.PortState)+" (cutover.toml)", "")
		}
	}
	b.rep.Timeline = append(b.rep.Timeline, b.alerts...)
	for _, n := range notes {
		b.entry(n.TsNs, n.Seq, "note", n.Author, n.Text, "")
	}
	sort.SliceStable(b.rep.Timeline, func(i, j int) bool {
		ti, tj := b.rep.Timeline[i], b.rep.Timeline[j]
		if !ti.Time.Equal(tj.Time) {
			return ti.Time.Before(tj.Time)
		}
		return ti.Seq < tj.Seq
	})
}

func utc(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// activation says whether a port state change belongs on the timeline:
// the port completing (the number is activated) or failing.
func activation(s monitor.PortState) bool {
	return s == monitor.PortCompleted || s == monitor.PortDenied || s == monitor.PortCancelled
}

// countActions counts the actions by their last step: a decline (as
// recorded now, or as failed "declined by the operator" before) apart
// from failures.
func (b *builder) countActions() {
	c := &b.rep.Actions
	for _, a := range b.acts {
		c.Total++
		switch {
		case a.Declined():
			c.Declined++
		case a.State == monitor.ActionFailed:
			c.Failed++
		case a.State == monitor.ActionUndone:
			c.Undone++
		case a.State == monitor.ActionDone, a.State == monitor.ActionVerified, a.State == monitor.ActionUnverified:
			c.Done++
		}
	}
}
