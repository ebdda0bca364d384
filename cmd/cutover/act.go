package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/store"
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
	fs.StringVar(&o.db, "db", "", "record the audit into this recording (default: the file's db, else "+defaultActDB+")")
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

Each action is planned (what it would change), confirmed (y/N, default No,
unless --yes), applied with its timeout, read back, and recorded with who
did it and how to undo it. TARGET defaults to every [[actions.failover]].
Exit status: 0 done, 1 failed, refused or declined, 2 usage.

Flags:
`)
	return fs, o
}

const defaultActDB = "cutover-actions.db"

// parsePriority reads one --priority value, "host=10,host2=20"; the flag
// may be given more than once.
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

// parseInterleaved parses flags that may come before, between or after
// the positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args, stderr); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runAct(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, o := actFlags()
	pos, err := parseInterleaved(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) == 0 || o.config == "" {
		fmt.Fprintln(stderr, "cutover act: give what to do (failover, restore, outbound, command, undo) and -c cutover.toml")
		return errUsage
	}
	f, err := config.Load(o.config)
	if err != nil {
		return err
	}
	r := &actRun{actor: actor{f: f}, o: o, in: bufio.NewReader(stdin), out: stdout}
	steps, err := r.steps(pos[0], pos[1:], o)
	if err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprintln(stderr, "cutover act:", strings.TrimPrefix(err.Error(), "usage: "))
		}
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !o.dryRun {
		closeRec, err := r.openRecording()
		if err != nil {
			return err
		}
		defer closeRec()
	}
	var failed error
	for _, s := range steps {
		if err := r.step(ctx, s); err != nil {
			fmt.Fprintf(stdout, "FAILED: %v\n", err)
			failed = errors.Join(failed, err)
		}
	}
	return failed
}

// actRun carries one `cutover act` invocation.
type actRun struct {
	actor
	o    *actOpts
	in   *bufio.Reader
	out  io.Writer
	path string // the recording
}

// throughWatch records the audit through the control socket of the watch
// that is writing path, so the action lands in its recording and on its
// screen.
func (r *actRun) throughWatch(path string, cc *controlClient) func() {
	r.audit = &action.Audit{Operator: action.Operator(r.o.operator), Record: cc.Record}
	r.path = path
	fmt.Fprintf(r.out, "recording through the running watch into %s as %s\n", path, r.audit.Operator)
	return func() { _ = cc.Close() }
}

// openRecording opens (or creates) the recording the audit goes to.
func (r *actRun) openRecording() (func(), error) {
	path := firstNonEmpty(r.o.db, r.f.DB, defaultActDB)
	if cc, err := dialControl(path); err == nil {
		return r.throughWatch(path, cc), nil
	}
	if err := refuseLiveRecording(path, time.Now()); err != nil {
		return nil, err
	}
	st, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	if _, err := st.BeginCutover(r.f.Cutover, "live", time.Now().UnixNano()); err != nil && !errors.Is(err, store.ErrCutoverExists) {
		st.Close()
		return nil, err
	}
	w := store.NewWriter(st, store.WriterOptions{})
	r.audit = &action.Audit{
		Operator: action.Operator(r.o.operator),
		Record: func(ev monitor.Event) error {
			if err := w.Append([]monitor.Event{ev}); err != nil {
				return err
			}
			return w.Flush() // each step is on disk before the next one starts
		},
	}
	r.path = st.Path()
	fmt.Fprintf(r.out, "recording to %s as %s\n", st.Path(), r.audit.Operator)
	return func() { _ = w.Close(); _ = st.Close() }, nil
}
