package report

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/recording"
	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

func demoReport(t testing.TB, numbers int, extra ...monitor.Event) (*Report, *store.Reader) {
	t.Helper()
	o := sim.DefaultOptions()
	o.Numbers = numbers
	path := recording.Demo(t, filepath.Join(t.TempDir(), "night.db"), o, extra...)
	r, err := store.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	side := []Note{{TsNs: o.Start.Add(2 * time.Hour).UnixNano(), Author: "morning", Text: "side-file note"}}
	rep, err := Build(context.Background(), r, side)
	if err != nil {
		t.Fatal(err)
	}
	return rep, r
}

func TestReportAddsUpAndKeepsTheTimeline(t *testing.T) {
	start := sim.DefaultOptions().Start
	note := monitor.Event{Time: start.Add(90 * time.Minute).UnixNano(), Kind: monitor.KindNote, Source: monitor.SourceOperator,
		Note: &monitor.Note{Author: "alice", Text: "legacy still ringing for block 1"}}
	act := func(min time.Duration, st monitor.ActionState) monitor.Event {
		return monitor.Event{Time: start.Add(min).UnixNano(), Kind: monitor.KindAction, Source: monitor.SourceOperator,
			Action: &monitor.ActionRecord{ID: "a1", Type: "failover", State: st, Target: "legacy", Operator: "bob@noc"}}
	}
	rep, r := demoReport(t, 40, note, act(95*time.Minute, monitor.ActionRequested), act(95*time.Minute+5*time.Second, monitor.ActionDone))

	// SIP counts add up to what the fold saw.
	var folded uint64
	r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if ev.Kind == monitor.KindSIP {
			folded++
		}
		return nil
	})
	sum := rep.SIP.Malformed
	for _, n := range rep.SIP.Requests {
		sum += n
	}
	for _, n := range rep.SIP.Responses {
		sum += n
	}
	if rep.SIP.Messages != int(folded) || sum != rep.SIP.Messages || rep.SIP.Requests["INVITE"] == 0 {
		t.Fatalf("SIP counts %+v do not add up to %d messages", rep.SIP, folded)
	}
	// Per-minute series add up to the trunk totals.
	for _, tr := range rep.Trunks {
		n := 0
		for _, m := range tr.Minutes {
			n += m.Attempts
		}
		if n != tr.Total.Attempts || len(tr.Minutes) != len(rep.Minutes) {
			t.Fatalf("trunk %s: minutes add to %d attempts, total says %d", tr.Name, n, tr.Total.Attempts)
		}
	}
	if len(rep.Minutes) < 170 || rep.Minutes[0].Time.After(rep.Start) {
		t.Fatalf("%d minutes from %s for a 3-hour night", len(rep.Minutes), rep.Minutes[0].Time)
	}
	kinds := map[string]int{}
	for i, e := range rep.Timeline {
		kinds[e.Kind]++
		if i > 0 && e.Time.Before(rep.Timeline[i-1].Time) {
			t.Fatal("timeline out of order")
		}
	}
	if kinds["action"] != 2 {
		t.Fatalf("want both steps of the action on the timeline, got %d", kinds["action"])
	}
	for _, k := range []string{"port", "alert_open", "alert_close", "note"} {
		if kinds[k] == 0 {
			t.Fatalf("no %s on the timeline: %v", k, kinds)
		}
	}
	if kinds["note"] != 2 {
		t.Fatalf("want the recorded and the side-file note, got %d", kinds["note"])
	}
	if len(rep.Legacy) == 0 {
		t.Fatal("the demo night's zombie numbers are not reported as still landing on legacy")
	}
	for _, l := range rep.Legacy {
		if l.Calls == 0 || l.For <= 0 || l.Last.Before(l.First) {
			t.Fatalf("bad legacy landing %+v", l)
		}
	}
}

func TestReportFormats(t *testing.T) {
	rep, _ := demoReport(t, 20)
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, rep, f); err != nil {
			t.Fatal(f, err)
		}
		out := buf.String()
		want := map[string][]string{
			"text": {"Timeline\n--------", "Trunks (whole cutover)", "SIP messages"},
			"md":   {"# Cutover report", "## Timeline", "| --- |"},
			"html": {"<svg", "</html>", "<table"},
			"json": {`"schema": "cutover.report/v1"`, `"still_on_legacy"`, `"requests"`},
		}[f]
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s report lacks %q", f, w)
			}
		}
	}
	var buf bytes.Buffer
	Write(&buf, rep, "json")
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.SIP.Messages != rep.SIP.Messages {
		t.Fatalf("JSON report does not read back: %v", err)
	}
	if err := Write(&buf, rep, "pdf"); err == nil {
		t.Fatal("pdf accepted")
	}
}

func TestReportSeesTrafficMoveToNew(t *testing.T) {
	rep, _ := demoReport(t, 40)
	var early, late [2]int // legacy, new inbound in the first and last hour
	for _, m := range rep.Minutes {
		switch {
		case m.Time.Before(rep.Start.Add(time.Hour)):
			early[0], early[1] = early[0]+m.Legacy, early[1]+m.New
		case m.Time.After(rep.End.Add(-time.Hour)):
			late[0], late[1] = late[0]+m.Legacy, late[1]+m.New
		}
	}
	if early[0] <= early[1] || late[1] <= late[0] {
		t.Fatalf("inbound legacy/new: first hour %v, last hour %v; want legacy first, new last", early, late)
	}
}

// A watch's verification of an action is on the timeline, one line per
// step, saying how the traffic moved.
func TestReportShowsActionVerification(t *testing.T) {
	start := sim.DefaultOptions().Start
	exp := &monitor.ActionExpect{Dir: monitor.DirIn, Trunks: []string{"new"}, Within: int64(5 * time.Minute), Calls: 3}
	act := func(d time.Duration, st monitor.ActionState, source monitor.Source) monitor.Event {
		return monitor.Event{Time: start.Add(d).UnixNano(), Kind: monitor.KindAction, Source: source,
			Action: &monitor.ActionRecord{ID: "a1", Type: "restore", State: st, Target: "sbc", Operator: "bob@noc", Result: "read back", Expect: exp}}
	}
	rep, _ := demoReport(t, 20, act(135*time.Minute, monitor.ActionRequested, "operator"), act(135*time.Minute+time.Second, monitor.ActionDone, "operator"))
	var steps []string
	for _, e := range rep.Timeline {
		if e.Kind == "action" {
			steps = append(steps, e.Text)
		}
	}
	if len(steps) != 4 || steps[1] != "restore done by bob@noc: read back" ||
		!strings.HasPrefix(steps[2], "restore unverified by bob@noc: 0 of 3 calls on new, 0 elsewhere, 5m left") ||
		!strings.HasPrefix(steps[3], "restore verified by bob@noc: verified: 3 calls on new") {
		t.Fatalf("action steps on the timeline:\n%s", strings.Join(steps, "\n"))
	}
}

// A recording made before quarantine (issue 14 item 3), with one event
// stamped 2100-01-01 folded as it came, still reports, quickly: the
// minutes are bounded by the events, not by the span of their times.
// Before: a bucket for every minute until 2100 (4+ minutes, 469 MB and
// growing, no output).
func TestReportOfAnOldRecordingWithAnEventIn2100(t *testing.T) {
	o := sim.DefaultOptions()
	o.Numbers = 10
	far := monitor.Event{Time: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano(), Kind: monitor.KindSIP, Source: monitor.SourceHEP,
		SIP: &monitor.SIPMessage{Src: netip.MustParseAddrPort("203.0.113.99:5060"), Dst: netip.MustParseAddrPort("192.0.2.10:5060"),
			Transport: "udp", Raw: []byte("OPTIONS sip:x@192.0.2.10 SIP/2.0\r\nCall-ID: far\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")}}
	dir := t.TempDir()
	build := func(name string, extra ...monitor.Event) *Report {
		path := recording.Demo(t, filepath.Join(dir, name), o, extra...)
		r, err := store.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		done := make(chan *Report, 1)
		go func() {
			rep, err := Build(ctx, r, nil)
			if err != nil {
				t.Error(err)
			}
			done <- rep
		}()
		select {
		case rep := <-done:
			return rep
		case <-ctx.Done():
			t.Fatalf("the report of %s did not finish within 60 s", name)
			return nil
		}
	}
	plain, odd := build("plain.db"), build("odd.db", far)
	if plain == nil || odd == nil {
		t.FailNow()
	}
	if len(odd.Minutes) > len(plain.Minutes)+1 || odd.End.Year() != 2100 || odd.Quarantined != 0 {
		t.Fatalf("%d minutes (without the 2100 event: %d), end %s", len(odd.Minutes), len(plain.Minutes), odd.End)
	}
	for i := range plain.Trunks {
		if !reflect.DeepEqual(odd.Trunks[i].Total, plain.Trunks[i].Total) {
			t.Errorf("trunk %s: %+v, without the 2100 event %+v", plain.Trunks[i].Name, odd.Trunks[i].Total, plain.Trunks[i].Total)
		}
	}
}

// Declined actions are counted apart from failures, and so is a decline
// of an older recording (state failed, error "declined by the
// operator"); the timeline says declined, in no failure's words.
func TestReportCountsDeclinedApartFromFailures(t *testing.T) {
	start := sim.DefaultOptions().Start
	at := 100 * time.Minute
	act := func(id string, st monitor.ActionState, errText string) []monitor.Event {
		at += time.Minute
		rec := monitor.ActionRecord{ID: id, Type: "failover", Target: "sbc", Operator: "bob@noc"}
		req := monitor.Event{Time: start.Add(at).UnixNano(), Kind: monitor.KindAction, Source: monitor.SourceOperator, Action: &rec}
		rec.State = monitor.ActionRequested
		end := rec
		end.State, end.Error = st, errText
		return []monitor.Event{req, {Time: start.Add(at + time.Second).UnixNano(), Kind: monitor.KindAction, Source: monitor.SourceOperator, Action: &end}}
	}
	var evs []monitor.Event
	evs = append(evs, act("a1", monitor.ActionDeclined, "")...)
	evs = append(evs, act("a2", monitor.ActionFailed, "declined by the operator")...)
	evs = append(evs, act("a3", monitor.ActionFailed, "refused: 403")...)
	evs = append(evs, act("a4", monitor.ActionDone, "")...)
	rep, _ := demoReport(t, 20, evs...)
	if want := (ActionCounts{Total: 4, Done: 1, Failed: 1, Declined: 2}); rep.Actions != want {
		t.Fatalf("actions counted %+v, want %+v", rep.Actions, want)
	}
	var buf bytes.Buffer
	if err := Write(&buf, rep, "text"); err != nil {
		t.Fatal(err)
	}
	mustHave := []string{"4 actions: 1 done, 1 failed, 2 declined", "failover declined by bob@noc"}
	for _, w := range mustHave {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("text report lacks %q", w)
		}
	}
}

// TestReportMinutesAgreeWithTheirAttempts: a call's answer or failure
// counts in the minute of its attempt, so no minute of a trunk has more
// outcomes than attempts (before, a call answered just after a minute's
// edge counted in the next minute: 04:00 had 2 answered of 0 attempts),
// and every trunk's and number's night keeps answered ≤ completed ≤
// attempts.
func TestReportMinutesAgreeWithTheirAttempts(t *testing.T) {
	rep, _ := demoReport(t, 40)
	order := func(what string, s Summary) {
		if s.Answered > s.Completed || s.Completed > s.Attempts || s.Answered+s.Failed != s.Completed {
			t.Errorf("%s: attempts %d, completed %d, answered %d, failed %d", what, s.Attempts, s.Completed, s.Answered, s.Failed)
		}
	}
	for _, x := range rep.Trunks {
		for i, m := range x.Minutes {
			if m.Answered+m.Failed > m.Attempts {
				t.Errorf("trunk %s, minute %s: answered %d + failed %d > attempts %d", x.Name, rep.Minutes[i].Time.Format("15:04"), m.Answered, m.Failed, m.Attempts)
			}
		}
		order("trunk "+x.Name, x.Total)
	}
	for _, n := range rep.Numbers {
		order("number "+n.E164, n.Total)
	}
}

// A recording whose first event is newer than some after it (a watch
// reading a NATS stream ticks before its reorder window releases the
// first SIP, two seconds older) is reported from its oldest minute: the
// report used to start its minutes at the first event's, and left the
// traffic before it out of every minute and total (CI saw a whole minute
// of 50 calls missing from a stream's report).
func TestReportStartsAtTheOldestMinute(t *testing.T) {
	o := sim.DefaultOptions()
	o.Numbers, o.Length = 5, 10*time.Minute
	dir := t.TempDir()
	build := func(path string) *Report { return buildReport(t, path) }
	tick := monitor.Event{Time: o.Start.Add(61 * time.Second).UnixNano(), Kind: monitor.KindTick, Source: monitor.SourceClock}
	plain := build(recording.Demo(t, filepath.Join(dir, "plain.db"), o))
	late := build(recording.DemoAfter(t, filepath.Join(dir, "late.db"), o, tick))
	if len(late.Minutes) == 0 || !late.Minutes[0].Time.Equal(plain.Minutes[0].Time) {
		t.Fatalf("minutes start at %v, want %v as without the early tick", late.Minutes[0].Time, plain.Minutes[0].Time)
	}
	for i := range plain.Trunks {
		if !reflect.DeepEqual(late.Trunks[i].Total, plain.Trunks[i].Total) {
			t.Errorf("trunk %s: %+v, without the early tick %+v", plain.Trunks[i].Name, late.Trunks[i].Total, plain.Trunks[i].Total)
		}
	}
}

// buildReport is the report of the recording at path.
func buildReport(t *testing.T, path string) *Report {
	t.Helper()
	r, err := store.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := Build(context.Background(), r, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
