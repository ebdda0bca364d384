package store

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

// eventColumns is every column of an events row with its SQL type, as an
// ad-hoc query sees them; raw_block relative to the row's seq (a block's
// id is the seq of its first message).
const eventColumns = `SELECT cutover_id, typeof(cutover_id), ts_ns, kind, typeof(kind), source, typeof(source),
	src, dst, transport, quote(raw), data, quarantined, typeof(quarantined),
	raw_block - seq, raw_off, raw_len, typeof(raw_len) FROM events WHERE seq = ?`

func rowOf(t *testing.T, s *Store, seq int64) []any {
	t.Helper()
	v := make([]any, 18)
	p := make([]any, len(v))
	for i := range v {
		p[i] = &v[i]
	}
	if err := s.db.QueryRow(eventColumns, seq).Scan(p...); err != nil {
		t.Fatalf("event %d: %v", seq, err)
	}
	return v
}

// TestPlainSIPRowsAsAnyOther: a statement of plain SIP messages (their
// constant columns written as literals, what they share bound once) gives
// rows an ad-hoc query cannot tell from the rows of the statement that
// binds every column, whatever the messages share; a source that cannot
// be a literal, a quarantined message or another kind among them takes
// the statement of every column; all of them read back.
func TestPlainSIPRowsAsAnyOther(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{})
	noStir := sipEvents(0, eventsPerInsert)
	for i := range noStir {
		noStir[i].SIP.Stir = nil
	}
	tcp, upper := sipEvents(0, eventsPerInsert), sipEvents(0, eventsPerInsert)
	tcp[3].SIP.Transport = "tcp"
	for i := range upper {
		upper[i].SIP.Transport = "UDP"
	}
	probe := monitor.Event{Time: t0, Kind: monitor.KindProbe, Source: monitor.SourceProbe,
		Probe: &monitor.ProbeResult{Trunk: "legacy-in", Code: 200}}
	var all []monitor.Event
	for _, c := range []struct {
		name  string
		evs   []monitor.Event
		shape stmtKey
	}{
		{"udp, half with STIR", sipEvents(0, eventsPerInsert), stmtKey{transport: "udp", stir: true}},
		{"udp, no STIR", noStir, stmtKey{transport: "udp"}},
		{"udp and tcp", tcp, stmtKey{stir: true}},
		{"transport no literal", upper, stmtKey{stir: true}},
	} {
		k := c.shape
		k.cutover, k.sip, k.source, k.oneBlock = s.cutover(), true, monitor.SourceSim, true
		first := int64(len(all) + 1)
		record(t, w, append([]monitor.Event(nil), c.evs...)...)
		if w.c.raw.stmts[k] == nil {
			t.Fatalf("%s: statement %+v not used (%v)", c.name, k, w.c.raw.stmts)
		}
		// The same messages after a probe: none of their statements is plain.
		record(t, w, append([]monitor.Event{probe}, c.evs...)...)
		all = append(append(append(all, c.evs...), probe), c.evs...)
		for i := range c.evs {
			got, want := rowOf(t, s, first+int64(i)), rowOf(t, s, first+eventsPerInsert+1+int64(i))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, message %d, plain statement:\n %v\nstatement of every column:\n %v", c.name, i, got, want)
			}
		}
	}
	odd := sipEvents(0, eventsPerInsert)
	for i := range odd {
		odd[i].Source = "o'brien; DROP TABLE events"
	}
	quarantined := sipEvents(0, eventsPerInsert)
	quarantined[5].Quarantined = true
	mixed := sipEvents(0, eventsPerInsert)
	mixed[7].Source = monitor.SourceHEP
	// Statements across two blocks: 5 probes put the 512th message of the
	// first block inside a statement.
	straddle := append(make([]monitor.Event, 5), sipEvents(0, rawBlockMax+2*eventsPerInsert)...)
	for i := range 5 {
		straddle[i] = probe
	}
	for _, evs := range [][]monitor.Event{odd, quarantined, mixed, straddle} {
		record(t, w, append([]monitor.Event(nil), evs...)...)
		all = append(all, evs...)
	}
	if k := (stmtKey{cutover: s.cutover(), sip: true, source: monitor.SourceSim, transport: "udp", stir: true}); w.c.raw.stmts[k] == nil {
		t.Fatalf("no statement across two blocks (%v)", w.c.raw.stmts)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, got := readAll(t, openReader(t, s.Path()), 0)
	if len(got) != len(all) {
		t.Fatalf("read %d events, want %d", len(got), len(all))
	}
	for i := range all {
		if !reflect.DeepEqual(got[i], all[i]) {
			t.Fatalf("event %d round trip:\n got %#v\nwant %#v", i+1, got[i], all[i])
		}
	}
}

// TestRecordingKeepsForeignKeys: the Writer's connection does not check
// foreign keys (store.go dsn), so every row it makes must refer to what
// exists: SQLite's foreign_key_check finds nothing wrong in a recording
// of every kind, with blocks (in both events statements), projections and
// checkpoints.
func TestRecordingKeepsForeignKeys(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{})
	record(t, w, everyKind()...)
	record(t, w, withProbes(sipEvents(0, rawBlockMax+eventsPerInsert+3))...)
	record(t, w, sipEvents(0, rawBlockMax+2*eventsPerInsert)...) // plain SIP statements
	if err := w.Checkpoint(t0, []byte("state")); err != nil {
		t.Fatal(err)
	}
	record(t, w, alertEv(t0+5, "zombie", "+15551234567", false), actionEv(t0+6, monitor.ActionRecord{ID: "a1", State: monitor.ActionDone}))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var refs, blocks, alerts, actions, notes int
	if err := s.db.QueryRow(`SELECT (SELECT count(*) FROM events WHERE raw_block IS NOT NULL), (SELECT count(*) FROM raw_blocks),
		(SELECT count(*) FROM alerts WHERE close_seq IS NOT NULL), (SELECT count(*) FROM actions), (SELECT count(*) FROM notes)`).
		Scan(&refs, &blocks, &alerts, &actions, &notes); err != nil {
		t.Fatal(err)
	}
	if refs == 0 || blocks < 2 || alerts != 1 || actions != 1 || notes != 1 {
		t.Fatalf("the recording lacks what refers: %d events in %d blocks, %d closed alerts, %d actions, %d notes",
			refs, blocks, alerts, actions, notes)
	}
	rows, err := s.db.Query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, parent string
		var rowid, fk any
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s row %v refers to a missing %s (key %v)", table, rowid, parent, fk)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestRowsGetTheirEventsSeq: rows take the seq SQLite gives (the largest
// plus one); should a row ever get another than its event's, the commit
// fails whole and is tried again, never recording events under the wrong
// seq. A trigger on the writer's connection plays the intruder.
func TestRowsGetTheirEventsSeq(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{FlushInterval: time.Hour, RetryEvery: time.Hour})
	record(t, w, sipEvents(0, 3)...)
	if _, err := s.db.Exec(`CREATE TEMP TRIGGER intruder AFTER INSERT ON events WHEN NEW.seq = 10 BEGIN
		INSERT INTO events (seq, cutover_id, ts_ns, kind, source) VALUES (NEW.seq + 1000, NEW.cutover_id, 0, 0, 'x'); END`); err != nil {
		t.Fatal(err)
	}
	want := sipEvents(3, 2*eventsPerInsert)
	if err := w.Append(append([]monitor.Event(nil), want...)); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err == nil || !strings.Contains(err.Error(), "not 35") {
		t.Fatalf("Flush with rows off their seq: %v", err)
	}
	if _, err := s.db.Exec(`DROP TRIGGER intruder`); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	seqs, got := readAll(t, openReader(t, s.Path()), 3)
	if len(got) != len(want) || seqs[0] != 4 || seqs[len(seqs)-1] != int64(3+len(want)) {
		t.Fatalf("read %d events, seqs %v", len(got), seqs)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) || seqs[i] != int64(4+i) {
			t.Fatalf("seq %d: %+v, want seq %d: %+v", seqs[i], got[i], 4+i, want[i])
		}
	}
}
