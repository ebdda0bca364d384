package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/session"
)

type actOpts struct {
	config, db, operator, to string
	yes, dryRun              bool
	priority                 map[string]uint16 // --priority host=10,host2=20 (DNS SRV targets)
}

func actFlags() (*flag.FlagSet, *actOpts) {
	o := &actOpts{}
	fs := flag.NewFlagSet("act", flag.ContinueOnError)
	fs.StringVar(&o.config, "c", "", "the cutover file (cutover.toml)")
	fs.StringVar(&o.db, "db", "", "record the audit into this recording (default: the file's db, else "+session.DefaultActDB+")")
	fs.StringVar(&o.operator, "operator", "", "who acts, recorded with $USER@hostname")
	fs.StringVar(&o.to, "to", "", "outbound: the trunk the number's calls should leave by")
	fs.Func("priority", "failover/restore of one DNS SRV target: set these priorities (host=10,host2=20) instead of swapping", o.parsePriority)
	fs.BoolVar(&o.yes, "yes", false, "do not ask: apply the plan (for runbooks)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "show the plan only: change nothing, record nothing")
	setUsage(fs, `Usage:
  cutover act failover [TARGET...] -c cutover.toml   traffic back to the legacy provider
  cutover act restore  [TARGET...] -c cutover.toml   traffic forward to the new provider
  cutover act failover|restore TARGET --priority host=10,host2=20 -c cutover.toml
  cutover act outbound NUMBER|PREFIX* --to TRUNK -c cutover.toml
  cutover act command NAME -c cutover.toml           run a configured program
  cutover act undo ACTION-ID -c cutover.toml --db RECORDING
  cutover port set STATE NUMBER|PREFIX*|REQUEST -c cutover.toml

Each action is planned (what it would change), confirmed (y/N, default No,
unless --yes), applied with its timeout, read back, and recorded with who
did it and how to undo it. TARGET defaults to every [[actions.failover]].
Exit status: 0 done, 1 failed, refused or declined, 2 usage.

Flags:
`)
	return fs, o
}

// parsePriority reads one --priority value, "host=10,host2=20" (repeatable).
func (o *actOpts) parsePriority(v string) error {
	if o.priority == nil {
		o.priority = map[string]uint16{}
	}
	for _, kv := range strings.Split(v, ",") {
		host, num, ok := strings.Cut(strings.TrimSpace(kv), "=")
		p, err := strconv.ParseUint(strings.TrimSpace(num), 10, 16)
		if host = strings.TrimSpace(host); !ok || host == "" || err != nil {
			return fmt.Errorf("want HOST=PRIORITY (0-65535), got %q", kv)
		}
		o.priority[host] = uint16(p)
	}
	return nil
}

func runAct(ctx context.Context, name string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, o := actFlags()
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	pos := fs.Args()
	if len(pos) == 0 || o.config == "" {
		fmt.Fprintln(stderr, "cutover "+name+": give what to do (failover, restore, outbound, command, undo, or port set) and -c cutover.toml")
		return errUsage
	}
	f, err := config.Load(o.config)
	if err != nil {
		return err
	}
	in := bufio.NewReader(stdin)
	err = session.Act{
		File: f, Verb: pos[0], Args: pos[1:], Operator: o.operator, Yes: o.yes, DryRun: o.dryRun, Out: stdout,
		Options: session.StepOptions{To: o.to, Priority: o.priority, DB: o.db},
		Confirm: func(title, word string) bool { return confirm(in, stdout, title, word) },
	}.Run(ctx)
	if errors.Is(err, session.ErrUsage) {
		fmt.Fprintln(stderr, "cutover "+name+":", strings.TrimPrefix(err.Error(), "usage: "))
		return errUsage
	}
	return err
}

// runPort is `cutover port set STATE TARGET`, an act recording port states by hand.
func runPort(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "set" {
		fmt.Fprintln(stderr, "cutover port: want set STATE NUMBER|PREFIX*|REQUEST -c cutover.toml")
		return errUsage
	}
	return runAct(ctx, "port", append([]string{session.PortVerb}, args[1:]...), stdin, stdout, stderr)
}

// confirm is the y/N prompt: anything but y or yes is No. With a word
// (a target trunk in trouble), only the word typed applies.
func confirm(in *bufio.Reader, out io.Writer, title, word string) bool {
	if word != "" {
		fmt.Fprintf(out, "type %s to apply %s (anything else declines): ", word, title)
		line, _ := in.ReadString('\n')
		return strings.TrimSpace(line) == word
	}
	fmt.Fprintf(out, "apply %s? [y/N] ", title)
	line, _ := in.ReadString('\n')
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes"
}
