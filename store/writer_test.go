package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

// everyKind holds one event (or more) of every kind, with the corners of
// the encoding: IPv6, no addresses, an empty and a nil Raw, no payload.
func everyKind() []monitor.Event {
	sip := sipEvents(0, 2)
	v6 := monitor.SIPMessage{
		Src: netip.MustParseAddrPort("[2001:db8::7]:5061"), Dst: netip.MustParseAddrPort("[::ffff:192.0.2.1]:5060"),
		Transport: "tls", Raw: ok200(9),
	}
	return append(sip,
		monitor.Event{Time: t0 + 10, Kind: monitor.KindSIP, Source: monitor.SourceHEP, SIP: &v6},
		monitor.Event{Time: t0 + 11, Kind: monitor.KindSIP, Source: monitor.SourcePcap, SIP: &monitor.SIPMessage{Transport: "", Raw: []byte{}}},
		monitor.Event{Time: t0 + 12, Kind: monitor.KindSIP, Source: monitor.SourcePcap, SIP: &monitor.SIPMessage{Transport: "udp", Raw: []byte("\x00\xff junk")}},
		monitor.Event{Time: t0 + 13, Kind: monitor.KindSIP, Source: monitor.SourcePcap, SIP: &monitor.SIPMessage{Transport: "ws"}},
		monitor.Event{Time: t0 + 14, Kind: monitor.KindSIP, Source: monitor.SourcePcap},
		monitor.Event{Time: t0 + 20, Kind: monitor.KindProbe, Source: monitor.SourceProbe, Probe: &monitor.ProbeResult{
			Trunk: "new-in", Probe: monitor.ProbeTestCall, Code: 200, RTT: 123456789 * time.Nanosecond, Number: "+15551234567", Landed: "new-in"}},
		monitor.Event{Time: t0 + 21, Kind: monitor.KindProbe, Source: monitor.SourceProbe, Probe: &monitor.ProbeResult{
			Trunk: "legacy-in", Probe: monitor.ProbeOptions, Code: 408, RTT: 5 * time.Second, Err: "timeout"}},
		monitor.Event{Time: t0 + 30, Kind: monitor.KindRegistration, Source: monitor.SourceProbe, Registration: &monitor.RegistrationChange{
			Trunk: "new-in", State: monitor.RegRegistered, Code: 200, Expires: time.Hour}},
		monitor.Event{Time: t0 + 40, Kind: monitor.KindPortState, Source: "config", Port: &monitor.PortChange{
			Number: "+15551234567", State: monitor.PortInProgress}},
		monitor.Event{Time: t0 + 50, Kind: monitor.KindAction, Source: monitor.SourceOperator, Action: &monitor.ActionRecord{
			ID: "a1", Type: "failover", State: monitor.ActionDone, Target: "+15551234567", Operator: "ops@bridge",
			DryRun: "UPDATE _sip._udp CNAME", Result: "ok", Undo: `{"old":"legacy"}`}},
		monitor.Event{Time: t0 + 60, Kind: monitor.KindNote, Source: monitor.SourceOperator, Note: &monitor.Note{
			Author: "ops@bridge", Text: "carrier says \"wait\" — 10 min ✓\nsecond line"}},
		monitor.Event{Time: t0 + 61, Kind: monitor.KindAlertAck, Source: monitor.SourceOperator, Ack: &monitor.AlertAck{
			Rule: "zombie", Subject: "+15551234567", By: "ops@bridge", Until: t0 + 3600e9}},
		monitor.Event{Time: t0 + 70, Kind: monitor.KindAlert, Source: monitor.SourceFold, Alert: &monitor.AlertChange{
			Rule: "zombie", Subject: "+15551234567", Open: true, Severity: monitor.SevCritical, Message: "still on legacy"}},
		monitor.Event{Time: t0 + 80, Kind: monitor.KindTick, Source: monitor.SourceClock},
		monitor.Event{Time: t0 + 1, Kind: monitor.KindStirVerdict, Source: monitor.SourceStir, Verdict: &monitor.LateVerdict{
			Ref: 1<<63 + 7, CallID: "a84b4c76e66710@192.0.2.10", Verdict: monitor.StirVerdict{Result: "cert-unavailable", Attest: "A", TooMany: 8}}},
		monitor.Event{Time: t0 + 2, Kind: monitor.KindSIP, Source: monitor.SourceHEP, SIP: &monitor.SIPMessage{Transport: "udp", Raw: []byte("INVITE"),
			Stir: &monitor.StirVerdict{Result: monitor.StirPending, Ref: 1<<63 + 7}}},
		monitor.Event{Time: -1, Kind: monitor.Kind(200), Source: ""},
		// stamped 2100-01-01 and quarantined where it entered
		monitor.Event{Time: 4102444800e9, Kind: monitor.KindSIP, Source: monitor.SourceHEP, Quarantined: true,
			SIP: &monitor.SIPMessage{Src: netip.MustParseAddrPort("192.0.2.9:5060"), Transport: "udp", Raw: ok200(10)}},
	)
}

// A quarantined event is recorded with its flag, and its time is not one
// of the recording's bounds.
func TestTimeBoundsLeaveOutQuarantined(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{})
	evs := everyKind()
	if err := w.Append(evs[:len(evs)-2]); err != nil { // the odd -1 and the 2100 one apart
		t.Fatal(err)
	}
	if err := w.Append(evs[len(evs)-1:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := openReader(t, s.Path())
	first, last, err := r.TimeBounds()
	if want := t0 + int64(time.Millisecond); err != nil || first != t0 || last != want {
		t.Fatalf("bounds %d..%d (%v), want %d..%d", first, last, err, t0, want)
	}
	_, got := readAll(t, r, 0)
	if q := got[len(got)-1]; !q.Quarantined || q.Time != 4102444800e9 {
		t.Fatalf("read back %+v", q)
	}
}

func TestRoundTripEveryKind(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{})
	in := everyKind()
	for i := range in { // the writer must not store what Decode derives
		if in[i].SIP != nil {
			_ = in[i].SIP.Decode(sipparse.Parse)
		}
	}
	if in[0].SIP.Info == nil || in[1].SIP.Info == nil {
		t.Fatal("test SIP messages do not parse")
	}
	want := everyKind()
	if err := w.Append(in); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := w.Recorded(); got != uint64(len(want)) {
		t.Errorf("Recorded() = %d, want %d", got, len(want))
	}
	seqs, got := readAll(t, openReader(t, s.Path()), 0)
	if len(got) != len(want) {
		t.Fatalf("read %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if seqs[i] != int64(i+1) {
			t.Errorf("event %d has seq %d", i, seqs[i])
		}
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("event %d (%s) round trip:\n got %#v\nwant %#v", i, want[i].Kind, got[i], want[i])
		}
	}
	// The reader's events decode as the written ones did.
	if err := got[1].SIP.Decode(sipparse.Parse); err != nil || !reflect.DeepEqual(got[1].SIP.Info, in[1].SIP.Info) {
		t.Errorf("decoded read-back 200 OK differs: %v", err)
	}
}

func TestEventsFromCursor(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{})
	if err := w.Append(sipEvents(0, 10)); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := openReader(t, s.Path())
	seqs, evs := readAll(t, r, 7)
	if !reflect.DeepEqual(seqs, []int64{8, 9, 10}) || evs[0].Time != sipEvents(7, 1)[0].Time {
		t.Errorf("after seq 7: seqs %v", seqs)
	}
	stop := errors.New("stop")
	n := 0
	err := r.Events(context.Background(), 0, func(int64, monitor.Event) error {
		n++
		if n == 4 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 4 {
		t.Errorf("fn error: err = %v after %d events, want stop after 4", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Events(ctx, 0, func(int64, monitor.Event) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err = %v", err)
	}
	if last, err := r.LastSeq(); err != nil || last != 10 {
		t.Errorf("LastSeq() = %d, %v; want 10", last, err)
	}
	if c, err := r.Count(); err != nil || c != 10 {
		t.Errorf("Count() = %d, %v; want 10", c, err)
	}
}

func TestWriterFlushesInBackground(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{FlushInterval: 20 * time.Millisecond})
	r := openReader(t, s.Path())
	if err := w.Append(sipEvents(0, 5)); err != nil {
		t.Fatal(err)
	}
	waitCount(t, r, 5)
	// A reader sees the commit a moment before the Writer has counted it.
	if err := w.WaitCommitted(t.Context(), 5); err != nil {
		t.Fatal(err)
	}
	if w.Recorded() != 5 {
		t.Errorf("Recorded() = %d, want 5", w.Recorded())
	}
}

func TestWriterFlushesAtMaxBatch(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{FlushInterval: time.Hour, MaxBatch: 10})
	r := openReader(t, s.Path())
	if err := w.Append(sipEvents(0, 4)); err != nil {
		t.Fatal(err)
	}
	// Below MaxBatch the events wait in the buffer for the interval: the
	// flusher is not kicked, and nothing is committed.
	w.mu.Lock()
	buffered, kicked := len(w.buf.evs), len(w.kick)
	w.mu.Unlock()
	if buffered != 4 || kicked != 0 {
		t.Errorf("below MaxBatch: %d events buffered, flusher kicked %d times; want 4 buffered, no kick", buffered, kicked)
	}
	if c, _ := r.Count(); c != 0 {
		t.Errorf("%d events committed below MaxBatch before the interval", c)
	}
	if err := w.Append(sipEvents(4, 6)); err != nil {
		t.Fatal(err)
	}
	waitCount(t, r, 10)
}

func TestWriterManyAppendsKeepOrder(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{FlushInterval: time.Millisecond, MaxBatch: 7})
	const n = 3000
	for i := 0; i < n; i += 30 {
		if err := w.Append(sipEvents(i, 30)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Recorded() != n {
		t.Errorf("Recorded() = %d, want %d", w.Recorded(), n)
	}
	seqs, evs := readAll(t, openReader(t, s.Path()), 0)
	for i := range evs {
		if seqs[i] != int64(i+1) || evs[i].Time != t0+int64(i)*int64(time.Millisecond) {
			t.Fatalf("event %d: seq %d time %d out of order", i, seqs[i], evs[i].Time)
		}
	}
	if len(evs) != n {
		t.Errorf("read %d events, want %d", len(evs), n)
	}
}

func TestWriterLifecycle(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{})
	w2 := NewWriter(s, WriterOptions{})
	if err := w2.Append(sipEvents(0, 1)); !errors.Is(err, ErrWriterActive) {
		t.Errorf("second writer: err = %v, want ErrWriterActive", err)
	}
	if err := w2.Close(); !errors.Is(err, ErrWriterActive) {
		t.Errorf("second writer Close: err = %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.Append(sipEvents(0, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: err = %v, want ErrClosed", err)
	}
	if err := w.Checkpoint(1, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Checkpoint after Close: err = %v, want ErrClosed", err)
	}
	if err := w.Err(); err != nil {
		t.Errorf("Err() = %v after a clean close", err)
	}
	w3 := NewWriter(s, WriterOptions{}) // the Store may have a new writer now
	if err := w3.Append(sipEvents(0, 1)); err != nil {
		t.Error(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w3.Append(sipEvents(0, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Store.Close: err = %v, want ErrClosed", err)
	}
	if c, _ := openReader(t, s.Path()).Count(); c != 1 {
		t.Errorf("Store.Close did not commit the writer's buffer: %d events", c)
	}
}

func TestAppendBeforeBeginCutover(t *testing.T) {
	t.Parallel()
	s, err := Open(t.TempDir() + "/r.cutover")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w := NewWriter(s, WriterOptions{})
	if err := w.Append(sipEvents(0, 1)); !errors.Is(err, ErrNoCutover) {
		t.Errorf("err = %v, want ErrNoCutover", err)
	}
}

// TestWriterDiskFull fills the database's size limit: the Writer says it
// is not recording, keeps what it can in its backlog and counts the rest
// lost, never blocks Append, and once there is room again commits the
// backlog and carries on. (Before, the first failure stopped it for good.)
func TestWriterDiskFull(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{FlushInterval: time.Hour, MaxBatch: 1 << 20, MaxBacklog: 600, RetryEvery: time.Hour})
	if err := w.Append(sipEvents(0, 10)); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := s.db.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages+3)); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(sipEvents(10, 500)); err != nil { // ~300 kB: far more than 3 pages
		t.Fatal(err)
	}
	err := w.Flush()
	assertErr(t, err, ErrDiskFull, s.Path())
	if committed, lost, err := w.Status(); committed != 10 || lost != 0 || !errors.Is(err, ErrDiskFull) {
		t.Errorf("Status() = %d committed, %d lost, %v; want 10, 0, ErrDiskFull", committed, lost, err)
	}
	// Meanwhile: the backlog takes 95 more, then refuses (lost), at once.
	if err := w.Append(sipEvents(510, 95)); err != nil {
		t.Errorf("Append into the backlog: %v", err)
	}
	if err := w.Append(sipEvents(605, 7)); !errors.Is(err, ErrLost) {
		t.Errorf("Append beyond the backlog: err = %v, want ErrLost", err)
	}
	if err := w.Checkpoint(1, []byte("x")); err != nil {
		t.Errorf("Checkpoint while failing: %v (dropped, not an error)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	err = w.WaitCommitted(ctx, 11)
	cancel()
	if !errors.Is(err, ErrDiskFull) {
		t.Errorf("WaitCommitted while failing: %v, want the disk-full reason", err)
	}

	// Space returns: the next flush commits the backlog, in order.
	if _, err := s.db.Exec("PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush once space returned: %v", err)
	}
	if err := w.WaitCommitted(context.Background(), 605); err != nil {
		t.Errorf("WaitCommitted(605) after recovery: %v", err)
	}
	if err := w.Append(sipEvents(612, 3)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "7 events lost") {
		t.Errorf("Close: err = %v, want the 7 lost with the first failure", err)
	}
	committed, lost, _ := w.Status()
	if committed != 608 || lost != 7 || committed+lost != 615 {
		t.Errorf("Status() = %d committed, %d lost; want 608 + 7 = the 615 appended", committed, lost)
	}
	r := openReader(t, s.Path())
	if c, err := r.Count(); err != nil || c != 608 {
		t.Errorf("the recording holds %d events (%v), want 608", c, err)
	}
	if last, _ := r.LastSeq(); last != 608 {
		t.Errorf("LastSeq() = %d, want 608: no gap where the lost ones were", last)
	}
}

// waitCount waits until the recording holds n events.
func waitCount(t *testing.T, r *Reader, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := r.Count()
		if err != nil {
			t.Fatal(err)
		}
		if c == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("recording holds %d events, want %d", c, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A recording made before the quarantine column (schema version 1) is
// read as it was: a Reader never migrates, and no event in it is
// quarantined.
func TestReaderOfARecordingBeforeQuarantine(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{})
	if err := w.Append(sipEvents(0, 4)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"ALTER TABLE events DROP COLUMN quarantined",
		"DELETE FROM schema_migrations WHERE version > 1", "PRAGMA user_version = 1"} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	r := openReader(t, s.Path())
	if _, evs := readAll(t, r, 0); len(evs) != 4 || evs[0].Quarantined {
		t.Fatalf("read %d events: %+v", len(evs), evs)
	}
	if first, last, err := r.TimeBounds(); err != nil || first != t0 || last != t0+3*int64(time.Millisecond) {
		t.Fatalf("bounds %d..%d: %v", first, last, err)
	}
}
