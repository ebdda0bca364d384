package tui

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
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

// oneWayMedia is a media report of c1 (ladderCall): RTP from the caller
// only, its codec name hostile; judged 6 s after the answer.
func oneWayMedia(bad string) (*monitor.MediaReport, int64) {
	ans := t0 - 4e9 + 2100e6
	first := time.Unix(0, ans+40e6)
	st := media.Stats{SSRC: 0xdeadbeef, PayloadType: 0, Codec: "PCMU" + bad, ClockRate: 8000, Packets: 2850, Expected: 3000,
		Lost: 150, Jitter: 42 * time.Millisecond, MaxDelta: 180 * time.Millisecond, First: first, Last: first.Add(time.Minute)}
	return &monitor.MediaReport{CallID: "c1", Answered: ans, Origin: monitor.MediaFromRTP, Final: true, Streams: []monitor.MediaStream{
		{Src: netip.MustParseAddrPort("203.0.113.25:30000"), Dst: netip.MustParseAddrPort("192.0.2.11:40000"), Forward: true, Stats: st},
	}}, ans + int64(62*time.Second)
}

// The call view shows the call's media under the ladder: the verdict of
// its latest report by the config's thresholds, each stream with its
// direction, addresses, codec, packets, loss, jitter and MOS, the codec
// escaped; and a call without a report says no RTP source watched it.
func TestLadderShowsMedia(t *testing.T) {
	t.Parallel()
	const bad = "\x1b]0;pwned\x07"
	allowed := screenSGRs(t)
	for _, s := range []struct{ w, h int }{{80, 24}, {200, 50}} {
		log := ladderCall("")
		log.Media, log.MediaAt = oneWayMedia(bad)
		m := newTestModel(t, Options{Calls: &fakeCalls{log: log}}, s.w, s.h)
		m = press(m, "tab", "up", "up", "up", "up", "up", "enter")
		scr := screen(m)
		lineWith(t, scr, "media", "one_way", "RTP only caller to callee", "final")
		row := lineWith(t, scr, "caller→callee", "PCMU", "2,850", "5.0%", "42.0ms")
		lineWith(t, scr, "203.0.113.25:30000 → 192.0.2.11:40000") // beside, or under it at 80 columns
		if mos := media.MOS(log.Media.Streams[0].Stats, 0); !strings.Contains(row, strconv.FormatFloat(mos, 'f', 2, 64)) {
			t.Errorf("%dx%d: no MOS %.2f in %q", s.w, s.h, mos, row)
		}
		if s.w == 200 {
			lineWith(t, scr, "caller→callee", "192.0.2.11:40000", "180.0ms", "███")
		}
		lineWith(t, scr, "MESSAGE 1/10") // the ladder and the message are still there
		raw := m.View().Content
		if bad := rawControls(raw, allowed); len(bad) > 0 {
			t.Fatalf("%dx%d: the codec reaches the terminal raw: %v", s.w, s.h, bad)
		}
		if !strings.Contains(raw, m.c.st.Bad.Render("42.0ms")) {
			t.Errorf("%dx%d: jitter past 30 ms is not red", s.w, s.h)
		}

		m = newTestModel(t, Options{Calls: &fakeCalls{log: ladderCall("")}}, s.w, s.h)
		m = press(m, "tab", "up", "up", "up", "up", "up", "enter")
		lineWith(t, screen(m), "media", "no media seen (no RTP source watched this call)")

		noCall := ladderCall("")
		noCall.Messages = noCall.Messages[8:] // a BYE and its 200: no INVITE, no call to speak of
		m = newTestModel(t, Options{Calls: &fakeCalls{log: noCall}}, s.w, s.h)
		m = press(m, "tab", "up", "up", "up", "up", "up", "enter")
		mustContain(t, screen(m), "CALL", "2 messages")
		mustNotContain(t, screen(m), "no media seen")

		refused := ladderCall("")
		refused.Messages = refused.Messages[:5] // INVITE, 100, 180: never answered
		m = newTestModel(t, Options{Calls: &fakeCalls{log: refused}}, s.w, s.h)
		m = press(m, "tab", "up", "up", "up", "up", "up", "enter")
		lineWith(t, screen(m), "media", "none: the call was not answered")
	}
	// Thresholds from the config: with 50 ms jitter allowed, 42 ms is not red.
	log := ladderCall("")
	log.Media, log.MediaAt = oneWayMedia("")
	m := newTestModel(t, Options{Calls: &fakeCalls{log: log}, Thresholds: monitor.Thresholds{MediaMaxJitter: 50 * time.Millisecond}}, 200, 50)
	m = press(m, "tab", "up", "up", "up", "up", "up", "enter")
	if strings.Contains(m.View().Content, m.c.st.Bad.Render("42.0ms")) {
		t.Error("42 ms jitter is red under a 50 ms threshold")
	}
}

// The help explains the media columns.
func TestHelpExplainsMediaColumns(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, Options{}, 80, 60)
	m = press(m, "?")
	lineWith(t, screen(m), "media", "1way / nomed", "one way only / none")
	lineWith(t, screen(m), "MOS mean, p5 its 5th percentile", "none judged", "past limits")
}
