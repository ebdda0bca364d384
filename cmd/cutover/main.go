// Command cutover is a terminal war-room for the night a business ports its
// phone numbers from a legacy SIP provider to a new one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/cutover/cutover/monitor/termsafe"
)

const usage = `cutover: a terminal war-room for a SIP number-porting night.

Usage:
  cutover demo [flags]          watch a simulated cutover night (recorded to SQLite)
  cutover replay [flags] FILE   play a recording back through the same screen
  cutover stir verify [flags] FILE|-
                                verify a SIP request's STIR/SHAKEN Identity header
  cutover report [flags] FILE   the morning-after report (text, md, html, json)
  cutover export [flags] FILE   SIP messages back into a pcap (-o out.pcap)
  cutover watch -c FILE [flags] watch a real cutover: HEP collector, probes, recorded
                                (--from nats://HOST:PORT: the collectors' NATS stream instead)
  cutover collect -c FILE --to nats://HOST:PORT   near an SBC: HEP, --iface and probes into NATS
  cutover check -c FILE         validate a cutover file and summarise it
  cutover import CAPTURE [flags] turn a pcap/pcapng capture into a recording
  cutover act failover|restore|outbound|command|undo ... -c FILE [--yes]
                                act on the real systems: planned, confirmed, audited
  cutover port set STATE NUMBER|PREFIX*|REQUEST -c FILE [--yes]   port states by hand, audited
  cutover sweep -c FILE [--numbers RANGE|REQUEST] [--rate R] [--concurrency N]
                                a test-call sweep through a running watch: where each number lands
  cutover help [command]        show help
  cutover help rules            the alert rules: scope, severity, the key that fixes each

Run "cutover help COMMAND" for its flags.
`

// memoryLimit is the Go heap's soft limit unless GOMEMLIMIT says otherwise:
// room for the fold of 10,000 numbers and the queues (about 130 MB live at
// 5 M events), without letting SIP parsing's garbage double the heap
// (README, "Performance", has the measurements).
const memoryLimit = 200 << 20

// natsMemoryLimit is collect's and watch --from's: a watch's reorder
// window holds two seconds of events and a restarted collector its SBC's
// resend, and at 90,000 msgs/s under memoryLimit both spent most of their
// CPU in the GC (README, "Across sites: NATS JetStream").
const natsMemoryLimit = 512 << 20

// roomierHeap raises the heap's soft limit to natsMemoryLimit, unless
// GOMEMLIMIT says otherwise.
func roomierHeap() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(natsMemoryLimit)
	}
}

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// From the start: a signal before a command's session begins (SIGHUP
	// from a dropped SSH session among them) still ends it cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "demo":
		err = runDemo(ctx, rest, stdout, stderr)
	case "replay":
		err = runReplay(ctx, rest, stdout, stderr)
	case "stir":
		return runStir(rest, stdin, stdout, stderr)
	case "report":
		err = runReport(rest, stdout, stderr)
	case "export":
		err = runExport(rest, stdout, stderr)
	case "watch":
		err = runWatch(ctx, rest, stdout, stderr)
	case "collect":
		err = runCollect(ctx, rest, stdout, stderr)
	case "check":
		err = runCheck(rest, stdout, stderr)
	case "import":
		err = runImport(ctx, rest, stdout, stderr)
	case "act":
		err = runAct(ctx, "act", rest, stdin, stdout, stderr)
	case "port":
		err = runPort(ctx, rest, stdin, stdout, stderr)
	case "sweep":
		err = runSweep(rest, stdin, stdout, stderr)
	case "help", "-h", "-help", "--help":
		return runHelp(rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "cutover: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "cutover %s: %s\n", cmd, termsafe.Line(err.Error())) // it may quote a peer
		return 1
	}
}

// errUsage marks an error already explained to the user by a FlagSet.
var errUsage = errors.New("usage")

// setUsage makes fs print text, then its flags, for -h and usage errors.
func setUsage(fs *flag.FlagSet, text string) {
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), text)
		fs.PrintDefaults()
	}
}

// commandFlags gives each command's FlagSet, for "cutover help COMMAND".
var commandFlags = map[string]func() *flag.FlagSet{
	"demo":    func() *flag.FlagSet { fs, _ := demoFlags(); return fs },
	"replay":  func() *flag.FlagSet { fs, _ := replayFlags(); return fs },
	"stir":    func() *flag.FlagSet { fs, _ := stirFlags(); return fs },
	"report":  func() *flag.FlagSet { fs, _ := reportFlags(); return fs },
	"export":  func() *flag.FlagSet { fs, _ := exportFlags(); return fs },
	"watch":   func() *flag.FlagSet { fs, _ := watchFlags(); return fs },
	"collect": func() *flag.FlagSet { fs, _ := collectFlags(); return fs },
	"check":   func() *flag.FlagSet { fs, _ := checkFlags(); return fs },
	"import":  func() *flag.FlagSet { fs, _ := importFlags(); return fs },
	"act":     func() *flag.FlagSet { fs, _ := actFlags(); return fs },
	"port":    func() *flag.FlagSet { fs, _ := actFlags(); return fs },
	"sweep":   func() *flag.FlagSet { fs, _ := sweepFlags(); return fs },
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if args[0] == "rules" {
		writeRules(stdout)
		return 0
	}
	flags, ok := commandFlags[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "cutover help: unknown command %q\n", args[0])
		return 2
	}
	fs := flags()
	fs.SetOutput(stdout)
	fs.Usage()
	return 0
}

// parse parses flags that may come before or after the positional
// arguments ("replay night.db --speed 600"), turning a bad flag into
// errUsage after saying why in two lines: the error with the command's
// prefix, and where its flags are. -h prints the whole usage (and returns
// flag.ErrHelp). Afterwards fs.Args() are the positional arguments in
// order; "--" ends the flags.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(io.Discard) // the FlagSet would print the whole usage
	defer fs.SetOutput(stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stderr)
				fs.Usage()
				return err
			}
			fmt.Fprintf(stderr, "cutover %s: %s\nrun \"cutover help %s\" for its flags\n", fs.Name(), termsafe.Line(err.Error()), helpName(fs))
			return errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 || (len(args) > len(rest) && args[len(args)-len(rest)-1] == "--") {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

// helpName is the command "cutover help" shows fs's flags for: "stir"
// for "stir verify".
func helpName(fs *flag.FlagSet) string {
	name, _, _ := strings.Cut(fs.Name(), " ")
	return name
}
