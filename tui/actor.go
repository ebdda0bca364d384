package tui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor"
)

// Actor performs the operator's actions from the screen (cmd/cutover
// builds it from the file's [actions]). Each action is planned (a dry run,
// nothing changes), shown, and then applied or declined: all of it is
// recorded by the Actor into the screen's own recording. The screen calls
// it only from commands, never from Update.
type Actor interface {
	// Operator is who acts (action.Operator): `u` undoes only their actions.
	Operator() string
	// Targets are the configured failover targets, in file order.
	Targets() []string
	// Plan dry-runs req. A failed plan and one with nothing to change are
	// recorded by the Actor; otherwise the plan waits for Apply or Decline.
	Plan(ctx context.Context, req ActionRequest) (ActionPlan, error)
	// Apply performs a plan and returns when it is done or failed, with the
	// recorded action's id.
	Apply(ctx context.Context, planID string) (string, error)
	// Decline records a plan the operator did not confirm.
	Decline(ctx context.Context, planID string) error
}

// ActionRequest is what the operator asked for.
type ActionRequest struct {
	Type     string // failover, restore, outbound or undo (the types of monitor.ActionRecord)
	Target   string // the failover target, the number, or (undo) the action's id
	To       string // outbound: the trunk the number's calls should leave by
	Prompted string // the key of the open alert the action answers ("" = none)
	// Undo is the action an undo restores, as the snapshot shows it.
	Undo *monitor.ActionRecord
}

// Types of request.
const (
	reqFailover = "failover"
	reqRestore  = "restore"
	reqOutbound = "outbound"
	reqUndo     = "undo"
)

// title names a request for the operator: "failover sbc-srv".
func (r ActionRequest) title() string {
	t := r.Type + " " + r.Target
	if r.To != "" {
		t += " → " + r.To
	}
	return t
}

// ActionPlan is a planned action: the dry run to show before asking.
type ActionPlan struct {
	ID       string // names the plan for Apply and Decline ("" when NoChange)
	Title    string
	Diff     string // before/after
	Notes    string // when the change is seen (TTLs, refresh intervals)
	NoChange bool   // already so: nothing to apply (and already recorded)
}

// Timeouts of the Actor's calls from the screen; the actuators have their
// own, shorter ones.
const (
	planTimeout  = 30 * time.Second
	applyTimeout = 2 * time.Minute
)

// plannedMsg carries the plans of a dialog's requests.
type plannedMsg struct {
	gen   int
	plans []ActionPlan
	err   error
}

// appliedMsg says how applying a dialog's plans ended.
type appliedMsg struct {
	gen int
	ids []string // the recorded actions
	err error
}

// declinedMsg says the declined plans are recorded.
type declinedMsg struct{ err error }

// planCmd plans each request in turn. When one fails, those already
// planned are declined: nothing is left waiting.
func planCmd(a Actor, gen int, reqs []ActionRequest) func() tea.Msg {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), planTimeout)
		defer cancel()
		var plans []ActionPlan
		for _, r := range reqs {
			p, err := a.Plan(ctx, r)
			if err != nil {
				for _, q := range plans {
					if !q.NoChange {
						_ = a.Decline(ctx, q.ID)
					}
				}
				return plannedMsg{gen: gen, err: err}
			}
			if p.Title == "" {
				p.Title = r.title()
			}
			plans = append(plans, p)
		}
		return plannedMsg{gen: gen, plans: plans}
	}
}

// applyCmd applies each plan in turn and stops at the first failure; the
// plans after it are recorded as declined, so every confirmed plan is in
// the audit.
func applyCmd(a Actor, gen int, plans []ActionPlan) func() tea.Msg {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), applyTimeout)
		defer cancel()
		var ids []string
		for i, p := range plans {
			if p.NoChange {
				continue
			}
			id, err := a.Apply(ctx, p.ID)
			if id != "" {
				ids = append(ids, id)
			}
			if err != nil {
				for _, rest := range plans[i+1:] {
					if !rest.NoChange {
						err = errors.Join(err, a.Decline(ctx, rest.ID))
					}
				}
				return appliedMsg{gen: gen, ids: ids, err: err}
			}
		}
		return appliedMsg{gen: gen, ids: ids}
	}
}

// declineCmd records every waiting plan as declined.
func declineCmd(a Actor, plans []ActionPlan) func() tea.Msg {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), planTimeout)
		defer cancel()
		var err error
		for _, p := range plans {
			if !p.NoChange {
				err = errors.Join(err, a.Decline(ctx, p.ID))
			}
		}
		return declinedMsg{err: err}
	}
}
