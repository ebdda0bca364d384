package tui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"

	"github.com/cutover/cutover/monitor"
)

// mediaMix is judged calls with oneWay and noMedia among them and a MOS
// for each of mos.
func mediaMix(judged, oneWay, noMedia int, mos ...float64) monitor.MediaMix {
	m := monitor.MediaMix{Judged: judged, OneWay: oneWay, NoMedia: noMedia}
	for _, v := range mos {
		m.AddMOS(v)
	}
	return m
}

// mediaSnapshot is the test snapshot with media: legacy-a has a quarter
// of its calls one-way and a poor MOS, new-b is healthy; of the numbers,
// ...0002 is one-way, ...0001 healthy, ...0003 judged nothing.
func mediaSnapshot() *monitor.Snapshot {
	s := testSnapshot()
	set := func(w *[3]monitor.Stats, m monitor.MediaMix) {
		for i := range w {
			w[i].Media = m
		}
	}
	set(&s.Trunks[0].Win, mediaMix(20, 5, 1, 4.3, 4.2, 2.1, 2.9))
	set(&s.Trunks[1].Win, mediaMix(30, 0, 0, 4.4, 4.4, 4.3))
	set(&s.Numbers[0].Win, mediaMix(10, 0, 0, 4.4, 4.3))
	set(&s.Numbers[1].Win, mediaMix(4, 2, 1, 3.1))
	return s
}

func mediaModel(t *testing.T, w, h int) Model {
	m := newTestModel(t, Options{}, w, h)
	return send(m, SnapshotMsg{Snap: mediaSnapshot(), Stats: testStats()})
}

// The media columns by width: one-way share at 80, MOS mean and no media
// on a 200-column screen, p5 in the trunks pane there too; "—" where no
// call was judged, never 0 %; red past the thresholds.
func TestMediaColumns(t *testing.T) {
	t.Parallel()
	m := mediaModel(t, 80, 24)
	scr := screen(m)
	lineWith(t, scr, "trunk ", "1way", "top failures")
	lineWith(t, scr, "legacy-a", " 25% ", "503×6") // 5 of 20 one-way
	lineWith(t, scr, "new-b", " 0% ")
	lineWith(t, scr, "+15551230002", " 50% ")
	if row := lineWith(t, scr, "+15551230003"); strings.Contains(row, "0%  ") && !strings.Contains(row, "—") {
		t.Errorf("a number without judged calls shows 0%%: %q", row)
	}
	lineWith(t, scr, "+15551230003", "  — ")
	mustNotContain(t, lineWith(t, scr, "trunk ", "1way"), "MOS")
	raw := m.View().Content
	if !strings.Contains(raw, m.c.st.Bad.Render("25%")) {
		t.Error("a one-way share over OneWayRateMax (10%) is not red")
	}
	if strings.Contains(raw, m.c.st.Bad.Render("0%")) {
		t.Error("a healthy one-way share is red")
	}

	m = mediaModel(t, 200, 50)
	scr = screen(m)
	lineWith(t, scr, "trunk ", "1way", "nomed", "MOS", "p5")
	lineWith(t, scr, "number", "1way", "MOS", "nomed")
	lineWith(t, scr, "legacy-a", " 25% ", " 5% ", " 3.38 ", " 2.1 ")
	lineWith(t, scr, "new-b", " 4.37 ", " 4.3 ")
	lineWith(t, scr, "+15551230002", " 50% ", " 3.10 ", " 25% ")
	raw = m.View().Content
	if !strings.Contains(raw, m.c.st.Bad.Render("3.38")) || !strings.Contains(raw, m.c.st.Bad.Render("2.1")) {
		t.Error("a MOS under MOSMin (3.5) is not red")
	}
	if strings.Contains(raw, m.c.st.Bad.Render("4.37")) {
		t.Error("a good MOS is red")
	}
}

// The thresholds are the config's: with OneWayRateMax at 30 %, 25 % is
// not red.
func TestMediaColumnsConfigThresholds(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{Thresholds: monitor.Thresholds{OneWayRateMax: 0.3}}, 80, 24)
	m = send(m, SnapshotMsg{Snap: mediaSnapshot(), Stats: testStats()})
	if raw := m.View().Content; strings.Contains(raw, m.c.st.Bad.Render("25%")) {
		t.Error("25% one-way is red under a 30% threshold")
	}
}

// s cycles on to the media sorts: one-way share (highest first), no
// media, MOS (lowest first, ▲); a click on a media column's header sorts
// by it.
func TestNumbersPaneMediaSorts(t *testing.T) {
	t.Parallel()
	m := mediaModel(t, 200, 50)
	m = press(m, "s", "s", "s", "s", "s")
	scr := screen(m)
	mustContain(t, scr, "sort one-way %", "1way▼")
	if rows := numberRows(scr); !strings.HasPrefix(rows[0], "+15551230002") || !strings.HasPrefix(rows[1], "+15551230001") {
		t.Fatalf("highest one-way share not first, none judged not last: %q", rows)
	}
	m = press(m, "s")
	mustContain(t, screen(m), "sort no media %", "nomed▼")
	m = press(m, "s")
	scr = screen(m)
	mustContain(t, scr, "sort MOS", "MOS▲")
	if rows := numberRows(scr); !strings.HasPrefix(rows[0], "+15551230002") || !strings.HasPrefix(rows[1], "+15551230001") {
		t.Fatalf("lowest MOS not first: %q", rows)
	}

	m = mediaModel(t, 80, 24)
	hdr := headerHeight + m.lay.trunks.h + tableRowsTop - 1
	line := lineWith(t, screen(m), "number", "1way")
	x := lipgloss.Width(line[:strings.Index(line, "1way")]) // cells, not bytes
	m = click(m, x+1, hdr)
	mustContain(t, screen(m), "sort one-way %", "1way▼")
}

// The detail view of a number shows its media over 1, 5 and 15 minutes.
func TestNumberDetailMedia(t *testing.T) {
	t.Parallel()
	m := mediaModel(t, 120, 60)
	m.numbers.cursor = 1
	m = press(m, "enter")
	scr := screen(m)
	mustContain(t, scr, "NUMBER +15551230002")
	lineWith(t, scr, "media judged", "4", "4", "4")
	lineWith(t, scr, "one-way audio", "50%", "50%", "50%")
	lineWith(t, scr, "no media", "25%")
	lineWith(t, scr, "MOS mean", "3.10")
	lineWith(t, scr, "MOS p5", "3.1")
}
