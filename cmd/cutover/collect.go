package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/cutover/cutover/monitor/session"
)

type collectOpts struct {
	inputOpts
	to, site, logPath string
}

func collectFlags() (*flag.FlagSet, *collectOpts) {
	o := &collectOpts{}
	fs := flag.NewFlagSet("collect", flag.ContinueOnError)
	o.inputOpts.flags(fs)
	fs.StringVar(&o.to, "to", "", "the NATS JetStream server(s): nats://HOST:PORT[,nats://HOST2:PORT...][/STREAM] (default stream: CUTOVER_ and the cutover's name)")
	fs.StringVar(&o.site, "site", "", "this collector's site, carried by each event (default: the host's name)")
	fs.StringVar(&o.logPath, "log", "", "write the log to this file (default: stderr)")
	setUsage(fs, "Usage: cutover collect -c cutover.toml --to nats://HOST:PORT [flags]\n\nRun near an SBC: take in HEP (and with --iface a capture from a network\ninterface), run the probes, verify STIR and judge times here,\nand publish the events to the cutover's NATS JetStream stream (for cutover watch --from).\nStops on SIGTERM once the stream has acknowledged everything.\n\nFlags:\n")
	return fs, o
}

func runCollect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, o := collectFlags()
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if o.config == "" || o.to == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "cutover collect: give the cutover file with -c cutover.toml and the stream with --to nats://HOST:PORT")
		return errUsage
	}
	roomierHeap()
	f, err := o.load()
	if err != nil {
		return err
	}
	logger, closeLog, err := newLogger(o.logPath, true, stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	res, err := session.Collect{File: f, To: o.to, Site: o.site, Logger: logger}.Run(ctx)
	if res.Stream != "" {
		fmt.Fprintln(stdout, res.Summary())
	}
	return err
}
