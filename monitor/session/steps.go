package session

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/store"
)

// StepOptions are what a request says besides its verb and arguments.
type StepOptions struct {
	To       string            // outbound: the trunk the number's calls should leave by
	Priority map[string]uint16 // failover/restore of one DNS SRV target: set these priorities instead of swapping
	DB       string            // undo: the recording the action is in (default: the file's db, else DefaultActDB)
}

// ErrUsage marks a request that does not say what to do (a usage error).
var ErrUsage = errors.New("usage")

// Steps turns a request (verb, arguments, options) into actuator steps.
func (a *Runner) Steps(verb string, args []string, o StepOptions) ([]Step, error) {
	f := a.f
	if o.Priority != nil && verb != action.Failover && verb != action.Restore {
		return nil, fmt.Errorf("usage: --priority applies to failover and restore only: %w", ErrUsage)
	}
	switch verb {
	case action.Failover, action.Restore:
		return a.failoverSteps(verb, args, o.Priority)
	case action.Outbound:
		if len(args) != 1 || o.To == "" {
			return nil, fmt.Errorf("usage: outbound takes one NUMBER or PREFIX* and --to TRUNK: %w", ErrUsage)
		}
		if !slices.ContainsFunc(f.Trunks, func(t config.TrunkSetup) bool { return t.Name == o.To }) {
			return nil, fmt.Errorf("--to %q is not a trunk of %s", o.To, f.Path)
		}
		req := action.Request{Type: action.Outbound, Target: args[0], To: o.To}
		return a.stepOf(req, action.UndoRef{Actuator: "outbound", Target: "outbound", Request: req})
	case action.RunCommand:
		if len(args) != 1 {
			return nil, fmt.Errorf("usage: command takes the NAME of an [[actions.command]]: %w", ErrUsage)
		}
		req := action.Request{Type: action.RunCommand, Target: args[0]}
		return a.stepOf(req, action.UndoRef{Actuator: "command", Target: args[0], Request: req})
	case PortVerb:
		return a.portSteps(args)
	case action.UndoType:
		if len(args) != 1 {
			return nil, fmt.Errorf("usage: undo takes one ACTION-ID: %w", ErrUsage)
		}
		return a.undoSteps(args[0], o)
	}
	return nil, fmt.Errorf("usage: unknown action %q (want failover, restore, outbound, command, port or undo): %w", verb, ErrUsage)
}

// failoverSteps plans a failover or restore of the named targets (every
// one when none is named). prio, from --priority, sets the SRV priorities
// of one DNS target instead of swapping them.
func (a *Runner) failoverSteps(verb string, names []string, prio map[string]uint16) ([]Step, error) {
	f := a.f
	if len(f.Actions.Failover) == 0 {
		return nil, fmt.Errorf("%s has no [[actions.failover]]", f.Path)
	}
	if prio != nil && len(names) != 1 {
		return nil, fmt.Errorf("usage: --priority sets the SRV records of one TARGET: name it: %w", ErrUsage)
	}
	var steps []Step
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
func (a *Runner) undoSteps(id string, o StepOptions) ([]Step, error) {
	path := cmp.Or(o.DB, a.f.DB, DefaultActDB)
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
	return []Step{step}, nil
}

// undoStep plans nothing yet: it is the step that restores what rec
// changed, with the actuator its undo data names.
func (a *Runner) undoStep(rec monitor.ActionRecord) (Step, error) {
	id := rec.ID
	switch rec.State {
	case monitor.ActionUndone:
		return Step{}, fmt.Errorf("action %s is already undone", id)
	case monitor.ActionRequested, monitor.ActionRunning:
		return Step{}, fmt.Errorf("action %s is still %s", id, rec.State)
	}
	ref, err := action.ParseUndo(rec.Undo)
	if err != nil {
		return Step{}, fmt.Errorf("action %s: %w", id, err)
	}
	act, err := a.actuator(ref)
	if err != nil {
		return Step{}, err
	}
	res := &action.Result{Plan: action.Plan{Request: ref.Request}, Undo: ref.Data}
	return Step{act: act, req: action.Request{Type: action.UndoType, Target: id}, ref: ref, undoing: &rec, undoRes: res}, nil
}

// stepOf is the one step of req, acted on by the actuator ref names.
func (a *Runner) stepOf(req action.Request, ref action.UndoRef) ([]Step, error) {
	act, err := a.actuator(ref)
	if err != nil {
		return nil, err
	}
	return []Step{{act: act, req: req, ref: ref}}, nil
}

// actuator builds the actuator a step (or an undo reference) names:
// a.actuators' when set, otherwise the file's.
func (a *Runner) actuator(ref action.UndoRef) (action.Actuator, error) {
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
