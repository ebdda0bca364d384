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
		vd.WriteText(stdout)
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
		fmt.Fprint(stderr, "cutover stir verify: no --trust given, so no STI-CA is trusted: every\n"+
			"certificate is reported untrusted and no Identity can be valid. Give --trust\n"+
			"with the STI-CA roots (a PEM file or a directory of them).\n")
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
	return v.VerifyRaw(context.Background(), stir.NormalizeLineEnds(raw), at)
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
