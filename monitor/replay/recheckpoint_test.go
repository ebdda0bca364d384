package replay

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

// TestRecheckpointBigRecording is a manual measurement harness, not a
// check: it folds the recording CUTOVER_BENCH_DB from its first event and
// writes the checkpoints today's recorder would (a chain of deltas, a full
// one every CUTOVER_BENCH_FULL (8), every CUTOVER_BENCH_EVERY (10,000)
// events) to the SQLite file CUTOVER_BENCH_CKPT, so that
// TestSeekTimesOnBigRecording times seeks on the same events with either
// set of checkpoints (side by side, without recording the night again).
func TestRecheckpointBigRecording(t *testing.T) {
	path, out := os.Getenv("CUTOVER_BENCH_DB"), os.Getenv("CUTOVER_BENCH_CKPT")
	if path == "" || out == "" {
		t.Skip("CUTOVER_BENCH_DB and CUTOVER_BENCH_CKPT are not set: a manual measurement on a big recording")
	}
	every, full := envInt("CUTOVER_BENCH_EVERY", 10_000), envInt("CUTOVER_BENCH_FULL", 8)
	r, err := store.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	db, err := sql.Open("sqlite", out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, ts_ns INTEGER NOT NULL, state BLOB NOT NULL);
		CREATE INDEX checkpoints_ts ON checkpoints (ts_ns)`); err != nil { // as the store's
		t.Fatal(err)
	}
	st := monitor.NewState(r.Cutover().Config)
	chain := monitor.CheckpointChain{Every: full}
	var n, bytes, fulls, deltas int
	var lastSeq int64
	write := func(seq int64) {
		blob, err := chain.Encode(st)
		if err == nil {
			_, err = db.Exec(`INSERT INTO checkpoints VALUES (?, ?, ?)`, seq, st.Now(), blob)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := monitor.CheckpointDeltaBase(blob); ok {
			deltas++
		} else {
			fulls++
		}
		bytes += len(blob)
	}
	err = Stream(context.Background(), r, 0, func(seq int64, ev monitor.Event) error {
		lastSeq = seq
		if Fold(st, ev) {
			if n++; n%every == 0 {
				write(seq)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n%every != 0 {
		write(lastSeq)
	}
	t.Logf("%d events folded, %d full checkpoints and %d deltas: %d bytes", n, fulls, deltas, bytes)
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// sideCheckpoints is a recording with its checkpoints from another file
// (TestRecheckpointBigRecording's).
type sideCheckpoints struct {
	*store.Reader
	db *sql.DB
}

func (s sideCheckpoints) CheckpointAtOrBefore(ts int64) (seq, at int64, blob []byte, ok bool, err error) {
	err = s.db.QueryRow(`SELECT seq, ts_ns, state FROM checkpoints WHERE ts_ns <= ? ORDER BY ts_ns DESC, seq DESC LIMIT 1`, ts).Scan(&seq, &at, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil, false, nil
	}
	return seq, at, blob, err == nil, err
}

func (s sideCheckpoints) Checkpoints() ([]store.CheckpointRow, error) {
	var out []store.CheckpointRow
	rows, err := s.db.Query(`SELECT seq, ts_ns FROM checkpoints ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c store.CheckpointRow
		if err := rows.Scan(&c.Seq, &c.TsNs); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
