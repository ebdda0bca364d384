package store

import (
	"bytes"
	"compress/flate"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
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
	var blocks, inRaw, raws, notS2 int
	if err := s.db.QueryRow(`SELECT (SELECT count(*) FROM raw_blocks),
		(SELECT count(*) FROM events WHERE raw IS NOT NULL AND length(raw) > 0),
		(SELECT coalesce(sum(length(data)), 0) FROM raw_blocks),
		(SELECT count(*) FROM raw_blocks WHERE codec != 2)`).Scan(&blocks, &inRaw, &raws, &notS2); err != nil {
		t.Fatal(err)
	}
	if notS2 != 0 {
		t.Fatalf("%d blocks not S2", notS2)
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

// TestDeflateRecordingStillReads: testdata/schema3_deflate.cutover was
// recorded by the build before S2 (schema 3, DEFLATE blocks: 600 events,
// withProbes(sipEvents(0, 600))). This build reads it byte for byte
// read-only; a writer opening it migrates it and adds S2 blocks after the
// DEFLATE ones, and both read back.
func TestDeflateRecordingStillReads(t *testing.T) {
	t.Parallel()
	old, err := os.ReadFile(filepath.Join("testdata", "schema3_deflate.cutover"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.cutover")
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	want := withProbes(sipEvents(0, 600))
	sameEvents(t, openReader(t, path), want)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w := NewWriter(s, WriterOptions{})
	if err := w.Append(sipEvents(600, 20)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var codecs string
	if err := s.db.QueryRow(`SELECT group_concat(codec, ',') FROM (SELECT codec FROM raw_blocks ORDER BY id)`).Scan(&codecs); err != nil {
		t.Fatal(err)
	}
	if codecs != "1,1,2" {
		t.Fatalf("codecs of the blocks %q, want 1,1,2", codecs)
	}
	var check, table string // migration 0004 edited raw_blocks' definition in place
	if err := s.db.QueryRow(`SELECT (SELECT group_concat(integrity_check) FROM pragma_integrity_check),
		(SELECT sql FROM sqlite_schema WHERE name = 'raw_blocks')`).Scan(&check, &table); err != nil {
		t.Fatal(err)
	}
	if check != "ok" || !strings.Contains(table, "CHECK (codec IN (1, 2))") {
		t.Fatalf("integrity %q, raw_blocks %s", check, table)
	}
	if _, err := s.db.Exec(`INSERT INTO raw_blocks (id, codec, data) VALUES (9999, 3, x'00')`); err == nil {
		t.Fatal("a block of codec 3 was stored")
	}
	sameEvents(t, openReader(t, path), append(want, sipEvents(600, 20)...))
}

// sameEvents reads every event of r and compares it with want: kind,
// addresses and the message byte for byte.
func sameEvents(t *testing.T, r *Reader, want []monitor.Event) {
	t.Helper()
	_, got := readAll(t, r, 0)
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i, ev := range got {
		w := want[i]
		if ev.Kind != w.Kind || ev.Time != w.Time || (w.SIP == nil) != (ev.SIP == nil) {
			t.Fatalf("event %d: %+v, want %+v", i+1, ev, w)
		}
		if w.SIP != nil && (!bytes.Equal(ev.SIP.Raw, w.SIP.Raw) || ev.SIP.Src != w.SIP.Src || ev.SIP.Dst != w.SIP.Dst) {
			t.Fatalf("event %d: %v>%v %q, want %v>%v %q", i+1, ev.SIP.Src, ev.SIP.Dst, ev.SIP.Raw, w.SIP.Src, w.SIP.Dst, w.SIP.Raw)
		}
	}
}

// TestHostileBlock: a block that claims or makes more than maxBlockPlain
// bytes (a compression bomb), or is not what its codec says, is an error
// naming the block, and nothing that large is made.
func TestHostileBlock(t *testing.T) {
	t.Parallel()
	var bomb bytes.Buffer
	fw, err := flate.NewWriter(&bomb, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(make([]byte, maxBlockPlain+1)); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		codec int64
		data  []byte
	}{
		// S2 starts with the decoded length (a uvarint): 1 GiB, and nothing.
		"s2 claims 1 GiB":   {codecS2, []byte{0x80, 0x80, 0x80, 0x80, 0x04}},
		"s2 claims one too": {codecS2, s2Len(maxBlockPlain + 1)},
		"s2 short":          {codecS2, append(s2Len(100), 0x00, 'a')},
		"s2 empty":          {codecS2, nil},
		"deflate bomb":      {codecDeflate, bomb.Bytes()},
		"deflate garbage":   {codecDeflate, []byte{0xff, 0xff, 0xff}},
		"unknown codec":     {3, []byte("x")},
	} {
		plain, err := inflateBlock(c.codec, c.data)
		if !errors.Is(err, errBlock) || plain != nil {
			t.Errorf("%s: %d bytes, %v; want an errBlock", name, len(plain), err)
		}
	}
}

// s2Len is the start of an S2 block that decodes to n bytes.
func s2Len(n int) []byte {
	var b []byte
	for u := uint64(n); ; u >>= 7 {
		if u < 0x80 {
			return append(b, byte(u))
		}
		b = append(b, byte(u)|0x80)
	}
}

// FuzzInflateBlock: whatever a block holds, inflating it never panics and
// never makes more than maxBlockPlain bytes; messages packed by the writer
// come back byte for byte.
func FuzzInflateBlock(f *testing.F) {
	for _, ev := range withProbes(sipEvents(0, 8)) {
		if ev.SIP != nil {
			f.Add(int64(codecS2), ev.SIP.Raw)
		}
	}
	f.Add(int64(codecS2), []byte{0x80, 0x80, 0x80, 0x80, 0x04})
	f.Add(int64(codecDeflate), []byte{0x01, 0x03, 0x00, 0xfc, 0xff, 'a', 'b', 'c'})
	f.Fuzz(func(t *testing.T, codec int64, data []byte) {
		if plain, err := inflateBlock(codec, data); len(plain) > maxBlockPlain || (err != nil && !errors.Is(err, errBlock)) {
			t.Fatalf("%d bytes, %v", len(plain), err)
		}
		if len(data) == 0 || len(data) > 65536 {
			return
		}
		var p rawPacker
		evs := []monitor.Event{{Kind: monitor.KindSIP, SIP: &monitor.SIPMessage{Raw: data}}}
		if err := p.pack(evs, 7); err != nil || len(p.blocks) != 1 {
			t.Fatalf("pack: %d blocks, %v", len(p.blocks), err)
		}
		plain, err := inflateBlock(codecS2, p.blocks[0].data)
		if err != nil || !bytes.Equal(plain, data) {
			t.Fatalf("packed %q, read back %q, %v", data, plain, err)
		}
	})
}

// TestAddrCache: the writer's address texts are right for addresses seen
// before and for those past the cache's bound, which stays bounded.
func TestAddrCache(t *testing.T) {
	t.Parallel()
	c := addrCache{}
	for round := range 2 {
		for i := range addrCacheMax + 10 {
			ap := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(5060+round))
			if s := c.text(ap); s == nil || *s != ap.String() {
				t.Fatalf("%v: %v", ap, s)
			}
		}
	}
	if len(c) != addrCacheMax || c.text(netip.AddrPort{}) != nil {
		t.Fatalf("%d addresses kept", len(c))
	}
}
