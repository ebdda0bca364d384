package session

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
// writing whose control socket does not answer (control.go): the store has
// one writer, and a second process appending would stop the watch's
// recording. The watch screen's own keys act through its pipeline
// (ScreenActor).
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
	var byAct bool
	err = rd.Events(context.Background(), last-1, func(_ int64, ev monitor.Event) error {
		lastNs, byAct = ev.Time, ev.Kind == monitor.KindAction && !monitor.Derived(ev)
		return nil
	})
	if err != nil {
		return err
	}
	// A watch's clock ticks every second; act itself writes only actions
	// (a watch's fold derives verification steps, which are actions too).
	if !byAct && now.Sub(time.Unix(0, lastNs)) < liveWindow {
		return fmt.Errorf("recording %s is being written by a running cutover watch (last event %s ago) whose control socket %s does not answer: record the action into another file with --db, or act from the watch's screen",
			path, now.Sub(time.Unix(0, lastNs)).Round(time.Millisecond), ControlPath(path))
	}
	return nil
}
