package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

// liveWindow is how recent a live recording's last event must be for act
// to take it as being written by a running watch (which ticks every second).
const liveWindow = 5 * time.Second

// refuseLiveRecording refuses a recording a running `cutover watch` is
// writing that does not take act's events itself (see act_relay.go): the
// store has one writer, and a second process appending would stop the
// watch's recording. The watch screen's own keys act through its pipeline
// (screenActor).
func refuseLiveRecording(path string, now time.Time) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	rd, err := store.OpenReader(path)
	if err != nil {
		return err
	}
	defer rd.Close()
	c := rd.Cutover()
	if c.Mode != "live" || c.EndedNs != 0 {
		return nil
	}
	last, err := rd.LastSeq()
	if err != nil || last == 0 {
		return err
	}
	var lastNs int64
	var kind monitor.Kind
	err = rd.Events(context.Background(), last-1, func(_ int64, ev monitor.Event) error {
		lastNs, kind = ev.Time, ev.Kind
		return nil
	})
	if err != nil {
		return err
	}
	// A watch's clock ticks every second; act itself writes only actions.
	if kind != monitor.KindAction && now.Sub(time.Unix(0, lastNs)) < liveWindow {
		return fmt.Errorf("recording %s is being written by a running cutover watch (last event %s ago): record the action into another file with --db, or stop the watch first", path, now.Sub(time.Unix(0, lastNs)).Round(time.Millisecond))
	}
	return nil
}
