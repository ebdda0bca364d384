package tui

import (
	"strings"
	"testing"
)

func TestHeaderSources(t *testing.T) {
	t.Parallel()
	st := testStats()
	st.Sources = []SourceStat{{Name: "hep :9060", State: "listening", PerSec: 1234.4, Packets: 99000, Malformed: 3}}
	m := newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 80, 24)
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: st})
	head := strings.Split(screen(m), "\n")[0]
	mustContain(t, head, "LIVE", "hep :9060", "●", "1,234/s", "mal 3")
	mustNotContain(t, head, "drop ") // a zero drop counter is left out at 80 columns

	// Wide: spelled out, zero counters too; a dropping source is an alarm.
	st.Sources[0].Dropped = 7
	m = newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 160, 40)
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: st})
	head = strings.Split(screen(m), "\n")[0]
	mustContain(t, head, "hep :9060 ● listening 1,234 pkt/s malformed 3 dropped 7")
	if !strings.Contains(m.View().Content, m.c.st.Bad.Render("dropped 7")) {
		t.Error("dropped source counter is not drawn as bad")
	}

	// A stopped source says so even at 80 columns.
	st.Sources[0].State = "stopped"
	m = newTestModel(t, Options{Mode: ModeLive}, 80, 24)
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: st})
	mustContain(t, strings.Split(screen(m), "\n")[0], "hep :9060 ● stopped")
}
