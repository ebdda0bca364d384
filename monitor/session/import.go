package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/mediatrack"
	"github.com/cutover/cutover/monitor/stir"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
)

// Import turns a pcap or pcapng capture into a recording: every SIP
// message becomes an event at its capture timestamp, folded and recorded
// exactly as live traffic. RTP and RTCP are matched to their calls through
// the SDP (monitor/mediatrack) and recorded as per-call media reports.
type Import struct {
	Capture string
	File    *config.File // nil: no trunks, counts only
	DB      string       // default: the file's db, else cutover-import-NAME-YYYYMMDD-HHMMSS.db
	// Progress, when set, is started with the capture's size and how far
	// the import has got (bytes read, messages fed); it returns its stop.
	Progress func(size int64, read func() int64, msgs func() uint64) (stop func())
	Logger   *slog.Logger // an import is headless
}

// Imported is what an import leaves behind.
type Imported struct {
	Outcome
	Capture capture.Stats
	Tally   *capture.Tally // SIP messages by method and response code
	Media   mediatrack.Stats
	Sent    uint64 // messages fed to the fold
}

// Run imports the capture.
func (im Import) Run(ctx context.Context) (Imported, error) {
	cfg, dbPath, verifier, err := im.config()
	if err != nil {
		return Imported{}, err
	}
	f, err := os.Open(im.Capture)
	if err != nil {
		return Imported{}, fmt.Errorf("capture: %w", err)
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	cr := &countingReader{r: f}
	media := mediatrack.New(mediatrack.Options{NoMediaAfter: cfg.Thresholds.NoMediaAfter})
	rd, err := capture.NewReader(cr, capture.Options{Media: media})
	if err != nil {
		return Imported{}, fmt.Errorf("%s: %w", im.Capture, err)
	}
	src := &importer{rd: rd, tally: capture.NewTally()}
	first, firstErr := src.peek()
	st, err := store.Open(dbPath)
	if err != nil {
		return Imported{}, err
	}
	defer st.Close()
	started := time.Now().UnixNano()
	if firstErr == nil {
		started = first.Time
	}
	if _, err := st.BeginCutover(cfg, "import", started); err != nil {
		return Imported{}, err
	}
	w := store.NewWriter(st, store.WriterOptions{})
	in := NewIntake(IntakeOptions{Config: cfg, Recorder: w, Delivery: Lossless, Verifier: verifier,
		Time: monitor.TimeByNeighbours, Logger: im.Logger})
	s := New(in, Options{Mode: tui.ModeReplay, Path: st.Path(), Source: src, Headless: true, Logger: im.Logger})
	stop := func() {}
	if im.Progress != nil {
		stop = im.Progress(size, cr.n.Load, src.sent.Load)
	}
	out, runErr := finish(st, w, s, ctx)
	stop()
	res := Imported{Outcome: out, Capture: rd.Stats(), Tally: src.tally, Sent: src.sent.Load(), Media: media.Stats()}
	if errors.Is(runErr, capture.ErrTruncated) {
		runErr = fmt.Errorf("%s: %w; the %d messages before the cut are recorded in %s", im.Capture, runErr, res.Sent, st.Path())
	}
	return res, runErr
}

// config is the night's Config and STIR verifier (the file's, if any) and
// the recording's path.
func (im Import) config() (cfg monitor.Config, db string, v *stir.Verifier, err error) {
	db = im.DB
	if im.File != nil {
		if v, err = configVerifier(im.File); err != nil {
			return cfg, "", nil, err
		}
		cfg = im.File.Cutover
		if db == "" {
			db = im.File.DB
		}
	}
	if cfg.Name == "" {
		cfg.Name = "import of " + filepath.Base(im.Capture)
	}
	if db == "" {
		base := strings.TrimSuffix(filepath.Base(im.Capture), filepath.Ext(im.Capture))
		db = "cutover-import-" + base + time.Now().Format("-20060102-150405.db")
	}
	return cfg, db, v, nil
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// importer feeds a capture's events to the pipeline, losing none.
type importer struct {
	rd     *capture.Reader
	tally  *capture.Tally
	first  *monitor.Event
	endErr error
	sent   atomic.Uint64
}

// peek reads the first event, whose time starts the recorded cutover.
func (im *importer) peek() (monitor.Event, error) {
	ev, err := im.rd.Next()
	if err != nil {
		im.endErr = err
		return ev, err
	}
	im.first = &ev
	return ev, nil
}

func (im *importer) Feed(ctx context.Context, in *Intake) error {
	if im.first != nil {
		if err := im.publish(ctx, in, *im.first); err != nil {
			return err
		}
		im.first = nil
	}
	err := im.endErr
	for err == nil {
		var ev monitor.Event
		if ev, err = im.rd.Next(); err != nil {
			break
		}
		if err = im.publish(ctx, in, ev); err != nil {
			return err
		}
	}
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// publish feeds one event; a SIP message is tallied and counted as sent
// (a media report is not a message).
func (im *importer) publish(ctx context.Context, in *Intake, ev monitor.Event) error {
	sip := ev.SIP != nil
	if sip {
		im.tally.Add(ev.SIP.Raw)
	}
	if err := in.Publish(ctx, ev); err != nil {
		return err
	}
	if sip {
		im.sent.Add(1)
	}
	return nil
}

// Summary is the line an import leaves on the terminal.
func (r Imported) Summary(capturePath string) string {
	cs, out := r.Capture, r.Outcome
	var b strings.Builder
	fmt.Fprintf(&b, "cutover import: %s: %d packets, %d SIP messages (%d UDP, %d TCP); not SIP: %d datagrams, %d keep-alives, %d other frames",
		capturePath, cs.Packets, cs.Messages, cs.UDP, cs.TCP, cs.NonSIP, cs.KeepAlives, cs.Skipped)
	if cs.Fragments > 0 || cs.FragDropped > 0 {
		fmt.Fprintf(&b, "; IP fragments: %d, %d datagrams rebuilt, %d given up", cs.Fragments, cs.Reassembled, cs.FragDropped)
	}
	if cs.RTP+cs.RTCP+cs.MediaUnmatched > 0 || cs.MediaReports > 0 {
		fmt.Fprintf(&b, "; media: %d RTP and %d RTCP packets matched to calls (%d not), %d streams, %d media reports",
			cs.RTP, cs.RTCP, cs.MediaUnmatched, r.Media.Streams, cs.MediaReports)
	}
	if ts := cs.Stream; ts.Gaps > 0 || ts.Resyncs > 0 || ts.Evicted > 0 {
		fmt.Fprintf(&b, "; TCP: %d gaps, %d resyncs (%d bytes skipped), %d flows evicted", ts.Gaps, ts.Resyncs, ts.SkippedB, ts.Evicted)
	}
	if s := out.Snap; s != nil {
		rate := float64(out.Stats.Applied) / max(out.Elapsed.Seconds(), 1e-3)
		fmt.Fprintf(&b, "; %d events folded (%d malformed) in %s (%.0f msgs/s), last at %s",
			out.Stats.Applied, s.Malformed, out.Elapsed.Round(time.Millisecond), rate, fmtTime(s.Now))
	}
	fmt.Fprintf(&b, "; recording %s%s", out.Path, out.recorded())
	return b.String()
}

func fmtTime(ns int64) string { return time.Unix(0, ns).UTC().Format("2006-01-02 15:04:05.000Z") }
