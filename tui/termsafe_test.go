package tui

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/termsafe"
)

// sgrRE is a Select Graphic Rendition sequence: the only escape sequence
// the screen writes itself (lipgloss colours and bold).
var sgrRE = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// rawControls checks the invariant of a screen drawn from hostile text:
// once the screen's own SGR sequences are taken out (those in allowed, or
// any SGR when allowed is nil), no control code point is left but the
// newlines between lines. It returns what breaks it.
func rawControls(view string, allowed map[string]bool) []string {
	var bad []string
	rest := sgrRE.ReplaceAllStringFunc(view, func(s string) string {
		if allowed != nil && !allowed[s] {
			bad = append(bad, "foreign SGR "+strings.TrimPrefix(s, "\x1b"))
		}
		return ""
	})
	for _, r := range rest {
		if r != '\n' && termsafe.IsControl(r) {
			bad = append(bad, string(termsafe.Line(string(r))))
		}
	}
	return bad
}

// controlPayload starts with an SGR the screen never writes (the SGR
// check above would take it for the screen's own) and then holds every
// C0, C1 and bidi code point.
func controlPayload() string {
	var b strings.Builder
	b.WriteString("\x1b[7;38;5;99mX")
	for _, r := range termsafe.Controls() {
		b.WriteRune(r)
	}
	return b.String()
}

// hostileSnapshot is the test night with bad in everything the network
// (or a peer's answer) gives the screen: trunk and number names, reason
// phrases in the feed, alert messages quoting them, port request ids,
// action records with an HTTP answer, notes.
func hostileSnapshot(bad string) *monitor.Snapshot {
	s := testSnapshot()
	s.Name = "night" + bad
	s.Trunks = append(s.Trunks, monitor.TrunkView{Name: "trunk" + bad, Role: monitor.RoleLegacy, Win: s.Trunks[0].Win, Spark: s.Trunks[0].Spark})
	s.Numbers = append(s.Numbers, monitor.NumberView{E164: "+1555" + bad, PortRequestID: "PR" + bad, PortState: monitor.PortCompleted,
		Serving: "trunk" + bad, ServingRole: monitor.RoleLegacy, LastSeen: t0, Win: s.Numbers[0].Win, Flags: []string{"zombie" + bad}})
	s.Alerts = append([]monitor.AlertView{{AlertChange: monitor.AlertChange{Rule: monitor.Rule("codes" + bad), Subject: "trunk" + bad, Open: true,
		Severity: monitor.SevCritical, Message: "503 " + bad + " on trunk" + bad}, Opened: t0 - 1e9}}, s.Alerts...)
	s.Feed = append(s.Feed,
		monitor.FeedLine{Time: t0, Trunk: "trunk" + bad, Dir: monitor.DirOut, Summary: "503 " + bad, Code: 503, CallID: "c" + bad, Number: "+1555" + bad},
		monitor.FeedLine{Time: t0, Trunk: "trunk" + bad, Dir: monitor.DirIn, Summary: "INVITE sip:" + bad + "@x", CallID: "c" + bad, Number: "+1555" + bad})
	s.Actions = append(s.Actions, monitor.ActionView{ActionRecord: monitor.ActionRecord{
		ID: "a1" + bad, Type: "http" + bad, Target: "trunk" + bad, State: monitor.ActionFailed, Operator: "op" + bad,
		Prompted: "codes" + bad, Error: "HTTP 500: " + bad, DryRun: "POST /route\n" + bad + "\nline3", Result: "HTTP/1.1 500\r\n" + bad + "\r\n", Undo: "u" + bad,
		Expect: &monitor.ActionExpect{Dir: monitor.DirIn, Trunks: []string{"trunk" + bad}, Numbers: []string{"+1555" + bad}},
	}, Requested: t0, Updated: t0, Progress: "1 of 3 on trunk" + bad})
	s.Notes = append(s.Notes, monitor.NoteView{Time: t0, Note: monitor.Note{Author: "al" + bad, Text: "note " + bad + "\nmore"}})
	return s
}

// hostileActor plans with text from a hostile peer (an HTTP answer in the
// dry run) and fails to apply with one.
type hostileActor struct {
	fakeActor
	bad string
}

func (a *hostileActor) Plan(ctx context.Context, req ActionRequest) (ActionPlan, error) {
	p, err := a.fakeActor.Plan(ctx, req)
	p.Title, p.Diff, p.Notes = "failover "+a.bad, "HTTP/1.1 200 OK\n"+a.bad+"\n", "the peer said: "+a.bad
	return p, err
}

// TestScreenEscapesControls feeds every C0/C1/bidi code point through the
// panes, the detail views, the status line, the test call's notice, the
// header and an action's dialog: the screen shows each escaped and writes
// no escape sequence but its own colours.
func TestScreenEscapesControls(t *testing.T) {
	bad := controlPayload()
	marker := termsafe.Line(bad[:len("\x1b[7;38;5;99mX")]) // shown as text: \x1b[7;38;5;99mX
	a := &hostileActor{fakeActor: fakeActor{targets: []string{"srv" + bad, "srv2" + bad}, applyErr: errors.New("HTTP 502: " + bad)}, bad: bad}
	m := newTestModel(t, Options{Mode: ModeLive, Actor: a}, 400, 80)
	m = send(m, SnapshotMsg{Snap: hostileSnapshot(bad), Stats: testStats()})
	snap := m.snap
	check := func(name string, m Model) {
		t.Helper()
		view := m.View().Content
		if bad := rawControls(view, nil); len(bad) > 0 {
			t.Errorf("%s: the screen writes raw control characters %v", name, bad)
		}
		if n := strings.Count(view, "\n") + 1; n != 80 {
			t.Errorf("%s: %d lines on an 80-line screen: a newline got through", name, n)
		}
		if !strings.Contains(ansiStripOwn(view), marker) {
			t.Errorf("%s: the network's SGR is not shown as text %q:\n%s", name, marker, screen(m))
		}
	}
	check("dashboard", m)
	check("actions pane", press(m, "a"))
	check("number detail", send(m, openDetailMsg{kind: detailNumber, id: "+1555" + bad}))
	check("trunk detail", send(m, openDetailMsg{kind: detailTrunk, id: "trunk" + bad}))
	check("alert subject", send(m, openDetailMsg{kind: detailAny, id: "trunk" + bad}))
	check("action detail", send(m, openDetailMsg{kind: detailAction, id: snap.Actions[len(snap.Actions)-1].ID}))
	check("note detail", send(m, openDetailMsg{kind: detailNote, id: noteID(snap.Notes[len(snap.Notes)-1])}))
	check("status line", send(m, appliedMsg{gen: -1, err: errors.New("HTTP 500: " + bad)}))
	check("test call", send(m, testCallDoneMsg{number: "+1555" + bad, err: errors.New("486 " + bad)}))
	check("ended", send(m, DoneMsg{Err: errors.New("hep: " + bad)}))
	check("filter", typeText(press(m, "tab", "tab", "tab", "/"), "x"+bad))
	dlg := press(m, "F") // restore: choose among the targets
	check("dialog chooser", dlg)
	mustContain(t, screen(dlg), "RESTORE", "every target (2)")
	dlg = press(dlg, "enter")
	check("dialog dry run", dlg)
	mustContain(t, screen(dlg), "type new-b to apply", "HTTP/1.1 200 OK") // new-b is down: its name is asked for
	dlg = press(typeText(dlg, "new-b"), "enter")
	check("dialog failed", dlg)
	mustContain(t, screen(dlg), "FAILED: HTTP 502")
}

// ansiStripOwn takes the screen's SGR sequences out, leaving the text.
func ansiStripOwn(view string) string { return sgrRE.ReplaceAllString(view, "") }

// screenSGRs are the SGR sequences the screen writes itself when it draws
// the test night's dashboard and a number's detail.
func screenSGRs(t testing.TB) map[string]bool {
	set := map[string]bool{}
	for _, v := range fuzzScreens(t, testSnapshot()) {
		for _, s := range sgrRE.FindAllString(v, -1) {
			set[s] = true
		}
	}
	return set
}

// fuzzScreens draws snap's dashboard and the detail of its first number.
func fuzzScreens(t testing.TB, snap *monitor.Snapshot) []string {
	m := newTestModel(t, Options{Mode: ModeLive}, 160, 40)
	m = send(m, SnapshotMsg{Snap: snap, Stats: testStats()})
	d := send(m, openDetailMsg{kind: detailNumber, id: snap.Numbers[0].E164})
	return []string{m.View().Content, d.View().Content}
}

// FuzzScreenText puts arbitrary bytes where the network's text goes (a
// reason phrase in the feed, a trunk and a number, an alert's subject and
// message, the serving trunk, a port request id) and draws the dashboard
// and a number's detail: the only escape sequences on screen are the
// screen's own SGR, and no other control code point gets through.
func FuzzScreenText(f *testing.F) {
	for _, s := range []string{"503 Service Unavailable", "\x1b[2J\x1b[H", "\x1b]0;pwned\x07", "\x1b]52;c;ZXZpbA==\x07",
		"Busy\rFAKE 200 OK", "\x1b[1m", "\u009b31m", "evil\u202etxt", "a\nb\tc", "\xff\xfe", "\x1b[38;5;203m"} {
		f.Add(s)
	}
	allowed := screenSGRs(f)
	f.Fuzz(func(t *testing.T, s string) {
		snap := testSnapshot()
		n := &snap.Numbers[0]
		n.Serving, n.PortRequestID = s, s
		snap.Feed = append(snap.Feed, monitor.FeedLine{Time: t0, Trunk: s, Dir: monitor.DirOut, Summary: "503 " + s, Code: 503, CallID: s, Number: n.E164})
		snap.Alerts[0].Subject, snap.Alerts[0].Message = n.E164, s
		for _, v := range fuzzScreens(t, snap) {
			if bad := rawControls(v, allowed); len(bad) > 0 {
				t.Fatalf("text %q puts %v on the screen", s, bad)
			}
			if n := strings.Count(v, "\n") + 1; n != 40 {
				t.Fatalf("text %q makes %d lines of a 40-line screen", s, n)
			}
		}
	})
}
