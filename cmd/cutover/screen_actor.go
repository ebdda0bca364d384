package main

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

// screenActor is the watch screen's tui.Actor: the steps of `cutover act`
// and the same sequence (actor), with the screen's dialog as the
// confirmation. Its audit publishes into the watch's own pipeline, so the
// recording keeps a single writer.
type screenActor struct {
	actor
	mu      sync.Mutex
	pending map[string]pendingPlan
	seq     int
}

// pendingPlan is a plan shown on screen, waiting for y or a decline.
type pendingPlan struct {
	step actStep
	plan action.Plan
}

// newScreenActor acts on f's [actions] as operator, recording with publish
// (which must not drop: an action event is never lost to overload).
func newScreenActor(f *config.File, operator string, publish func(monitor.Event) error) *screenActor {
	return &screenActor{
		actor:   actor{f: f, audit: &action.Audit{Operator: action.Operator(operator), Record: publish}},
		pending: map[string]pendingPlan{},
	}
}

// hasActions says whether f configures anything the screen can do.
func hasActions(f *config.File) bool {
	return len(f.Actions.Failover) > 0 || f.Actions.Outbound != nil
}

func (a *screenActor) Operator() string { return a.audit.Operator }

func (a *screenActor) Targets() []string {
	names := make([]string, 0, len(a.f.Actions.Failover))
	for _, t := range a.f.Actions.Failover {
		names = append(names, t.Name)
	}
	return names
}

// Plan builds the step as `cutover act` would and dry-runs it.
func (a *screenActor) Plan(ctx context.Context, r tui.ActionRequest) (tui.ActionPlan, error) {
	s, err := a.stepFor(r)
	if err != nil {
		return tui.ActionPlan{}, err
	}
	plan, err := a.plan(ctx, s)
	if err != nil {
		return tui.ActionPlan{}, err
	}
	out := tui.ActionPlan{Title: s.title(), Diff: plan.Diff, Notes: plan.Notes, NoChange: plan.NoChange}
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
func (a *screenActor) stepFor(r tui.ActionRequest) (actStep, error) {
	switch r.Type {
	case action.Failover, action.Restore, action.Outbound:
		steps, err := a.steps(r.Type, []string{r.Target}, &actOpts{to: r.To})
		if err != nil {
			return actStep{}, err
		}
		s := steps[0]
		s.req.Prompted = r.Prompted
		return s, nil
	case action.UndoType:
		if r.Undo == nil {
			return actStep{}, fmt.Errorf("undo: which action?")
		}
		return a.undoStep(*r.Undo)
	}
	return actStep{}, fmt.Errorf("unknown action %q", r.Type)
}

func (a *screenActor) take(id string) (pendingPlan, error) {
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
func (a *screenActor) Apply(ctx context.Context, id string) (string, error) {
	p, err := a.take(id)
	if err != nil {
		return "", err
	}
	actID, _, err := a.apply(ctx, p.step, p.plan)
	return actID, err
}

// Decline records a plan the operator did not confirm.
func (a *screenActor) Decline(_ context.Context, id string) error {
	p, err := a.take(id)
	if err != nil {
		return err
	}
	return a.decline(p.step, p.plan)
}
