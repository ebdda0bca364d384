package store

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cutover/cutover/monitor"
)

// withProbes puts a non-SIP event and an empty message among SIP ones, as
// a night interleaves them.
func withProbes(evs []monitor.Event) []monitor.Event {
	for i := 0; i < len(evs); i += 7 {
		evs[i] = monitor.Event{Time: evs[i].Time, Kind: monitor.KindProbe, Source: monitor.SourceProbe,
			Probe: &monitor.ProbeResult{Trunk: "legacy", Code: 200}}
	}
	evs[3].SIP = &monitor.SIPMessage{Src: legacyAddr, Dst: pbxAddr, Transport: "udp", Raw: []byte{}}
	return evs
}

// TestRawSIPInBlocks: a commit's messages go into compressed blocks of at
// most rawBlockMax (raw NULL in events); reading from any cursor gives
// every message back byte for byte, and an empty message stays empty.
func TestRawSIPInBlocks(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	w := NewWriter(s, WriterOptions{})
	want := withProbes(sipEvents(0, 3*rawBlockMax))
	if err := w.Append(append([]monitor.Event(nil), want...)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var blocks, inRaw, raws int
	if err := s.db.QueryRow(`SELECT (SELECT count(*) FROM raw_blocks),
		(SELECT count(*) FROM events WHERE raw IS NOT NULL AND length(raw) > 0),
		(SELECT coalesce(sum(length(data)), 0) FROM raw_blocks)`).Scan(&blocks, &inRaw, &raws); err != nil {
		t.Fatal(err)
	}
	plain := 0
	for _, ev := range want {
		if ev.SIP != nil {
			plain += len(ev.SIP.Raw)
		}
	}
	if blocks < 3 || blocks > 4 || inRaw != 0 || raws*3 > plain {
		t.Fatalf("%d blocks (%d bytes for %d of messages), %d messages left in raw", blocks, raws, plain, inRaw)
	}
	r := openReader(t, s.Path())
	for _, after := range []int64{0, 1, rawBlockMax + 5, int64(len(want)) - 2} {
		seqs, got := readAll(t, r, after)
		if len(got) != len(want)-int(after) {
			t.Fatalf("after %d: %d events", after, len(got))
		}
		for i, ev := range got {
			w := want[int(after)+i]
			if seqs[i] != after+int64(i)+1 || ev.Kind != w.Kind || (w.SIP == nil) != (ev.SIP == nil) {
				t.Fatalf("after %d, event %d: %+v, want %+v", after, i, ev, w)
			}
			if w.SIP != nil && (!bytes.Equal(ev.SIP.Raw, w.SIP.Raw) || ev.SIP.Raw == nil) {
				t.Fatalf("after %d, event %d: raw %q, want %q", after, i, ev.SIP.Raw, w.SIP.Raw)
			}
		}
	}
}

// TestOldRecordingGetsBlocks: a recording of schema 2 (raw SIP in raw)
// is read as it was; a writer opening it migrates it and adds events in
// blocks after the old ones; both kinds read back.
func TestOldRecordingGetsBlocks(t *testing.T) {
	t.Parallel()
	s := newRecording(t)
	path := s.Path()
	for _, q := range []string{"DROP TABLE raw_blocks", "ALTER TABLE events DROP COLUMN raw_block",
		"ALTER TABLE events DROP COLUMN raw_off", "ALTER TABLE events DROP COLUMN raw_len",
		"DELETE FROM schema_migrations WHERE version > 2", "PRAGMA user_version = 2"} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old := sipEvents(0, 10)
	for i, ev := range old { // as the writer of schema 2 wrote them
		if _, err := s.db.Exec(`INSERT INTO events (seq, cutover_id, ts_ns, kind, source, src, dst, transport, raw)
			VALUES (?, 1, ?, ?, ?, ?, ?, 'udp', ?)`, i+1, ev.Time, int(ev.Kind), string(ev.Source),
			ev.SIP.Src.String(), ev.SIP.Dst.String(), ev.SIP.Raw); err != nil {
			t.Fatal(err)
		}
	}
	if _, evs := readAll(t, openReader(t, path), 0); len(evs) != 10 || !bytes.Equal(evs[9].SIP.Raw, old[9].SIP.Raw) {
		t.Fatalf("schema 2 read back %d events", len(evs))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	w := NewWriter(s2, WriterOptions{})
	if err := w.Append(sipEvents(10, 10)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	all := sipEvents(0, 20)
	_, evs := readAll(t, openReader(t, path), 0)
	if len(evs) != 20 {
		t.Fatalf("%d events", len(evs))
	}
	for i, ev := range evs {
		if !bytes.Equal(ev.SIP.Raw, all[i].SIP.Raw) {
			t.Fatalf("event %d: %q", i+1, ev.SIP.Raw)
		}
	}
}

// TestCorruptBlockIsAnError: a block that does not inflate, or a message
// that reaches past its block, is ErrCorrupt, never a wrong message.
func TestCorruptBlockIsAnError(t *testing.T) {
	t.Parallel()
	for name, q := range map[string]string{
		"not deflate": "UPDATE raw_blocks SET data = x'00ff00ff'",
		"past end":    "UPDATE events SET raw_len = raw_len + 100000 WHERE seq = 2",
		"codec":       "PRAGMA ignore_check_constraints = 1; UPDATE raw_blocks SET codec = 9",
	} {
		s := newRecording(t)
		w := NewWriter(s, WriterOptions{})
		if err := w.Append(sipEvents(0, 4)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(name, err)
		}
		err := openReader(t, s.Path()).Events(t.Context(), 0, func(int64, monitor.Event) error { return nil })
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
}
