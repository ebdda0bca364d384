package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/store"
)

// steps turns the command line into actuator steps.
func (a *actor) steps(verb string, args []string, o *actOpts) ([]actStep, error) {
	f := a.f
	if o.priority != nil && verb != action.Failover && verb != action.Restore {
		return nil, fmt.Errorf("usage: --priority applies to failover and restore only: %w", errUsage)
	}
	switch verb {
	case action.Failover, action.Restore:
		return a.failoverSteps(verb, args, o.priority)
	case action.Outbound:
		if len(args) != 1 || o.to == "" {
			return nil, fmt.Errorf("usage: outbound takes one NUMBER or PREFIX* and --to TRUNK: %w", errUsage)
		}
		if !slices.ContainsFunc(f.Trunks, func(t config.TrunkSetup) bool { return t.Name == o.to }) {
			return nil, fmt.Errorf("--to %q is not a trunk of %s", o.to, f.Path)
		}
		req := action.Request{Type: action.Outbound, Target: args[0], To: o.to}
		return a.stepOf(req, action.UndoRef{Actuator: "outbound", Target: "outbound", Request: req})
	case action.RunCommand:
		if len(args) != 1 {
			return nil, fmt.Errorf("usage: command takes the NAME of an [[actions.command]]: %w", errUsage)
		}
		req := action.Request{Type: action.RunCommand, Target: args[0]}
		return a.stepOf(req, action.UndoRef{Actuator: "command", Target: args[0], Request: req})
	case action.UndoType:
		if len(args) != 1 {
			return nil, fmt.Errorf("usage: undo takes one ACTION-ID: %w", errUsage)
		}
		return a.undoSteps(args[0], o)
	}
	return nil, fmt.Errorf("usage: unknown action %q (want failover, restore, outbound, command or undo): %w", verb, errUsage)
}

// failoverSteps plans a failover or restore of the named targets (every
// one when none is named). prio, from --priority, sets the SRV priorities
// of one DNS target instead of swapping them.
func (a *actor) failoverSteps(verb string, names []string, prio map[string]uint16) ([]actStep, error) {
	f := a.f
	if len(f.Actions.Failover) == 0 {
		return nil, fmt.Errorf("%s has no [[actions.failover]]", f.Path)
	}
	if prio != nil && len(names) != 1 {
		return nil, fmt.Errorf("usage: --priority sets the SRV records of one TARGET: name it: %w", errUsage)
	}
	var steps []actStep
	for _, t := range f.Actions.Failover {
		if len(names) > 0 && !slices.Contains(names, t.Name) {
			continue
		}
		if prio != nil && t.DNS == nil {
			return nil, fmt.Errorf("--priority: failover target %s is not a DNS SRV target", t.Name)
		}
		req := action.Request{Type: verb, Target: t.Name, Priorities: prio}
		s, err := a.stepOf(req, action.UndoRef{Actuator: "failover", Target: t.Name, Request: req})
		if err != nil {
			return nil, err
		}
		steps = append(steps, s...)
	}
	if len(steps) != max(len(names), 1) && len(names) > 0 {
		return nil, fmt.Errorf("unknown failover target among %v in %s", names, f.Path)
	}
	return steps, nil
}

// undoSteps finds the action in the recording and plans its undo.
func (a *actor) undoSteps(id string, o *actOpts) ([]actStep, error) {
	path := firstNonEmpty(o.db, a.f.DB, defaultActDB)
	rd, err := store.OpenReader(path)
	if err != nil {
		return nil, err
	}
	rows, err := rd.Actions()
	_ = rd.Close()
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(rows, func(a store.ActionRow) bool { return a.ID == id })
	if i < 0 {
		return nil, fmt.Errorf("recording %s has no action %q", path, id)
	}
	step, err := a.undoStep(rows[i].ActionRecord)
	if err != nil {
		return nil, err
	}
	return []actStep{step}, nil
}

// undoStep plans nothing yet: it is the step that restores what rec
// changed, with the actuator its undo data names.
func (a *actor) undoStep(rec monitor.ActionRecord) (actStep, error) {
	id := rec.ID
	switch rec.State {
	case monitor.ActionUndone:
		return actStep{}, fmt.Errorf("action %s is already undone", id)
	case monitor.ActionRequested, monitor.ActionRunning:
		return actStep{}, fmt.Errorf("action %s is still %s", id, rec.State)
	}
	ref, err := action.ParseUndo(rec.Undo)
	if err != nil {
		return actStep{}, fmt.Errorf("action %s: %w", id, err)
	}
	act, err := a.actuator(ref)
	if err != nil {
		return actStep{}, err
	}
	res := &action.Result{Plan: action.Plan{Request: ref.Request}, Undo: ref.Data}
	return actStep{act: act, req: action.Request{Type: action.UndoType, Target: id}, ref: ref, undoing: &rec, undoRes: res}, nil
}

// stepOf is the one step of req, acted on by the actuator ref names.
func (a *actor) stepOf(req action.Request, ref action.UndoRef) ([]actStep, error) {
	act, err := a.actuator(ref)
	if err != nil {
		return nil, err
	}
	return []actStep{{act: act, req: req, ref: ref}}, nil
}

// actuator builds the actuator a step (or an undo reference) names:
// a.actuators' when set, otherwise the file's.
func (a *actor) actuator(ref action.UndoRef) (action.Actuator, error) {
	if a.actuators != nil {
		return a.actuators(ref)
	}
	f := a.f
	switch ref.Actuator {
	case "failover":
		for _, t := range f.Actions.Failover {
			if t.Name == ref.Target {
				return failoverActuator(t)
			}
		}
		return nil, fmt.Errorf("failover target %q is no longer in %s", ref.Target, f.Path)
	case "outbound":
		return outboundActuator(f.Actions.Outbound)
	case "command":
		return commandActuator(f.Actions.Commands, ref.Target)
	}
	return nil, fmt.Errorf("unknown actuator %q in the undo data", ref.Actuator)
}

// step plans, shows, confirms, applies and records one action.
func (r *actRun) step(ctx context.Context, s actStep) error {
	fmt.Fprintf(r.out, "\n== %s\n", s.title())
	plan, err := r.plan(ctx, s)
	if err != nil {
		return err
	}
	fmt.Fprint(r.out, plan.Diff)
	if plan.Notes != "" {
		fmt.Fprintln(r.out, plan.Notes)
	}
	switch {
	case r.o.dryRun:
		fmt.Fprintln(r.out, "dry run: nothing changed, nothing recorded")
		return nil
	case plan.NoChange:
		fmt.Fprintln(r.out, "nothing to change")
		return nil
	}
	if !r.o.yes && !r.confirm(s.title()) {
		return errors.Join(errors.New("declined: nothing changed"), r.decline(s, plan))
	}
	id, res, err := r.apply(ctx, s, plan)
	if id != "" {
		fmt.Fprintf(r.out, "action %s ", id)
	}
	if err != nil {
		fmt.Fprintln(r.out, "failed")
		return err
	}
	fmt.Fprintf(r.out, "done\nread back:\n%s\n", indent(res.ReadBack))
	if res.Notes != "" {
		fmt.Fprintln(r.out, res.Notes)
	}
	if res.Undo != "" {
		fmt.Fprintf(r.out, "undo with: cutover act undo %s -c %s --db %s\n", id, r.f.Path, r.path)
	}
	return nil
}

func (r *actRun) confirm(title string) bool {
	fmt.Fprintf(r.out, "apply %s? [y/N] ", title)
	line, _ := r.in.ReadString('\n')
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes"
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}
