package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/sipparse"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
)

// RecordedCalls reads a call's SIP messages from a recording for the
// screen's ladder view (it is a tui.CallReader): the recording a live
// watch or the demo is writing, or the one a replay plays. Each request
// opens the file, reads the events within CallSpan of the feed line's
// time and closes it again.
type RecordedCalls struct {
	Path string // the recording
	Dir  string // where e writes pcaps ("": beside the recording)
}

// CallSpan is how far around a feed line's event time the recording is
// read for the rest of its call: an INVITE's final answer comes within
// Timer C (3 min 32 s, see monitor/state.go) of it, so a line of the
// call's setup finds the whole setup. A BYE an hour after its INVITE
// shows with the messages near it only.
const CallSpan = 5 * time.Minute

// maxCallMessages caps a call's messages (a flood reusing one Call-ID).
const maxCallMessages = 2000

var errEnough = errors.New("session: enough messages")

// Call returns the messages of Call-ID id within CallSpan of at, oldest
// first, each with the trunks its addresses belong to, and the call's
// latest media report within that span.
func (rc RecordedCalls) Call(ctx context.Context, id string, at int64) (tui.CallLog, error) {
	r, err := store.OpenReader(rc.Path)
	if err != nil {
		return tui.CallLog{}, err
	}
	defer r.Close()
	cfg := r.Config()
	log := tui.CallLog{Span: CallSpan}
	after, err := r.SeqBefore(at - int64(CallSpan))
	if err != nil {
		return log, err
	}
	needle := []byte(id)
	err = r.Events(ctx, after, func(_ int64, ev monitor.Event) error {
		if ev.Time > at+int64(CallSpan) {
			return errEnough
		}
		if ev.Kind == monitor.KindMedia && ev.Media != nil && ev.Media.CallID == id {
			log.Media, log.MediaAt = ev.Media, ev.Time // the latest report within the span
			return nil
		}
		m := ev.SIP
		if ev.Kind != monitor.KindSIP || m == nil || !bytes.Contains(m.Raw, needle) || m.Decode(sipparse.Parse) != nil || m.Info.CallID != id {
			return nil
		}
		if len(log.Messages) == maxCallMessages {
			log.Truncated = true
			return errEnough
		}
		log.Messages = append(log.Messages, tui.CallMessage{Time: ev.Time, SIP: m, SrcTrunk: trunkAt(cfg, m.Src), DstTrunk: trunkAt(cfg, m.Dst)})
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return log, err
	}
	return log, nil
}

// trunkAt names the trunk whose addresses hold ap ("" for none).
func trunkAt(cfg monitor.Config, ap netip.AddrPort) string {
	for _, t := range cfg.Trunks {
		for _, a := range t.Addrs {
			if a.Matches(ap) {
				return t.Name
			}
		}
	}
	return ""
}

// ExportCall writes the same messages as Call to a pcap, with the export
// code behind `cutover export --call` (whole or not at all, through a
// temporary file), beside the recording and named after it and the
// Call-ID, and returns its absolute path and how many messages it holds.
func (rc RecordedCalls) ExportCall(ctx context.Context, id string, at int64) (string, int, error) {
	r, err := store.OpenReader(rc.Path)
	if err != nil {
		return "", 0, err
	}
	defer r.Close()
	dir := rc.Dir
	if dir == "" {
		dir = filepath.Dir(rc.Path)
	}
	path, err := filepath.Abs(filepath.Join(dir, callPcapName(rc.Path, id)))
	if err != nil {
		return "", 0, err
	}
	f := capture.Filter{CallID: id, From: at - int64(CallSpan), To: at + int64(CallSpan) + 1}
	var n int
	err = store.ReplaceFile(path, func(bw io.Writer) error {
		w, err := capture.NewWriter(bw)
		if err != nil {
			return err
		}
		if err := capture.Export(ctx, r, f, w); err != nil {
			return err
		}
		if n = w.Written(); n == 0 {
			return fmt.Errorf("the recording holds no message of call %s within %v of %s", id, CallSpan,
				time.Unix(0, at).UTC().Format("15:04:05"))
		}
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	return path, n, nil
}

// callPcapName is NIGHT-call-CALLID.pcap for recording NIGHT.db, the
// Call-ID kept to letters, digits, '.', '-' and '_' (it comes from the
// network) and to 40 of them.
func callPcapName(recording, id string) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, id)
	if len(safe) > 40 {
		safe = safe[:40]
	}
	night := strings.TrimSuffix(filepath.Base(recording), filepath.Ext(recording))
	return night + "-call-" + safe + ".pcap"
}

// callsOf is the screen's CallReader for a session recording to (or
// replaying) path: none when there is no such file.
func callsOf(path string) tui.CallReader {
	if path == "" {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	return RecordedCalls{Path: path}
}
