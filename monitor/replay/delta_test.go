package replay

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

// damaged is a recording with some checkpoints damaged (a byte of their
// blob flipped) or missing (as if never committed).
type damaged struct {
	*store.Reader
	corrupt, missing map[int64]bool
}

func (d damaged) CheckpointAtOrBefore(ts int64) (int64, int64, []byte, bool, error) {
	for {
		seq, at, blob, ok, err := d.Reader.CheckpointAtOrBefore(ts)
		if err != nil || !ok {
			return seq, at, blob, ok, err
		}
		if d.missing[seq] {
			ts = at - 1
			continue
		}
		if d.corrupt[seq] {
			blob = bytes.Clone(blob)
			blob[len(blob)*2/3] ^= 0x5a
		}
		return seq, at, blob, ok, err
	}
}

// TestSeekPastDamagedDelta: a damaged delta, or one whose chain back to
// its full checkpoint is broken, is passed over with an error naming it,
// and the seek folds forward from an earlier checkpoint to exactly the
// fold from the first event.
func TestSeekPastDamagedDelta(t *testing.T) {
	r := demoNight(t, 40)
	cfg := r.Cutover().Config
	cks, err := r.Checkpoints()
	if err != nil {
		t.Fatal(err)
	}
	// In one chain: its full checkpoint, its first delta, and a delta two
	// or more further on.
	var full, delta, second store.CheckpointRow
	n := 0
	for _, ck := range cks[len(cks)/4:] {
		_, _, blob, _, _ := r.CheckpointAtOrBefore(ck.TsNs)
		if _, ok := monitor.CheckpointDeltaBase(blob); !ok {
			full, n = ck, 0
			continue
		}
		if n++; n == 1 && full.Seq != 0 {
			delta = ck
		} else if n == 3 && delta.Seq != 0 {
			second = ck
			break
		}
	}
	if second.Seq == 0 {
		t.Fatal("no chain of three deltas in the recording")
	}
	at := func(ck store.CheckpointRow) string {
		return "checkpoint delta at seq " + strconv.FormatInt(ck.Seq, 10) + ": corrupt checkpoint delta: "
	}
	for _, c := range []struct {
		name string
		src  damaged
		at   store.CheckpointRow
		want string // in Position.Skipped
	}{
		{"damaged delta", damaged{r, map[int64]bool{second.Seq: true}, nil}, second, at(second) + "checksum"},
		{"damaged delta in its chain", damaged{r, map[int64]bool{delta.Seq: true}, nil}, second, at(delta) + "checksum"},
		{"missing full checkpoint", damaged{r, nil, map[int64]bool{full.Seq: true}}, second, "its base at " + strconv.FormatInt(full.TsNs, 10) + " is missing"},
		{"damaged full checkpoint", damaged{r, map[int64]bool{full.Seq: true}, nil}, second, at(delta) + "made against another base"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tgt := c.at.TsNs + 1
			st, pos, err := Seek(context.Background(), c.src, cfg, tgt)
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(pos.Skipped, monitor.ErrCorruptDelta) || !strings.Contains(pos.Skipped.Error(), c.want) {
				t.Fatalf("Skipped = %v, want it to say %q", pos.Skipped, c.want)
			}
			full := monitor.NewState(cfg)
			want, err := Forward(context.Background(), r, full, Position{}, func(_ int64, ev monitor.Event) bool { return ev.Time <= tgt })
			if err != nil {
				t.Fatal(err)
			}
			if pos.Seq != want.Seq || !reflect.DeepEqual(st.Snapshot(), full.Snapshot()) {
				t.Fatalf("seek past a damaged delta: at seq %d, the fold from the start at %d, or the states differ", pos.Seq, want.Seq)
			}
		})
	}
}

// damagedRec is a Recording whose checkpoints damaged says are damaged.
type damagedRec struct {
	rec
	d damaged
}

func (d damagedRec) CheckpointAtOrBefore(ts int64) (int64, int64, []byte, bool, error) {
	return d.d.CheckpointAtOrBefore(ts)
}

// TestSeekPastDamagedCheckpointIsLogged: a seek on the screen that passes
// over a damaged checkpoint says so in the log (Position.Skipped was kept
// and never told).
func TestSeekPastDamagedCheckpointIsLogged(t *testing.T) {
	r := demoNight(t, 40)
	cfg := r.Cutover().Config
	cks, err := r.Checkpoints()
	if err != nil || len(cks) < 4 {
		t.Fatal("want checkpoints", err)
	}
	ck := cks[len(cks)/2]
	var log lab.LockedBuffer
	src := damagedRec{rec{r}, damaged{r, map[int64]bool{ck.Seq: true}, nil}}
	c := NewController(src, Options{Config: cfg, Hold: true, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = c.Run(ctx, func(context.Context, monitor.Event) error { return nil },
			func(context.Context, *monitor.State) error { return nil })
	}()
	c.SeekTo(ck.TsNs + 1)
	waitFor(t, c, func(monitor.Timeline) bool {
		return strings.Contains(log.String(), "passed over") && strings.Contains(log.String(), "seq "+strconv.FormatInt(ck.Seq, 10))
	})
}
