package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/store"
)

// Notes taken while replaying go to a side file next to the recording,
// FILE.db-notes.jsonl, one JSON object a line: the recording stays
// read-only (it may be another process's live recording, and a recording
// is evidence). The report and the replay timeline read the side file too.
func sideNotesPath(db string) string { return db + "-notes.jsonl" }

type sideNote struct {
	TimeNs int64  `json:"time_ns"`
	Author string `json:"author"`
	Text   string `json:"text"`
}

// readSideNotes reads the notes taken while replaying db (none if the
// side file does not exist).
func readSideNotes(db string) ([]store.NoteRow, error) {
	f, err := os.Open(sideNotesPath(db))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []store.NoteRow
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var n sideNote
		if err := json.Unmarshal(sc.Bytes(), &n); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", sideNotesPath(db), line, err)
		}
		out = append(out, store.NoteRow{TsNs: n.TimeNs, Author: n.Author, Text: n.Text})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TsNs < out[j].TsNs })
	return out, sc.Err()
}

// appendSideNote adds a note to db's side file.
func appendSideNote(db string, t int64, text string) error {
	f, err := os.OpenFile(sideNotesPath(db), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("note: %w", err)
	}
	line, _ := json.Marshal(sideNote{TimeNs: t, Author: action.Operator(""), Text: text})
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("note: %w", err)
	}
	return f.Close()
}

// noteEvent is a note taken live: it goes into the recording as an event.
func noteEvent(t int64, text string) monitor.Event {
	return monitor.Event{Time: t, Kind: monitor.KindNote, Source: "operator",
		Note: &monitor.Note{Author: action.Operator(""), Text: text}}
}
