package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

// n takes a note, live or in replay, and the operators' log (a) shows it:
// a watch records it as an event with the --operator name; a replay keeps
// its notes beside the recording (which stays as it was) and shows them
// again in the next replay, with the recording's own.
func TestNotesOnScreen(t *testing.T) {
	db := filepath.Join(t.TempDir(), "live.db")
	watch := startTmux(t, 80, 24, "watch", "-c", simConfig(t, freeAddr(t)), "--db", db, "--operator", "Dana")
	watch.waitFor("LIVE", "hep ●")
	takeNote(watch, "legacy NOC confirms the 503s")
	watch.keys("a")
	watch.waitFor("ACTIONS & NOTES  0 actions · 1 note", "Dana (", "legacy NOC confirms the 503s")
	watch.quit()
	if notes := recordedNotes(t, db); len(notes) != 1 || notes[0].Text != "legacy NOC confirms the 503s" || !strings.HasPrefix(notes[0].Author, "Dana (") {
		t.Fatalf("recorded notes %+v", notes)
	}

	replay := startTmux(t, 80, 24, "replay", db)
	replay.waitFor("REPLAY")
	replay.keys("G", "space") // the end, paused
	takeNote(replay, "post-mortem: the 503s began before the change")
	replay.keys("a")
	replay.waitFor("2 notes", "legacy NOC confirms", "post-mortem: the 503s began")
	replay.quit()
	if notes := recordedNotes(t, db); len(notes) != 1 {
		t.Fatalf("the replay changed the recording: %+v", notes)
	}
	side, err := readSideNotes(db)
	if err != nil || len(side) != 1 || side[0].Text != "post-mortem: the 503s began before the change" {
		t.Fatalf("side notes %+v, %v", side, err)
	}

	again := startTmux(t, 80, 24, "replay", db)
	again.waitFor("REPLAY")
	again.keys("G", "a")
	again.waitFor("2 notes", "legacy NOC confirms", "post-mortem: the 503s began")
	again.quit()
}

// takeNote types a note with n and waits for it to be saved.
func takeNote(s *tmuxSession, text string) {
	s.t.Helper()
	s.keys("n")
	s.waitFor("note at ")
	s.keys("-l", text)
	s.keys("Enter")
	s.waitFor("note saved at")
}

func recordedNotes(t *testing.T, db string) []monitor.Note {
	t.Helper()
	rd, err := store.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var out []monitor.Note
	err = rd.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if ev.Kind == monitor.KindNote {
			out = append(out, *ev.Note)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
