package tui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cutover/cutover/monitor"
)

// B shows the go/no-go board in the panes' place: every number grouped
// by port request with the request's counts, a verdict and reason per
// row, the columns the width allows; esc or B goes back to the panes.
func TestBoardPane(t *testing.T) {
	t.Parallel()
	for _, s := range []struct{ w, h int }{{80, 24}, {200, 50}} {
		m := newTestModel(t, Options{}, s.w, s.h)
		m = press(m, "B")
		scr := screen(m)
		mustContain(t, scr, "GO/NO-GO BOARD  0 go · 1 watch · 3 no-go",
			"▸ PR-1  2 numbers: 0 go · 0 watch · 2 no-go", "▸ PR-2  1 number: 0 go · 0 watch · 1 no-go",
			"▸ (no port request)  1 number: 0 go · 1 watch · 0 no-go")
		mustNotContain(t, scr, "NUMBERS", "TRUNKS")
		// codec488 (critical) is open on new-b, where +15551230001's calls land.
		row := lineWith(t, scr, "+15551230001")
		for _, w := range []string{"completed", "no-go", "trunk new-b in tr", " f"} {
			if !strings.Contains(row, w) {
				t.Errorf("%dx%d: row %q lacks %q", s.w, s.h, row, w)
			}
		}
		if row := lineWith(t, scr, "+15551230002"); !strings.Contains(row, "inbound still") {
			t.Errorf("%dx%d: zombie row %q", s.w, s.h, row)
		}
		if row := lineWith(t, scr, "+15551239999"); !strings.Contains(row, "watch") || !strings.Contains(row, "port pending") {
			t.Errorf("%dx%d: pending row %q", s.w, s.h, row)
		}
		// The selected row's fix is offered at the foot of the board.
		mustContain(t, scr, " press f: fail new-b over to legacy · +15551230001 no-go: trunk new-b")
		wide := s.w >= 200
		for _, col := range []string{"inbound landing", "outbound egress", "attest"} {
			if got := strings.Contains(scr, col); got != wide && col != "inbound landing" {
				t.Errorf("%dx%d: column %q shown %v", s.w, s.h, col, got)
			}
		}
		if wide {
			mustContain(t, lineWith(t, scr, "+15551230002"), "last via legacy-a", "none seen")
		}
		for i, l := range strings.Split(m.View().Content, "\n") {
			if w := lipgloss.Width(l); w != s.w {
				t.Errorf("%dx%d: line %d is %d wide: %q", s.w, s.h, i, w, ansi.Strip(l))
			}
		}
		m = press(m, "down", "down") // over PR-2's group line to +15551230003
		mustContain(t, screen(m), "+15551230003 no-go")
		mustContain(t, screen(press(m, "esc")), "NUMBERS", "TRUNKS")
		mustContain(t, screen(press(m, "B")), "NUMBERS", "TRUNKS")
	}
}

// The board keeps its place across snapshots and scrolls: the cursor
// stays on its number while the fold moves on, and a long board pages.
func TestBoardScrollsAndKeepsTheCursor(t *testing.T) {
	t.Parallel()
	snap := testSnapshot()
	for i := range 60 {
		snap.Numbers = append(snap.Numbers, monitor.NumberView{E164: "+1555999" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "0",
			PortRequestID: "PR-9", PortState: monitor.PortApproved})
	}
	m := newTestModel(t, Options{}, 80, 24)
	m = send(m, SnapshotMsg{Snap: snap})
	m = press(m, "B", "pgdown", "pgdown")
	scr := screen(m)
	sel, _ := m.board.selected()
	if sel.PortRequestID != "PR-9" || !strings.Contains(scr, sel.E164) {
		t.Fatalf("after two pages the cursor is on %s (%s), not shown or not in PR-9:\n%s", sel.E164, sel.PortRequestID, scr)
	}
	m = send(m, SnapshotMsg{Snap: snap})
	if again, _ := m.board.selected(); again.E164 != sel.E164 {
		t.Fatalf("a new snapshot moved the cursor from %s to %s", sel.E164, again.E164)
	}
	m = press(m, "home")
	if first, _ := m.board.selected(); first.E164 != "+15551230001" || !strings.Contains(screen(m), "▸ PR-1") {
		t.Fatalf("home: cursor on %s", first.E164)
	}
	m = press(m, "pgdown", "B", "B") // closed and opened again: at the top
	if first, _ := m.board.selected(); first.E164 != "+15551230001" {
		t.Fatalf("the board opened again on %s, not at its top", first.E164)
	}
}

// From a no-go row the key it offers opens the usual dialog on that
// number or trunk: o the number's outbound route, f the trunk in an
// outage (prompted by its alert), p the number's port state.
func TestBoardFixKeysOpenTheActionDialogs(t *testing.T) {
	t.Parallel()
	a := &fakeActor{targets: []string{"sbc-srv"}}
	m := actorModel(t, a, 200, 50)
	snap := testSnapshot() // codec488 critical on new-b: +15551230001 and +15551230003 are in an outage
	snap.Numbers[1].Flags = []string{"split_brain"}
	snap.Numbers[1].Egress, snap.Numbers[1].EgressRole = "legacy-a", monitor.RoleLegacy
	snap.Numbers[3].PortState = monitor.PortDenied
	m = send(m, SnapshotMsg{Snap: snap})
	m = press(m, "B", "f", "esc")
	if len(a.planned) != 1 || a.planned[0].Prompted != "codec488:new-b" || a.planned[0].Target != "sbc-srv" {
		t.Fatalf("f on +15551230001 (new-b down): planned %+v", a.planned)
	}
	m = press(m, "down") // +15551230002: split brain
	mustContain(t, screen(m), " press o: move its outbound to a new trunk · +15551230002 no-go: outbound still leaves by legacy")
	m = press(m, "o")
	mustContain(t, screen(m), "OUTBOUND +15551230002")
	m = press(m, "esc")
	if got := a.planned[len(a.planned)-1]; got.Type != "outbound" || got.Target != "+15551230002" || got.To != "new-b" {
		t.Fatalf("o on +15551230002: planned %+v", got)
	}
	m = press(m, "end") // +15551239999: denied
	mustContain(t, screen(m), " press p: set its port state · +15551239999 no-go: port denied")
	m = press(m, "p")
	mustContain(t, screen(m), "PORT STATE +15551239999 (now denied)")
	m = press(m, "esc")
	if !m.showBoard {
		t.Fatal("the board closed under the dialog")
	}
}
