package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

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
	if f.From != 0 && f.To != 0 && f.To <= f.From {
		fmt.Fprintf(stderr, "cutover export: --to %s (%s) is not after --from %s (%s): nothing would be exported\n",
			o.to, utc(f.To), o.from, utc(f.From))
		return errUsage
	}
	return writePcap(r, f, o, stdout)
}

func utc(ns int64) string { return time.Unix(0, ns).UTC().Format("2006-01-02 15:04:05Z") }

// writePcap writes the export whole or not at all (store.ReplaceFile): a
// failed export (a damaged recording, no message matching) leaves o.out
// as it was.
func writePcap(r *store.Reader, f capture.Filter, o *exportOpts, stdout io.Writer) error {
	untouched := "no file was written"
	if _, err := os.Lstat(o.out); err == nil {
		untouched = o.out + " is left as it was"
	}
	var written int
	err := store.ReplaceFile(o.out, func(bw io.Writer) error {
		w, err := capture.NewWriter(bw)
		if err != nil {
			return err
		}
		if err := capture.Export(context.Background(), r, f, w); err != nil {
			return fmt.Errorf("%w; %s", err, untouched)
		}
		if written = w.Written(); written == 0 {
			return fmt.Errorf("no SIP message matches%s; %s", describeFilter(o), untouched)
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "cutover export: %d SIP messages written to %s\n", written, o.out)
	return nil
}

// describeFilter names the filters given, as typed: " (--call X, --from Y)".
func describeFilter(o *exportOpts) string {
	var parts []string
	for _, f := range []struct{ name, v string }{{"--call", o.callID}, {"--number", o.number}, {"--from", o.from}, {"--to", o.to}} {
		if f.v != "" {
			parts = append(parts, f.name+" "+f.v)
		}
	}
	if len(parts) == 0 {
		return " (the recording holds none)"
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
