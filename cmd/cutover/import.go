package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/stir"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
)

type importOpts struct {
	config   string
	db       string
	headless bool
	sipStat  bool
	logPath  string
}

func importFlags() (*flag.FlagSet, *importOpts) {
	o := &importOpts{}
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.StringVar(&o.config, "c", "", "cutover.toml: the trunks' addresses attribute traffic (default: none, counts only)")
	fs.StringVar(&o.db, "db", "", "record to this SQLite file (default: the config's db, else cutover-import-NAME-YYYYMMDD-HHMMSS.db)")
	fs.BoolVar(&o.headless, "headless", false, "no progress bar: a plain progress line every few seconds, for scripts")
	fs.BoolVar(&o.sipStat, "sip-stat", false, "after the summary, print SIP messages by response code and method (as tshark -z sip,stat)")
	fs.StringVar(&o.logPath, "log", "", "write the log to this file (default: stderr)")
	setUsage(fs, `Usage: cutover import CAPTURE [flags]

Turn a pcap or pcapng capture into a recording: every SIP message (UDP or
TCP, IPv4 or IPv6) becomes an event at its capture timestamp, folded and
recorded exactly as live traffic. Watch it afterwards with "cutover replay".

Flags:
`)
	return fs, o
}

func runImport(args []string, stdout, stderr io.Writer) error {
	fs, o := importFlags()
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	pos := fs.Args()
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "cutover import: give exactly one capture file (pcap or pcapng)")
		return errUsage
	}
	cfg, dbPath, verifier, err := importConfig(o, pos[0])
	if err != nil {
		return err
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	cr := &countingReader{r: f}
	rd, err := capture.NewReader(cr, capture.Options{})
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	logger, closeLog, err := newLogger(o.logPath, true, stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	imp := &importer{rd: rd, tally: capture.NewTally()}
	first, firstErr := imp.peek()

	st, err := store.Open(dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	started := time.Now().UnixNano()
	if firstErr == nil {
		started = first.Time
	}
	if _, err := st.BeginCutover(cfg, "import", started); err != nil {
		return err
	}
	w := store.NewWriter(st, store.WriterOptions{})
	s := &session{mode: tui.ModeReplay, cfg: cfg, path: st.Path(), recorder: w, lossless: true, headless: true, verifier: verifier,
		feed: imp.feed, logger: logger, stdout: stdout}
	bar := newProgressLine(stderr, size, o.headless)
	go bar.run(cr.n.Load, imp.sent.Load)
	out, runErr := s.run(context.Background())
	bar.stop()
	if err := w.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if out.snap != nil {
		if err := st.EndCutover(out.snap.Now); err != nil && runErr == nil {
			runErr = err
		}
	}
	fmt.Fprintln(stdout, importSummary(pos[0], st.Path(), rd.Stats(), out))
	if o.sipStat {
		fmt.Fprint(stdout, imp.tally.String())
	}
	if errors.Is(runErr, capture.ErrTruncated) {
		return fmt.Errorf("%s: %w; the %d messages before the cut are recorded in %s", pos[0], runErr, imp.sent.Load(), st.Path())
	}
	return runErr
}

// importConfig loads -c (if given), its STIR verifier (if it names a trust
// store), and picks the recording's path.
func importConfig(o *importOpts, capturePath string) (cfg monitor.Config, db string, v *stir.Verifier, err error) {
	db = o.db
	if o.config != "" {
		f, err := config.Load(o.config)
		if err != nil {
			return cfg, "", nil, err
		}
		if v, err = configVerifier(f); err != nil {
			return cfg, "", nil, err
		}
		cfg = f.Cutover
		if db == "" {
			db = f.DB
		}
	}
	if cfg.Name == "" {
		cfg.Name = "import of " + filepath.Base(capturePath)
	}
	if db == "" {
		base := strings.TrimSuffix(filepath.Base(capturePath), filepath.Ext(capturePath))
		db = "cutover-import-" + base + time.Now().Format("-20060102-150405.db")
	}
	return cfg, db, v, nil
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

func (im *importer) feed(ctx context.Context, pub func(context.Context, monitor.Event) error) error {
	if im.first != nil {
		im.tally.Add(im.first.SIP.Raw)
		if err := pub(ctx, *im.first); err != nil {
			return err
		}
		im.sent.Add(1)
		im.first = nil
	}
	err := im.endErr
	for err == nil {
		var ev monitor.Event
		if ev, err = im.rd.Next(); err != nil {
			break
		}
		im.tally.Add(ev.SIP.Raw)
		if err = pub(ctx, ev); err != nil {
			return err
		}
		im.sent.Add(1)
	}
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

func importSummary(capturePath, dbPath string, cs capture.Stats, out outcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "cutover import: %s: %d packets, %d SIP messages (%d UDP, %d TCP); not SIP: %d datagrams, %d keep-alives, %d other frames",
		capturePath, cs.Packets, cs.Messages, cs.UDP, cs.TCP, cs.NonSIP, cs.KeepAlives, cs.Skipped)
	if cs.Fragments > 0 || cs.FragDropped > 0 {
		fmt.Fprintf(&b, "; IP fragments: %d, %d datagrams rebuilt, %d given up", cs.Fragments, cs.Reassembled, cs.FragDropped)
	}
	if ts := cs.Stream; ts.Gaps > 0 || ts.Resyncs > 0 || ts.Evicted > 0 {
		fmt.Fprintf(&b, "; TCP: %d gaps, %d resyncs (%d bytes skipped), %d flows evicted", ts.Gaps, ts.Resyncs, ts.SkippedB, ts.Evicted)
	}
	if s := out.snap; s != nil {
		rate := float64(out.stats.Applied) / max(out.elapsed.Seconds(), 1e-3)
		fmt.Fprintf(&b, "; %d events folded (%d malformed) in %s (%.0f msgs/s), last at %s",
			out.stats.Applied, s.Malformed, out.elapsed.Round(time.Millisecond), rate, fmtTime(s.Now))
	}
	fmt.Fprintf(&b, "; recording %s", dbPath)
	return b.String()
}

func fmtTime(ns int64) string { return time.Unix(0, ns).UTC().Format("2006-01-02 15:04:05.000Z") }
