package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/session"
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
recorded exactly as live traffic; RTP and RTCP are matched to their calls
through the SDP and recorded as per-call media reports. Watch it afterwards
with "cutover replay".

Flags:
`)
	return fs, o
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, o := importFlags()
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "cutover import: give exactly one capture file (pcap or pcapng)")
		return errUsage
	}
	im := session.Import{Capture: fs.Arg(0), DB: o.db}
	if o.config != "" {
		f, err := config.Load(o.config)
		if err != nil {
			return err
		}
		im.File = f
	}
	logger, closeLog, err := newLogger(o.logPath, true, stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	im.Logger = logger
	im.Progress = func(size int64, read func() int64, msgs func() uint64) func() {
		bar := tui.NewProgressLine(stderr, size, o.headless)
		go bar.Run(read, msgs)
		return bar.Stop
	}
	res, err := im.Run(ctx)
	if res.Path != "" {
		fmt.Fprintln(stdout, res.Summary(fs.Arg(0)))
		if o.sipStat {
			fmt.Fprint(stdout, res.Tally.String())
		}
	}
	return err
}
