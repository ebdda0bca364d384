package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/monitor/config"
)

// Runner is the one sequence every action goes through, from `cutover
// act` and from the screen alike: Steps (what the request means in the
// file's [actions]), Plan (a failed plan, or one with nothing to change,
// is recorded), then Decline (recorded as declined) or Apply (requested,
// running, done or failed, and the undone mark on the action an undo
// restores). Only the confirmation differs between them.
type Runner struct {
	f     *config.File
	audit *action.Audit // nil: a dry run, nothing is recorded
	// actuators, when set, builds every step's actuator instead of the
	// file's [actions] (the demo's simulated SBC); the file still names
	// the targets and the trunks.
	actuators func(action.UndoRef) (action.Actuator, error)
}

// NewRunner acts on f's [actions], recording with audit (nil: a dry run,
// nothing is recorded).
func NewRunner(f *config.File, audit *action.Audit) *Runner { return &Runner{f: f, audit: audit} }

// Step is one actuator asked to do one thing.
type Step struct {
	act     action.Actuator
	req     action.Request
	ref     action.UndoRef        // actuator and target, for the recorded undo data
	undoing *monitor.ActionRecord // undo: the action being undone
	undoRes *action.Result        // undo: what it left
}

// Title names a step for the operator: "failover sbc-srv", "port
// +1415555* completed".
func (s Step) Title() string {
	if s.req.Type == PortVerb {
		return PortVerb + " " + s.req.Target + " " + s.req.To
	}
	return s.req.Type + " " + s.req.Target
}

// Plan dry-runs s, with the traffic it expects and the alert it answers.
func (a *Runner) Plan(ctx context.Context, s Step) (action.Plan, error) {
	var plan action.Plan
	var err error
	if s.undoRes != nil {
		plan, err = s.act.Undo(ctx, *s.undoRes)
		plan.Request.Expect = expectFor(a.f, plan.Request, &s.ref.Request)
	} else {
		plan, err = s.act.Plan(ctx, s.req)
		plan.Request.Expect = expectFor(a.f, s.req, nil)
	}
	plan.Request.Prompted = s.req.Prompted
	switch {
	case err != nil:
		return plan, a.record(s, plan, action.Result{}, fmt.Errorf("plan: %w", err))
	case plan.NoChange: // nothing changes, so no traffic is expected to move
		plan.Request.Expect = nil
		return plan, a.record(s, plan, action.Result{ReadBack: "nothing to change: already so"}, nil)
	}
	return plan, nil
}

// Decline records a plan the operator did not confirm.
func (a *Runner) Decline(s Step, plan action.Plan) error {
	trail, err := a.audit.Requested(s.req.Type, s.req.Target, plan)
	if err == nil {
		err = trail.Declined()
	}
	return err
}

// Apply performs a confirmed plan and records each step; it returns the
// action's id and what was read back. An undo marks the action it
// restores as undone.
func (a *Runner) Apply(ctx context.Context, s Step, plan action.Plan) (string, action.Result, error) {
	trail, err := a.audit.Requested(s.req.Type, s.req.Target, plan)
	if err != nil {
		return "", action.Result{}, err
	}
	if err := trail.Running(); err != nil {
		return trail.ID(), action.Result{}, err
	}
	res, applyErr := s.act.Apply(ctx, plan)
	if err := trail.Finished(res, applyErr, s.ref); err != nil || applyErr != nil {
		return trail.ID(), res, errors.Join(applyErr, err)
	}
	if s.undoing != nil {
		return trail.ID(), res, a.audit.Undone(*s.undoing, trail.ID())
	}
	return trail.ID(), res, nil
}

// record audits a step that was not applied (its plan failed, or there
// was nothing to change).
func (a *Runner) record(s Step, plan action.Plan, res action.Result, err error) error {
	if a.audit == nil { // dry run
		return err
	}
	trail, aerr := a.audit.Requested(s.req.Type, s.req.Target, plan)
	if aerr == nil {
		aerr = trail.Finished(res, err, s.ref)
	}
	return errors.Join(err, aerr)
}
