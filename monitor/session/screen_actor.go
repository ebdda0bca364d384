package session

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/tui"
)

// ScreenActor is the screen's tui.Actor: the steps of `cutover act` and
// the same sequence (Runner), with the screen's dialog as the
// confirmation. Its audit records into the session's own pipeline, so the
// recording keeps a single writer.
type ScreenActor struct {
	run     *Runner
	mu      sync.Mutex
	pending map[string]pendingPlan
	seq     int
}

// pendingPlan is a plan shown on screen, waiting for y or a decline.
type pendingPlan struct {
	step Step
	plan action.Plan
}

// NewScreenActor acts on f's [actions] as operator, recording with record
// (which must not drop: an action event is never lost to overload; an
// Intake's Record waits for room).
func NewScreenActor(f *config.File, operator string, record func(monitor.Event) error) *ScreenActor {
	return &ScreenActor{
		run:     &Runner{f: f, audit: &action.Audit{Operator: action.Operator(operator), Record: record}},
		pending: map[string]pendingPlan{},
	}
}

func (a *ScreenActor) Operator() string { return a.run.audit.Operator }

func (a *ScreenActor) Targets() []string {
	names := make([]string, 0, len(a.run.f.Actions.Failover))
	for _, t := range a.run.f.Actions.Failover {
		names = append(names, t.Name)
	}
	return names
}

// Plan builds the step as `cutover act` would and dry-runs it.
func (a *ScreenActor) Plan(ctx context.Context, r tui.ActionRequest) (tui.ActionPlan, error) {
	s, err := a.stepFor(r)
	if err != nil {
		return tui.ActionPlan{}, err
	}
	plan, err := a.run.Plan(ctx, s)
	if err != nil {
		return tui.ActionPlan{}, err
	}
	out := tui.ActionPlan{Title: s.Title(), Diff: plan.Diff, Notes: plan.Notes, NoChange: plan.NoChange}
	if plan.NoChange {
		return out, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	out.ID = "plan-" + strconv.Itoa(a.seq)
	a.pending[out.ID] = pendingPlan{step: s, plan: plan}
	return out, nil
}

// stepFor builds the step `cutover act` would for r; an undo restores
// the action as the screen shows it.
func (a *ScreenActor) stepFor(r tui.ActionRequest) (Step, error) {
	switch r.Type {
	case action.Failover, action.Restore, action.Outbound:
		steps, err := a.run.Steps(r.Type, []string{r.Target}, StepOptions{To: r.To})
		if err != nil {
			return Step{}, err
		}
		s := steps[0]
		s.req.Prompted = r.Prompted
		return s, nil
	case PortVerb:
		steps, err := a.run.Steps(PortVerb, []string{r.To, r.Target}, StepOptions{})
		if err != nil {
			return Step{}, err
		}
		return steps[0], nil
	case action.UndoType:
		if r.Undo == nil {
			return Step{}, fmt.Errorf("undo: which action?")
		}
		return a.run.undoStep(*r.Undo)
	}
	return Step{}, fmt.Errorf("unknown action %q", r.Type)
}

func (a *ScreenActor) take(id string) (pendingPlan, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.pending[id]
	if !ok {
		return p, fmt.Errorf("no plan %q waiting", id)
	}
	delete(a.pending, id)
	return p, nil
}

// Apply performs a confirmed plan: requested, running, done or failed.
func (a *ScreenActor) Apply(ctx context.Context, id string) (string, error) {
	p, err := a.take(id)
	if err != nil {
		return "", err
	}
	actID, _, err := a.run.Apply(ctx, p.step, p.plan)
	return actID, err
}

// Decline records a plan the operator did not confirm.
func (a *ScreenActor) Decline(_ context.Context, id string) error {
	p, err := a.take(id)
	if err != nil {
		return err
	}
	return a.run.Decline(p.step, p.plan)
}
