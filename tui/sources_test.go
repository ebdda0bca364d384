package tui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
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

// [hep] forward targets: each by name with its drops on a wide
// screen; at 80 columns one "fwd N" part with their drops, red when one
// is failing.
func TestHeaderForwardTargets(t *testing.T) {
	t.Parallel()
	st := testStats()
	st.Sources = []SourceStat{{Name: "hep", State: "listening", PerSec: 400},
		{Name: "→10.0.0.5:9060", State: "running", PerSec: 400, Dropped: 0, Forward: true},
		{Name: "→homer:9060", State: "failing", PerSec: 200, Dropped: 63, Forward: true}}
	m := newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 200, 24)
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: st})
	head := strings.Split(screen(m), "\n")[0]
	mustContain(t, head, "→10.0.0.5:9060 ● dropped 0", "→homer:9060 ● failing dropped 63")
	mustNotContain(t, head, "malformed 0 ·") // the collector's, not the targets'
	if !strings.Contains(m.View().Content, m.c.st.Bad.Render("dropped 63")) {
		t.Error("a target's drops are not drawn as bad")
	}
	m = newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 80, 24)
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: st})
	head = strings.Split(screen(m), "\n")[0]
	mustContain(t, head, "fwd 2 ● drop 63")
	if !strings.Contains(m.View().Content, m.c.st.Bad.Render("●")+" "+m.c.st.Bad.Render("drop 63")) {
		t.Error("a failing target's dot is not red at 80 columns")
	}
}

// After a write error the header says NOT RECORDING, in red, and why;
// "rec" counts committed events; every stage's losses are on the second
// line, each an alarm: the kernel's and the parse queue's (per source),
// the pipeline's queue, the recording's.
func TestHeaderNotRecordingAndLosses(t *testing.T) {
	t.Parallel()
	st := PipelineStats{Recorded: 6524, Lost: 2084, Dropped: 17, StoreErr: "disk full",
		Sources: []SourceStat{{Name: "hep :9060", State: "listening", KernelDropped: 300, QueueDropped: 40}}}
	m := newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 120, 24)
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: st})
	health := strings.Split(screen(m), "\n")[1]
	mustContain(t, health, "NOT RECORDING: disk full", "kernel 300", "parse 40", "dropped 17", "rec lost 2,084", "rec 6,524")
	for _, s := range []string{" NOT RECORDING: disk full ", " kernel 300 ", " parse 40 ", " rec lost 2,084 "} {
		if !strings.Contains(m.View().Content, m.c.st.Alarm.Render(s)) {
			t.Errorf("%q is not drawn as an alarm", s)
		}
	}
	// At 80 columns NOT RECORDING comes first, before anything is cut.
	m = newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 80, 24)
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: st})
	mustContain(t, strings.Split(screen(m), "\n")[1], "NOT RECORDING")

	// Recording again: no alarm, the losses stay counted.
	st.StoreErr = ""
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: st})
	health = strings.Split(screen(m), "\n")[1]
	mustNotContain(t, health, "NOT RECORDING")
}

// What the fold set aside says so in the header: events quarantined for
// their time, calls evicted from a full table, STIR verdicts still
// awaited and requests not verified because the verifier was overloaded.
func TestHeaderShowsWhatTheFoldSetAside(t *testing.T) {
	t.Parallel()
	snap := testSnapshot()
	snap.Quarantined, snap.CallsEvicted, snap.StirPending = 3, 88101, 4
	snap.Stir.Overloaded = 2
	m := newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 200, 24)
	m = send(m, SnapshotMsg{Snap: snap, Stats: PipelineStats{}})
	health := strings.Split(screen(m), "\n")[1]
	mustContain(t, health, "3 quarantined (time)", "88,101 calls evicted", "STIR 4 pending", "2 not verified (overload)")
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: PipelineStats{}})
	mustNotContain(t, strings.Split(screen(m), "\n")[1], "quarantined", "evicted", "STIR")
}

// An alert receiver (alerts out) in the header: what it sent, its failed
// requests, no packet rate.
func TestHeaderAlertReceiver(t *testing.T) {
	t.Parallel()
	st := testStats()
	st.Sources = []SourceStat{{Name: "am", State: "retrying", Packets: 12, Malformed: 3, Dropped: 2, Sink: true}}
	m := newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 160, 40)
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: st})
	head := strings.Split(screen(m), "\n")[0]
	mustContain(t, head, "am ● retrying sent 12 failed 3 dropped 2")
	mustNotContain(t, head, "pkt/s", "malformed")
}

// An interface capture (watch --iface) is healthy while capturing: a
// green dot, its state word only when wide; the frames its ring dropped
// join the HEP socket's in the kernel alarm.
func TestHeaderInterfaceCapture(t *testing.T) {
	t.Parallel()
	st := testStats()
	st.Sources = []SourceStat{{Name: "hep", State: "listening", KernelDropped: 3},
		{Name: "iface lo", State: "capturing", PerSec: 96, Packets: 5000, KernelDropped: 40}}
	m := newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 80, 24)
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: st})
	lines := strings.Split(screen(m), "\n")
	mustContain(t, lines[0], "iface lo ● 96/s")
	mustNotContain(t, lines[0], "capturing")
	if !strings.Contains(m.View().Content, m.c.st.OK.Render("●")+" "+m.c.st.Text.Render("96/s")) {
		t.Error("a capturing interface has no green dot")
	}
	mustContain(t, lines[1], "kernel 43")
	if !strings.Contains(m.View().Content, m.c.st.Alarm.Render(" kernel 43 ")) {
		t.Error("the kernel's drops are not drawn as an alarm")
	}
	m = newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 200, 24)
	m = send(m, SnapshotMsg{Snap: testSnapshot(), Stats: st})
	mustContain(t, strings.Split(screen(m), "\n")[0], "iface lo ● capturing 96 pkt/s")
}

// A long cutover name gives way to the sources at 80 columns: the name is
// known to everyone on the bridge, the capture's state is news (it was
// cut to "ifa…" behind "ACME Corp — port to NewCarrier").
func TestHeaderLongNameGivesWayToSources(t *testing.T) {
	t.Parallel()
	st := testStats()
	st.Sources = []SourceStat{{Name: "hep", State: "listening", PerSec: 0},
		{Name: "iface lo", State: "capturing", PerSec: 96, Packets: 5000}}
	snap := testSnapshot()
	snap.Name = "ACME Corp — port to NewCarrier"
	m := newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 80, 24)
	m = send(m, SnapshotMsg{Snap: snap, Stats: st})
	head := strings.Split(screen(m), "\n")[0]
	mustContain(t, head, "iface lo ● 96/s", "ACME")
	if w := lipgloss.Width(head); w > 80 {
		t.Errorf("the header is %d cells wide: %q", w, head)
	}
	m = newTestModel(t, Options{Mode: ModeLive, RecordingPath: "rec.db"}, 200, 24)
	m = send(m, SnapshotMsg{Snap: snap, Stats: st})
	mustContain(t, strings.Split(screen(m), "\n")[0], "ACME Corp — port to NewCarrier")
}
