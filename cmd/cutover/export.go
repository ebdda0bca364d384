package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/sipmsg"
	"github.com/cutover/cutover/store"
)

type exportOpts struct {
	callID, number, from, to, out string
}

func exportFlags() (*flag.FlagSet, *exportOpts) {
	o := &exportOpts{}
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.StringVar(&o.callID, "call", "", "only this Call-ID")
	fs.StringVar(&o.number, "number", "", "only the dialogs of this E.164 number (request URI, From, To or P-Asserted-Identity)")
	fs.StringVar(&o.from, "from", "", "from this event time: HH:MM[:SS] UTC on the recording's night, or YYYY-MM-DD HH:MM[:SS], or RFC 3339")
	fs.StringVar(&o.to, "to", "", "up to (not including) this event time, same forms as --from")
	fs.StringVar(&o.out, "o", "", "write the pcap here (required)")
	setUsage(fs, "Usage: cutover export [flags] -o out.pcap FILE.db\n\nWrite the recorded SIP messages back into a pcap (Ethernet/IP/UDP, original\ntimestamps in nanoseconds) that Wireshark, tshark and sngrep open. With no\nfilter every SIP message is written.\n\nFlags:\n")
	return fs, o
}

func runExport(args []string, stdout, stderr io.Writer) error {
	fs, o := exportFlags()
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 || o.out == "" {
		fmt.Fprintln(stderr, "cutover export: give one recording (FILE.db) and -o out.pcap")
		return errUsage
	}
	r, err := store.OpenReader(fs.Arg(0))
	if err != nil {
		return err
	}
	defer r.Close()
	cut := r.Cutover()
	f := capture.Filter{CallID: o.callID, Country: cut.Config.DefaultCountry}
	if o.number != "" {
		if f.Number = sipmsg.NormalizeE164(o.number, cut.Config.DefaultCountry); f.Number == "" {
			fmt.Fprintf(stderr, "cutover export: --number %q is not a telephone number\n", o.number)
			return errUsage
		}
	}
	for _, t := range []struct {
		s   string
		dst *int64
	}{{o.from, &f.From}, {o.to, &f.To}} {
		if t.s == "" {
			continue
		}
		if *t.dst, err = monitor.ParseTime(t.s, cut.StartedNs); err != nil {
			fmt.Fprintf(stderr, "cutover export: %v\n", err)
			return errUsage
		}
	}
	return writePcap(r, f, o.out, stdout)
}

func writePcap(r *store.Reader, f capture.Filter, path string, stdout io.Writer) error {
	file, err := store.OpenOwnFile(path, os.O_WRONLY|os.O_TRUNC)
	if err != nil {
		return err
	}
	defer file.Close()
	bw := bufio.NewWriter(file)
	w, err := capture.NewWriter(bw)
	if err != nil {
		return err
	}
	if err := capture.Export(context.Background(), r, f, w); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "cutover export: %d SIP messages written to %s\n", w.Written(), path)
	return nil
}
