package store

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

func alertEv(ts int64, rule monitor.Rule, subject string, open bool) monitor.Event {
	return monitor.Event{Time: ts, Kind: monitor.KindAlert, Source: monitor.SourceFold, Alert: &monitor.AlertChange{
		Rule: rule, Subject: subject, Open: open, Severity: monitor.SevWarning, Message: string(rule) + " on " + subject}}
}

func actionEv(ts int64, a monitor.ActionRecord) monitor.Event {
	return monitor.Event{Time: ts, Kind: monitor.KindAction, Source: monitor.SourceOperator, Action: &a}
}

// record appends evs in one batch and commits them.
func record(t *testing.T, w *Writer, evs ...monitor.Event) {
	t.Helper()
	if err := w.Append(evs); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

func TestAlertsProjection(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{})
	record(t, w,
		alertEv(100, "codec488", "new-in", true),     // seq 1
		alertEv(110, "zombie", "+15551234567", true), // seq 2
		sipEvents(0, 1)[0],                           // seq 3
	)
	record(t, w,
		alertEv(200, "codec488", "new-in", false),    // seq 4: closes seq 1
		alertEv(300, "codec488", "new-in", true),     // seq 5: opens it again
		alertEv(400, "ner_drop", "legacy-in", false), // seq 6: closes nothing
	)
	got, err := openReader(t, s.Path()).Alerts()
	if err != nil {
		t.Fatal(err)
	}
	want := []AlertRow{
		{Seq: 1, Rule: "codec488", Subject: "new-in", Severity: monitor.SevWarning, Message: "codec488 on new-in",
			OpenedNs: 100, ClosedNs: 200, CloseSeq: 4},
		{Seq: 2, Rule: "zombie", Subject: "+15551234567", Severity: monitor.SevWarning,
			Message: "zombie on +15551234567", OpenedNs: 110},
		{Seq: 5, Rule: "codec488", Subject: "new-in", Severity: monitor.SevWarning, Message: "codec488 on new-in",
			OpenedNs: 300},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Alerts() =\n%+v\nwant\n%+v", got, want)
	}
	if got[0].Open() || !got[1].Open() {
		t.Errorf("Open(): closed alert %v, open alert %v", got[0].Open(), got[1].Open())
	}
}

func TestActionsProjection(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{})
	req := monitor.ActionRecord{ID: "a1", Type: "failover", State: monitor.ActionRequested,
		Target: "+15551234567", Operator: "ops@bridge", DryRun: "point _sip._udp at new"}
	record(t, w,
		actionEv(100, req), // seq 1
		actionEv(110, monitor.ActionRecord{ID: "a1", State: monitor.ActionRunning}),                                     // seq 2
		actionEv(120, monitor.ActionRecord{ID: "b2", Type: "command", State: monitor.ActionFailed, Error: "exit 1"}),    // seq 3
		actionEv(130, monitor.ActionRecord{ID: "a1", State: monitor.ActionDone, Result: "serial 42", Undo: "serial41"}), // seq 4
	)
	got, err := openReader(t, s.Path()).Actions()
	if err != nil {
		t.Fatal(err)
	}
	want := []ActionRow{
		{ActionRecord: monitor.ActionRecord{ID: "a1", Type: "failover", State: monitor.ActionDone, Target: "+15551234567",
			Operator: "ops@bridge", DryRun: "point _sip._udp at new", Result: "serial 42", Undo: "serial41"},
			Seq: 4, RequestedNs: 100, UpdatedNs: 130},
		{ActionRecord: monitor.ActionRecord{ID: "b2", Type: "command", State: monitor.ActionFailed, Error: "exit 1"},
			Seq: 3, RequestedNs: 120, UpdatedNs: 120},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Actions() =\n%+v\nwant\n%+v", got, want)
	}
}

func TestNotesProjection(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{})
	note := func(ts int64, text string) monitor.Event {
		return monitor.Event{Time: ts, Kind: monitor.KindNote, Source: monitor.SourceOperator, Note: &monitor.Note{Author: "ana", Text: text}}
	}
	record(t, w, sipEvents(0, 2)...)
	record(t, w, note(100, "port approved"), sipEvents(2, 1)[0], note(200, "legacy still answering"))
	got, err := openReader(t, s.Path()).Notes()
	if err != nil {
		t.Fatal(err)
	}
	want := []NoteRow{
		{Seq: 3, TsNs: 100, Author: "ana", Text: "port approved"},
		{Seq: 5, TsNs: 200, Author: "ana", Text: "legacy still answering"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Notes() = %+v, want %+v", got, want)
	}
}

func TestProjectionRolledBackWithEvents(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{FlushInterval: time.Hour})
	note := monitor.Event{Time: 1, Kind: monitor.KindNote, Note: &monitor.Note{Author: "a", Text: "b"}}
	record(t, w, note)
	var pages int
	if err := s.db.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages+2)); err != nil {
		t.Fatal(err)
	}
	// The alert and the note are written, then the disk fills up.
	_ = w.Append(append([]monitor.Event{alertEv(5, "zombie", "x", true), note}, sipEvents(0, 500)...))
	if err := w.Flush(); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("err = %v, want ErrDiskFull", err)
	}
	r := openReader(t, s.Path())
	if alerts, _ := r.Alerts(); len(alerts) != 0 {
		t.Errorf("a failed batch left alerts behind: %+v", alerts)
	}
	if notes, _ := r.Notes(); len(notes) != 1 {
		t.Errorf("notes = %+v, want the first one only", notes)
	}
}

func TestSecondProcessRefused(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	other, err := Open(s.Path()) // as if another cutover recorded into the same file
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	w := NewWriter(s, WriterOptions{})
	w2 := NewWriter(other, WriterOptions{})
	record(t, w, sipEvents(0, 3)...)
	_ = w2.Append(sipEvents(100, 1))
	if err := w2.Flush(); !errors.Is(err, ErrWriterActive) || !strings.Contains(err.Error(), "another process") {
		t.Errorf("second recorder: err = %v, want ErrWriterActive", err)
	}
	record(t, w, sipEvents(3, 1)...) // the first carries on
	if c, _ := openReader(t, s.Path()).Count(); c != 4 {
		t.Errorf("recording holds %d events, want 4", c)
	}
}

func TestCheckpoints(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{FlushInterval: 10 * time.Millisecond})
	if err := w.Checkpoint(t0, []byte("empty")); err != nil { // before any event: seq 0
		t.Fatal(err)
	}
	if err := w.Append(sipEvents(0, 10)); err != nil {
		t.Fatal(err)
	}
	state := []byte("after ten")
	if err := w.Checkpoint(t0+100, state); err != nil {
		t.Fatal(err)
	}
	state[0] = 'X' // the writer copied it
	if err := w.Append(sipEvents(10, 5)); err != nil {
		t.Fatal(err)
	}
	if err := w.Checkpoint(t0+200, []byte("after fifteen")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := openReader(t, s.Path())
	for _, c := range []struct {
		at      int64
		ok      bool
		seq, ts int64
		state   string
	}{
		{at: t0 - 1, ok: false},
		{at: t0, ok: true, seq: 0, ts: t0, state: "empty"},
		{at: t0 + 150, ok: true, seq: 10, ts: t0 + 100, state: "after ten"},
		{at: t0 + 200, ok: true, seq: 15, ts: t0 + 200, state: "after fifteen"},
		{at: 1 << 62, ok: true, seq: 15, ts: t0 + 200, state: "after fifteen"},
	} {
		seq, ts, st, ok, err := r.CheckpointAtOrBefore(c.at)
		if err != nil {
			t.Fatal(err)
		}
		if ok != c.ok || seq != c.seq || ts != c.ts || !bytes.Equal(st, []byte(c.state)) {
			t.Errorf("CheckpointAtOrBefore(t0%+d) = %d, %d, %q, %v; want %d, %d, %q, %v",
				c.at-t0, seq, ts, st, ok, c.seq, c.ts, c.state, c.ok)
		}
	}
}

// TestCheckpointFunc: a checkpoint whose bytes come later keeps the seq of
// the events appended before it, however many follow before it is
// encoded, and encode runs once, on the flusher; nil records none.
func TestCheckpointFunc(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{FlushInterval: time.Hour}) // commits only on Flush/Close
	if err := w.Append(sipEvents(0, 10)); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	if err := w.CheckpointFunc(t0+100, func() []byte { calls.Add(1); return []byte("after ten") }); err != nil {
		t.Fatal(err)
	}
	if err := w.CheckpointFunc(t0+150, func() []byte { calls.Add(1); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(sipEvents(10, 5)); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 0 {
		t.Fatal("encode ran before the commit, on the caller's goroutine")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("encode ran %d times for 2 checkpoints", n)
	}
	r := openReader(t, s.Path())
	seq, ts, st, ok, err := r.CheckpointAtOrBefore(1 << 62)
	if err != nil || !ok || seq != 10 || ts != t0+100 || string(st) != "after ten" {
		t.Fatalf("latest checkpoint = %d, %d, %q, %v, %v; want seq 10 at t0+100 (the nil one is not recorded)", seq, ts, st, ok, err)
	}
}
