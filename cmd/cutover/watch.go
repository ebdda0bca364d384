package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/cutover/cutover/monitor/session"
)

type watchOpts struct {
	inputOpts
	db   string
	mets string
	runOpts
	operator string
	readOnly bool
	ssh      string
	sshKeys  string
	from     session.StreamFrom
}

func watchFlags() (*flag.FlagSet, *watchOpts) {
	o := &watchOpts{}
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	o.inputOpts.flags(fs)
	fs.StringVar(&o.db, "db", "", "record to this SQLite file (default: the file's db, else cutover-live-YYYYMMDD-HHMMSS.db)")
	fs.StringVar(&o.mets, "metrics", "", "serve Prometheus /metrics here, overriding [metrics] listen (e.g. 127.0.0.1:9464)")
	o.runOpts.flags(fs, "collect and record until stopped, then print a summary", "until q, ctrl+c or SIGTERM")
	fs.StringVar(&o.operator, "operator", "", "who acts from the screen (f, F, o, u), recorded with $USER@hostname")
	fs.BoolVar(&o.readOnly, "read-only", false, "watch only: the action keys are off")
	fs.StringVar(&o.ssh, "ssh", "", "serve the war room over SSH at this address, overriding [ssh] listen (e.g. 127.0.0.1:2222)")
	fs.StringVar(&o.sshKeys, "authorized-keys", "", "the SSH operators' keys, overriding [ssh] authorized_keys")
	fs.StringVar(&o.from.URL, "from", "", "fold the collectors' NATS JetStream stream (nats://HOST:PORT[/STREAM]) instead of HEP and probes")
	fs.DurationVar(&o.from.Window, "reorder", 0, "with --from: the reorder window by event time (default 2s)")
	setUsage(fs, "Usage: cutover watch -c cutover.toml [flags]\n\nWatch a real cutover: the HEPv3 collector (and with --iface a capture from a\nnetwork interface) and the probes feed the dashboard,\nand everything is recorded to SQLite.\n\nFlags:\n")
	return fs, o
}

func runWatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, o := watchFlags()
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if o.config == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "cutover watch: give the cutover file with -c cutover.toml (and no other argument)")
		return errUsage
	}
	if o.from.URL != "" {
		roomierHeap()
	}
	f, err := o.load()
	if err != nil {
		return err
	}
	f.SSH.Listen, f.SSH.AuthorizedKeys = cmp.Or(o.ssh, f.SSH.Listen), cmp.Or(o.sshKeys, f.SSH.AuthorizedKeys)
	if o.mets != "" {
		f.Metrics.Listen = o.mets
	}
	run, closeLog, err := o.runOpts.session(stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	wa := session.Watch{File: f, DB: o.db, Operator: o.operator, ReadOnly: o.readOnly, SSH: f.SSH, Session: run}
	if o.from.URL != "" {
		wa.From = &o.from
	}
	out, err := wa.Run(ctx)
	return summarise(stdout, "watch", out, err)
}
