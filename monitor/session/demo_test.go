package session

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/store"
)

var summaryRE = regexp.MustCompile(`cutover (demo|replay): night complete at (\S+ \S+) after \S+: (\d+) events \((\d+) SIP, (\d+) malformed\), (\d+) dropped, (\d+) alerts open; recording (\S+)`)

// headlessDemo records a headless demo night of n numbers to db, as
// `cutover demo --headless --numbers n --db db` does, and returns its
// summary line.
func headlessDemo(t *testing.T, db string, n int, speed float64, viaHEP bool) string {
	t.Helper()
	so := sim.DefaultOptions()
	so.Numbers = n
	out, err := Demo{DB: db, Sim: so, Speed: speed, ViaHEP: viaHEP, Session: RunOptions{Headless: true}}.Run(context.Background())
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	return out.Summary("demo")
}

func TestHeadlessDemoRecordsAndReplaysToTheSameNight(t *testing.T) {
	db := filepath.Join(t.TempDir(), "night.db")
	out := headlessDemo(t, db, 30, 0, false)
	demo := summaryRE.FindStringSubmatch(out)
	if demo == nil {
		t.Fatalf("no summary line in %q", out)
	}
	if demo[8] != db {
		t.Fatalf("summary names %s, recorded %s", demo[8], db)
	}
	if n, _ := strconv.Atoi(demo[4]); n < 1000 {
		t.Fatalf("only %d SIP messages in a night of 30 numbers", n)
	}
	if demo[6] != "0" {
		t.Fatalf("headless demo dropped %s events", demo[6])
	}

	r, err := store.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	count, err := r.Count()
	if err != nil {
		t.Fatal(err)
	}
	applied, _ := strconv.ParseInt(demo[3], 10, 64)
	alerts, err := r.Alerts()
	if err != nil {
		t.Fatal(err)
	}
	if count != applied+int64(len(alerts))+closedAlerts(alerts) {
		t.Fatalf("recording holds %d events; folded %d plus %d alert events", count, applied, len(alerts)+int(closedAlerts(alerts)))
	}
	if want := fmt.Sprintf("recording %s (%d events committed, 0 lost)", db, count); !strings.Contains(out, want) {
		t.Fatalf("summary %q lacks %q", out, want)
	}
	if len(alerts) == 0 {
		t.Fatal("the simulated night opened no alert")
	}
	if c := r.Cutover(); c.EndedNs == 0 || c.Mode != "demo" {
		t.Fatalf("cutover row: %+v", c)
	}
	r.Close()

	rout, err := Replay{Path: db, Session: RunOptions{Headless: true}}.Run(context.Background())
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	out = rout.Summary("replay")
	rep := summaryRE.FindStringSubmatch(out)
	if rep == nil {
		t.Fatalf("no summary line in %q", out)
	}
	// Same clock, same events folded (derived alerts are not folded again),
	// same SIP, same alerts open: the replay is the same night.
	for _, i := range []int{2, 3, 4, 5, 7} {
		if demo[i] != rep[i] {
			t.Fatalf("replay differs from the demo:\n%s\n%s", demo[0], rep[0])
		}
	}
}

func closedAlerts(rows []store.AlertRow) int64 {
	var n int64
	for _, a := range rows {
		if a.ClosedNs != 0 {
			n++
		}
	}
	return n
}

// TestDemoOverHEPIsTheSameNight sends the night's SIP as HEPv3 over a real
// UDP socket to the collector and expects the night it shows without.
func TestDemoOverHEPIsTheSameNight(t *testing.T) {
	dir := t.TempDir()
	var sums [2][]string
	for i, viaHEP := range []bool{false, true} {
		db := filepath.Join(dir, strconv.Itoa(i)+".db")
		out := headlessDemo(t, db, 20, map[bool]float64{true: 3000}[viaHEP], viaHEP)
		if sums[i] = summaryRE.FindStringSubmatch(out); sums[i] == nil {
			t.Fatalf("no summary in %q", out)
		}
	}
	for _, k := range []int{2, 3, 4, 5, 6, 7} { // clock, events, SIP, malformed, dropped, alerts open
		if sums[0][k] != sums[1][k] {
			t.Fatalf("over HEP the night differs:\n%s\n%s", sums[0][0], sums[1][0])
		}
	}
	r, err := store.OpenReader(filepath.Join(dir, "1.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sources := map[monitor.Source]int{}
	r.Events(t.Context(), 0, func(_ int64, ev monitor.Event) error { sources[ev.Source]++; return nil })
	if sources[monitor.SourceHEP] == 0 || sources[monitor.SourceSim] == 0 {
		t.Fatalf("event sources %v: SIP should arrive from the collector, port changes from the simulator", sources)
	}
}

// A session that could not write gives what the file holds and what it
// lost, not only what it folded ("2,084,274 events … recording x.db" for
// a file of 6,524); a watch's adds every stage's losses.
func TestSummaryGivesCommittedAndLost(t *testing.T) {
	out := Outcome{Path: "x.db", Recording: true, Snap: &monitor.Snapshot{},
		Stats: pipeline.Stats{Applied: 2084274, Dropped: 5, Recorded: 6524, Lost: 2077750}}
	if s := out.Summary("demo"); !strings.Contains(s, "2084274 events") || !strings.HasSuffix(s, "recording x.db (6524 events committed, 2077750 lost)") {
		t.Errorf("summary %q", s)
	}
	out.HEP = &hep.Stats{Name: "hep 127.0.0.1:9060", Packets: 2084279, Dropped: 5, KernelDropped: 300, QueueDropped: 40}
	if s := out.Summary("watch"); !strings.Contains(s, "losses by stage: kernel 300, parse queue 40, pipeline 5 (queue full), recording 2077750 (not written)") {
		t.Errorf("watch summary %q", s)
	}
	imp := Imported{Outcome: out}
	if s := imp.Summary("c.pcap"); !strings.HasSuffix(s, "recording x.db (6524 events committed, 2077750 lost)") {
		t.Errorf("import summary %q", s)
	}
	replay := Outcome{Path: "x.db", Snap: &monitor.Snapshot{}, Stats: pipeline.Stats{Applied: 6524}}
	if s := replay.Summary("replay"); strings.Contains(s, "committed") {
		t.Errorf("a replay writes nothing: %q", s)
	}
}

// A summary says what the fold set aside, when it set anything aside.
func TestSummarySaysWhatWasSetAside(t *testing.T) {
	snap := &monitor.Snapshot{Quarantined: 1, CallsEvicted: 2}
	line := Outcome{Snap: snap, Path: "x.db"}.Summary("import")
	if !strings.Contains(line, "set aside: 1 events quarantined for their time, 2 unanswered calls evicted") {
		t.Fatalf("summary %q", line)
	}
	if line := (Outcome{Snap: &monitor.Snapshot{}, Path: "x.db"}).Summary("import"); strings.Contains(line, "set aside") {
		t.Fatalf("summary %q", line)
	}
}
