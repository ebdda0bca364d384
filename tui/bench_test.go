package tui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
)

// bigSnapshot is a large cutover: n numbers, 12 trunks, a full feed and a
// screenful of alerts.
func bigSnapshot(n int) *monitor.Snapshot {
	snap := testSnapshot()
	base := snap.Trunks
	snap.Trunks = nil
	for i := range 12 {
		tr := base[i%2]
		tr.Name = fmt.Sprintf("%s-%02d", tr.Name, i)
		snap.Trunks = append(snap.Trunks, tr)
	}
	snap.Numbers = make([]monitor.NumberView, n)
	for i := range snap.Numbers {
		s := stats(i%50, i%40, i%7, i%11, i%13, monitor.CodeCount{Code: 200, Count: i % 40},
			monitor.CodeCount{Code: 486, Count: i % 3})
		snap.Numbers[i] = monitor.NumberView{
			E164: fmt.Sprintf("+1555%07d", i), PortState: monitor.PortInProgress,
			Serving: "new-b-01", ServingRole: monitor.RoleNew, LastSeen: t0 - int64(i)*int64(time.Second),
			Win: win3(s),
		}
		if i%97 == 0 {
			snap.Numbers[i].Flags = []string{"zombie", "drop_rate"}
		}
	}
	feed := snap.Feed
	snap.Feed = nil
	for i := range 500 {
		l := feed[i%len(feed)]
		l.Time = t0 - int64(500-i)*int64(10*time.Millisecond)
		snap.Feed = append(snap.Feed, l)
	}
	for i := range 40 {
		a := snap.Alerts[i%len(snap.Alerts)]
		a.Subject = snap.Numbers[i*97].E164
		snap.Alerts = append(snap.Alerts, a)
	}
	return snap
}

// freshSnapshots are k distinct 10,000-number snapshots whose numbers'
// stats differ from one to the next (the sort's order changes), so that
// feeding them in turn never takes the early return for a snapshot already
// shown and never finds the previous order still valid.
func freshSnapshots(k, n int) []*monitor.Snapshot {
	out := make([]*monitor.Snapshot, k)
	for j := range out {
		snap := bigSnapshot(n)
		for i := range snap.Numbers {
			x := i + j*7919
			s := stats(x%50, x%40, x%7, x%11, x%13, monitor.CodeCount{Code: 200, Count: x % 40},
				monitor.CodeCount{Code: 486, Count: x % 3})
			snap.Numbers[i].Win = win3(s)
		}
		snap.Now += int64(j) * int64(100*time.Millisecond)
		out[j] = snap
	}
	return out
}

// BenchmarkView renders one frame of a 10,000-number cutover at 200x60.
func BenchmarkView(b *testing.B) {
	m := send(New(Options{Mode: ModeReplay, RecordingPath: "night.db", Player: &fakePlayer{speed: 60}}),
		tea.WindowSizeMsg{Width: 200, Height: 60})
	m = send(m, SnapshotMsg{Snap: bigSnapshot(10_000), Stats: testStats()})
	m = press(m, "s", "s") // sorted by drop %
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkSnapshot is the Update side of a frame: taking in a new
// 10,000-number snapshot (filter, sort, keep the selection). Each
// iteration feeds the next of four distinct snapshots built before the
// timer, so none is the one already shown (no early return) and the sort
// has a new order to find; the loop checks that each was taken in.
func BenchmarkSnapshot(b *testing.B) {
	m := send(New(Options{}), tea.WindowSizeMsg{Width: 200, Height: 60})
	m = press(m, "s", "s")
	snaps := freshSnapshots(4, 10_000)
	stats := testStats()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		snap := snaps[i%len(snaps)]
		i++
		m = send(m, SnapshotMsg{Snap: snap, Stats: stats})
		if m.snap != snap {
			b.Fatal("the snapshot was not taken in")
		}
	}
}

// BenchmarkFrame is a whole frame at 10,000 numbers and 200x60: a fresh
// snapshot taken in (as BenchmarkSnapshot) and the screen drawn.
func BenchmarkFrame(b *testing.B) {
	m := send(New(Options{Mode: ModeReplay, RecordingPath: "night.db", Player: &fakePlayer{speed: 60}}),
		tea.WindowSizeMsg{Width: 200, Height: 60})
	m = press(m, "s", "s") // sorted by drop %
	snaps := freshSnapshots(4, 10_000)
	stats := testStats()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		snap := snaps[i%len(snaps)]
		i++
		m = send(m, SnapshotMsg{Snap: snap, Stats: stats})
		if m.snap != snap {
			b.Fatal("the snapshot was not taken in")
		}
		_ = m.View()
	}
}
