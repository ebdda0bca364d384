package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cutover/cutover/monitor/report"
	"github.com/cutover/cutover/monitor/session"
	"github.com/cutover/cutover/store"
)

type reportOpts struct {
	format string
	out    string
}

func reportFlags() (*flag.FlagSet, *reportOpts) {
	o := &reportOpts{}
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.StringVar(&o.format, "format", "text", "text, md, html or json")
	fs.StringVar(&o.out, "o", "", "write the report to this file (default stdout)")
	setUsage(fs, "Usage: cutover report [flags] FILE.db\n\nReport on a recorded night: timeline of port activations, alerts, actions\nand notes; per-trunk and per-number tables; numbers still landing on legacy;\nSIP messages by method and response code (as tshark -z sip,stat counts them).\nThe HTML report has inline SVG charts and needs no network to view.\n\nFlags:\n")
	return fs, o
}

func runReport(args []string, stdout, stderr io.Writer) error {
	fs, o := reportFlags()
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 || !slices.Contains(report.Formats, o.format) {
		fmt.Fprintf(stderr, "cutover report: give one recording (FILE.db) and --format %s\n", strings.Join(report.Formats, "|"))
		return errUsage
	}
	path := fs.Arg(0)
	r, err := store.OpenReader(path)
	if err != nil {
		return err
	}
	defer r.Close()
	notes, err := session.ReadSideNotes(path)
	if err != nil {
		return err
	}
	side := make([]report.Note, len(notes))
	for i, n := range notes {
		side[i] = report.Note(n)
	}
	rep, err := report.Build(context.Background(), r, side)
	if err != nil {
		return err
	}
	if o.out != "" { // whole or not at all
		return store.ReplaceFile(o.out, func(w io.Writer) error { return report.Write(w, rep, o.format) })
	}
	return report.Write(stdout, rep, o.format)
}
