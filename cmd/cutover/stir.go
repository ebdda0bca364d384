package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cutover/cutover/monitor/stir"
	"github.com/cutover/cutover/monitor/termsafe"
)

const stirUsage = `Usage: cutover stir verify [flags] FILE|-

Verify the STIR/SHAKEN Identity header(s) of one SIP request read from FILE
(or stdin with -) and print the verdict: attest, orig, dest, iat, x5u and
each check's outcome. Exit status 0 when valid, 1 when not, 2 when the input
or the flags are unusable.

Flags:
`

type stirOpts struct {
	now       string
	trust     string
	certs     string
	offline   bool
	anyPort   bool
	asJSON    bool
	freshness time.Duration
	country   string
	timeout   time.Duration
}

func stirFlags() (*flag.FlagSet, *stirOpts) {
	o := &stirOpts{}
	fs := flag.NewFlagSet("stir verify", flag.ContinueOnError)
	fs.StringVar(&o.now, "now", "", "capture time the checks are measured against, RFC 3339 (default: the current time)")
	fs.StringVar(&o.trust, "trust", "", "STI-CA trust store: a PEM file or a directory of them (system roots are never used)")
	fs.StringVar(&o.certs, "certs", "", "offline certificate directory: x5u https://host/p/c.pem is read from DIR/host/p/c.pem or DIR/c.pem")
	fs.BoolVar(&o.offline, "offline", false, "never fetch x5u over the network")
	fs.BoolVar(&o.anyPort, "any-port", false, "fetch x5u URLs on any port (ATIS-1000074 allows 443 and 8443 only)")
	fs.BoolVar(&o.asJSON, "json", false, "print the verdict as JSON")
	fs.DurationVar(&o.freshness, "freshness", 60*time.Second, "how old iat may be at the capture time")
	fs.StringVar(&o.country, "country", "", "country code letting national numbers match international ones (e.g. 1)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "x5u fetch timeout")
	setUsage(fs, stirUsage)
	return fs, o
}

// runStir is "cutover stir ...": it returns the exit status itself, since
// "invalid" (1) is a verdict here, not a failure of the command.
func runStir(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "verify" {
		fs, _ := stirFlags()
		fs.SetOutput(stderr)
		fs.Usage()
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
			return 0
		}
		return 2
	}
	fs, o := stirFlags()
	if err := parse(fs, args[1:], stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "cutover stir verify: want exactly one FILE (or - for stdin)")
		return 2
	}
	vd, err := stirVerify(o, fs.Arg(0), stdin, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "cutover stir verify: %s\n", termsafe.Line(err.Error()))
		return 2
	}
	if o.asJSON {
		enc := json.NewEncoder(termsafe.JSONWriter{W: stdout})
		enc.SetIndent("", "  ")
		_ = enc.Encode(vd)
	} else {
		printVerdict(stdout, vd)
	}
	if vd.Result != stir.Valid {
		return 1
	}
	return 0
}

func stirVerify(o *stirOpts, name string, stdin io.Reader, stderr io.Writer) (stir.Verdict, error) {
	at := time.Now()
	if o.now != "" {
		t, err := time.Parse(time.RFC3339, o.now)
		if err != nil {
			return stir.Verdict{}, fmt.Errorf("--now: %v", err)
		}
		at = t
	}
	var trust *x509.CertPool
	if o.trust != "" {
		var err error
		if trust, err = stir.LoadTrust(o.trust); err != nil {
			return stir.Verdict{}, err
		}
	} else {
		fmt.Fprintln(stderr, "cutover stir verify: no --trust given: no STI-CA is trusted, so no certificate can be")
	}
	raw, err := readInput(name, stdin)
	if err != nil {
		return stir.Verdict{}, err
	}
	v, err := stir.NewVerifier(stir.Options{
		Trust: trust, Freshness: o.freshness, CountryCode: o.country, Timeout: o.timeout,
		Certs: stir.NewFetcher(stir.FetcherOptions{Dir: o.certs, Offline: o.offline, AnyPort: o.anyPort, Timeout: o.timeout}),
	})
	if err != nil {
		return stir.Verdict{}, err
	}
	return v.VerifyRaw(context.Background(), normalizeLineEnds(raw), at)
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	const maxMsg = 1 << 20
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxMsg+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxMsg {
		return nil, errors.New("input larger than 1 MiB: not one SIP request")
	}
	return b, nil
}

// normalizeLineEnds turns a request saved with bare LF line ends (an
// editor, a wiki page) into CRLF, and makes sure the headers end.
func normalizeLineEnds(b []byte) []byte {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	if !strings.Contains(s, "\n\n") {
		s = strings.TrimRight(s, "\n") + "\n\n"
	}
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

// printVerdict lays the verdict out for a terminal. Claims, URLs and
// verstat are what the sender put in the request: each value goes through
// termsafe.Line, so a control character in it is shown escaped.
func printVerdict(w io.Writer, vd stir.Verdict) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, termsafe.Line(v))
		}
	}
	row("result", string(vd.Result))
	row("attest", vd.Attest)
	row("orig", vd.Orig)
	row("dest", strings.Join(vd.Dest, ", "))
	if vd.Iat != 0 {
		row("iat", fmt.Sprintf("%d (%s)", vd.Iat, time.Unix(vd.Iat, 0).UTC().Format(time.RFC3339)))
	}
	row("x5u", vd.X5U)
	row("origid", vd.OrigID)
	row("at", vd.At.Format(time.RFC3339))
	row("identity", fmt.Sprintf("%d header(s)", vd.Identities))
	if vd.Compact {
		row("form", "compact (..signature): claims not on the wire")
	}
	if vd.Verstat != nil {
		row("verstat", vd.Verstat.Raw+" ("+vd.Verstat.Source+")")
	}
	fmt.Fprintln(tw, "checks:")
	for _, c := range vd.Checks {
		if c.Detail == "" {
			fmt.Fprintf(tw, "  %s\t%s\n", c.Name, c.Status)
		} else {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Name, c.Status, termsafe.Line(c.Detail))
		}
	}
	tw.Flush()
}
