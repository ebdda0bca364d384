package action

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Apply checks the states are still the ones planned, sets the ones that
// change and reads the set back.
func (k *KamDispatcher) Apply(ctx context.Context, pl Plan) (Result, error) {
	var p dsPlan
	if err := json.Unmarshal([]byte(pl.Data), &p); err != nil {
		return Result{}, fmt.Errorf("dispatcher: bad plan: %w", err)
	}
	ctx, cancel := withTimeout(ctx, k.Timeout)
	defer cancel()
	res := Result{Plan: pl}
	cur, err := k.list(ctx)
	if err != nil {
		return res, err
	}
	for _, c := range p.Changes {
		if !sameState(cur[c.URI], c.Before) {
			return res, fmt.Errorf("dispatcher: %s is %s, the plan read %s: %w", c.URI, stateName(cur[c.URI]), stateName(c.Before), ErrChanged)
		}
	}
	undo := dsPlan{Set: p.Set}
	for _, c := range p.Changes {
		if sameState(c.Before, c.After) {
			continue
		}
		if err := k.rpc().call(ctx, "dispatcher.set_state", []any{c.After, p.Set, c.URI}, nil); err != nil {
			res.Undo = undoData(undo)
			return res, fmt.Errorf("dispatcher: set %s %s: %w%s", c.URI, stateName(c.After), err, k.nowHolds(ctx, p))
		}
		undo.Changes = append(undo.Changes, dsChange{URI: c.URI, Before: c.After, After: restoreState(c.Before)})
	}
	res.Undo = undoData(undo)
	got, err := k.list(ctx)
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrUnverified, err)
	}
	var lines []string
	bad := false
	for _, c := range p.Changes {
		lines = append(lines, fmt.Sprintf("%s %s (%s)", c.URI, stateName(got[c.URI]), got[c.URI]))
		bad = bad || !sameState(got[c.URI], c.After)
	}
	res.ReadBack = strings.Join(lines, "\n")
	if bad {
		return res, fmt.Errorf("dispatcher: %w:\n%s", ErrUnverified, res.ReadBack)
	}
	return res, nil
}

// restoreState is the set_state value that brings back listed FLAGS.
func restoreState(flags string) string {
	s := strings.ToLower(flags[:1])
	if len(flags) > 1 && strings.ContainsAny(flags[1:], "Pp") {
		s += "p"
	}
	return s
}

func undoData(p dsPlan) string {
	if len(p.Changes) == 0 {
		return ""
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// Undo plans setting the destinations back, provided they are still in
// the states the action left them in.
func (k *KamDispatcher) Undo(ctx context.Context, r Result) (Plan, error) {
	if r.Undo == "" {
		return Plan{}, ErrNoUndo
	}
	var p dsPlan
	if err := json.Unmarshal([]byte(r.Undo), &p); err != nil {
		return Plan{}, fmt.Errorf("dispatcher: bad undo data: %w", err)
	}
	ctx, cancel := withTimeout(ctx, k.Timeout)
	defer cancel()
	cur, err := k.list(ctx)
	if err != nil {
		return Plan{}, err
	}
	for i, c := range p.Changes {
		if !sameState(cur[c.URI], c.Before) {
			return Plan{}, fmt.Errorf("dispatcher: undo: %s is %s, the action left it %s: %w", c.URI, stateName(cur[c.URI]), stateName(c.Before), ErrChanged)
		}
		p.Changes[i].Before = cur[c.URI]
	}
	p.Changes = slices.Clip(p.Changes)
	return k.plan(Request{Type: UndoType, Target: r.Plan.Request.Target}, p), nil
}

// nowHolds reads the set again after a failed call, so the operator knows
// what it holds (a call that timed out may still have been applied).
func (k *KamDispatcher) nowHolds(ctx context.Context, p dsPlan) string {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	got, err := k.list(rctx)
	if err != nil {
		return fmt.Sprintf("; the set could not be read back either (%v): check it before acting again", err)
	}
	var b strings.Builder
	b.WriteString("; the set now holds:")
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "\n%s %s", c.URI, stateName(got[c.URI]))
	}
	return b.String()
}
