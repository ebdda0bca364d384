package session

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

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

// ReadSideNotes reads the notes taken while replaying db (none if the
// side file does not exist).
func ReadSideNotes(db string) ([]store.NoteRow, error) {
	if err := store.CheckOwner(sideNotesPath(db)); err != nil { // nobody else's notes in our replay
		return nil, err
	}
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

// sideNotes are a replay's notes: the side file's, and the ones taken in
// this replay, for the screen (the fold never sees them: the recording
// stays as it was).
type sideNotes struct {
	db   string
	mu   sync.Mutex
	list []monitor.NoteView
}

func loadSideNotes(db string) (*sideNotes, error) {
	rows, err := ReadSideNotes(db)
	if err != nil {
		return nil, err
	}
	s := &sideNotes{db: db}
	for _, r := range rows {
		s.list = append(s.list, monitor.NoteView{Time: r.TsNs, Note: monitor.Note{Author: r.Author, Text: r.Text}})
	}
	return s, nil
}

// add writes a note to the side file, then keeps it for the screen.
func (s *sideNotes) add(t int64, text string) error {
	author := action.Operator("")
	f, err := store.OpenOwnFile(sideNotesPath(s.db), os.O_WRONLY|os.O_APPEND)
	if err != nil {
		return fmt.Errorf("note: %w", err)
	}
	line, _ := json.Marshal(sideNote{TimeNs: t, Author: author, Text: text})
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("note: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("note: %w", err)
	}
	s.mu.Lock()
	s.list = append(s.list, monitor.NoteView{Time: t, Note: monitor.Note{Author: author, Text: text}})
	s.mu.Unlock()
	return nil
}

// all is every side note so far (the screen shows those up to its clock).
func (s *sideNotes) all() []monitor.NoteView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.list)
}

// noteTimeout bounds how long a note waits for room in a full queue.
const noteTimeout = 5 * time.Second

// recordNotes records the screen's notes by operator (with $USER@host)
// as events of in, ahead of the queued traffic, and says done only once
// the note is committed: a note is what an operator typed. live stamps a note with the wall clock (a live
// night's event time), not the screen's clock, which lags the queue and
// is unset before the first event.
func recordNotes(in *Intake, operator string, live bool) func(t int64, text string) error {
	author := action.Operator(operator)
	return func(t int64, text string) error {
		if live {
			t = time.Now().UnixNano()
		}
		ctx, cancel := context.WithTimeout(context.Background(), noteTimeout)
		defer cancel()
		ev := monitor.Event{Time: t, Kind: monitor.KindNote, Source: monitor.SourceOperator, Note: &monitor.Note{Author: author, Text: text}}
		if err := in.p.PublishCommitted(ctx, ev); err != nil {
			return fmt.Errorf("note not recorded: %w", err)
		}
		return nil
	}
}
