package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/termsafe"
	"github.com/cutover/cutover/store"
)

// DefaultActDB is where `cutover act` records when neither --db nor the
// file names a recording.
const DefaultActDB = "cutover-actions.db"

// Act is one `cutover act`: each step of a request planned, shown,
// confirmed (unless Yes), applied with its timeout, read back and
// recorded, with who did it and how to undo it.
type Act struct {
	File     *config.File
	Verb     string   // failover, restore, outbound, command or undo
	Args     []string // its targets, number or action id
	Options  StepOptions
	Operator string
	Yes      bool // do not ask: apply the plan
	DryRun   bool // show the plan only: change nothing, record nothing
	// Confirm asks whether to apply the step titled title: y/N when word
	// is "", else the word must be typed (a target trunk in trouble: its
	// name, as on the screen).
	Confirm func(title, word string) bool
	Out     io.Writer
}

// Run does the act. An error wrapping ErrUsage says the request does not
// say what to do; any step that failed or was declined fails the act.
func (a Act) Run(ctx context.Context) error {
	r := &actRun{Act: a, run: NewRunner(a.File, nil)}
	steps, err := r.run.Steps(a.Verb, a.Args, a.Options)
	if err != nil {
		return err
	}
	if !a.DryRun {
		closeRec, err := r.openRecording()
		if err != nil {
			return err
		}
		defer closeRec()
	}
	var failed error
	for _, s := range steps {
		if err := r.step(ctx, s); err != nil {
			fmt.Fprintf(a.Out, "FAILED: %s\n", termsafe.Line(err.Error()))
			failed = errors.Join(failed, err)
		}
	}
	return failed
}

// actRun carries one Act under way.
type actRun struct {
	Act
	run   *Runner
	path  string         // the recording
	watch *ControlClient // the running watch recording it (nil: none)
}

// throughWatch records the audit through the control socket of the watch
// that is writing path, so the action lands in its recording and on its
// screen.
func (r *actRun) throughWatch(path string, cc *ControlClient) func() {
	r.run.audit = &action.Audit{Operator: action.Operator(r.Operator), Record: cc.Record}
	r.path, r.watch = path, cc
	fmt.Fprintf(r.Out, "recording through the running watch into %s as %s\n", path, r.run.audit.Operator)
	return func() { _ = cc.Close() }
}

// openRecording opens (or creates) the recording the audit goes to.
func (r *actRun) openRecording() (func(), error) {
	path := cmp.Or(r.Options.DB, r.File.DB, DefaultActDB)
	if cc, err := DialControl(path); err == nil {
		return r.throughWatch(path, cc), nil
	}
	if err := refuseLiveRecording(path, time.Now()); err != nil {
		return nil, err
	}
	st, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	if _, err := st.BeginCutover(r.File.Cutover, "live", time.Now().UnixNano()); err != nil && !errors.Is(err, store.ErrCutoverExists) {
		st.Close()
		return nil, err
	}
	w := store.NewWriter(st, store.WriterOptions{})
	r.run.audit = &action.Audit{
		Operator: action.Operator(r.Operator),
		Record: func(ev monitor.Event) error {
			if err := w.Append([]monitor.Event{ev}); err != nil {
				return err
			}
			return w.Flush() // each step is on disk before the next one starts
		},
	}
	r.path = st.Path()
	fmt.Fprintf(r.Out, "recording to %s as %s\n", st.Path(), r.run.audit.Operator)
	return func() { _ = w.Close(); _ = st.Close() }, nil
}

// step plans, shows, confirms, applies and records one action. What a
// peer answered (dry run, read-back, notes) is shown through termsafe.
func (r *actRun) step(ctx context.Context, s Step) error {
	fmt.Fprintf(r.Out, "\n== %s\n", s.Title())
	plan, err := r.run.Plan(ctx, s)
	if err != nil {
		return err
	}
	fmt.Fprint(r.Out, termsafe.Text(plan.Diff))
	if plan.Notes != "" {
		fmt.Fprintln(r.Out, termsafe.Text(plan.Notes))
	}
	switch {
	case r.DryRun:
		fmt.Fprintln(r.Out, "dry run: nothing changed, nothing recorded")
		return nil
	case plan.NoChange:
		fmt.Fprintln(r.Out, "nothing to change")
		return nil
	}
	word := r.guard(s)
	if word != "" && r.Yes {
		return errors.Join(fmt.Errorf("%s is unhealthy: --yes does not apply an action that moves calls onto it; run without --yes and type its name", word),
			r.run.Decline(s, plan))
	}
	if !r.Yes && (r.Confirm == nil || !r.Confirm(s.Title(), word)) {
		return errors.Join(errors.New("declined: nothing changed"), r.run.Decline(s, plan))
	}
	id, res, err := r.run.Apply(ctx, s, plan)
	if id != "" {
		fmt.Fprintf(r.Out, "action %s ", id)
	}
	if err != nil {
		fmt.Fprintln(r.Out, "failed")
		return err
	}
	fmt.Fprintf(r.Out, "done\nread back:\n%s\n", indent(termsafe.Text(res.ReadBack)))
	if res.Notes != "" {
		fmt.Fprintln(r.Out, termsafe.Text(res.Notes))
	}
	if res.Undo != "" {
		fmt.Fprintf(r.Out, "undo with: cutover act undo %s -c %s --db %s\n", id, r.File.Path, r.path)
	}
	return nil
}

// guard shows how the trunks step s moves calls to stand, as the running
// watch sees them, and returns the word to type instead of y: the first
// unhealthy one's name ("" = y). Without a watch their health is not
// known here, and it says so.
func (r *actRun) guard(s Step) string {
	if s.req.Type != "failover" && s.req.Type != "restore" && s.req.Type != "outbound" && s.undoing == nil {
		return ""
	}
	if r.watch == nil {
		fmt.Fprintln(r.Out, "the trunks' health is not known here (no running watch records this night)")
		return ""
	}
	trunks, err := r.watch.Health()
	if err != nil {
		fmt.Fprintln(r.Out, "the trunks' health is not known:", termsafe.Line(err.Error()))
		return ""
	}
	lines, word := guardLines(stepTargets(s, trunks))
	if len(lines) > 0 {
		fmt.Fprintln(r.Out, "the trunks the calls would move to, as the running watch sees them:")
	}
	for _, l := range lines {
		fmt.Fprintln(r.Out, termsafe.Line(l))
	}
	return word
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}
