package session

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/monitor/sipmsg"
)

// PortVerb is the action that sets port states by hand (`p` on the
// screen, `cutover port set`): planned (which numbers), confirmed y/N and
// audited like the other actions. Applying it records one port-state
// event per number, Source operator, with who set it; the fold applies
// them as it applies the porting API's.
const PortVerb = "port"

// portSteps is the step of `port STATE TARGET`: TARGET is a number, a
// prefix ending in * (+1415555*) or a port request id of the file.
func (a *Runner) portSteps(args []string) ([]Step, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("usage: port takes a STATE and a NUMBER, PREFIX* or REQUEST: %w", ErrUsage)
	}
	state := monitor.PortState(strings.ToLower(args[0]))
	if !state.Valid() {
		return nil, fmt.Errorf("usage: want a state among pending, approved, in_progress, completed, denied or cancelled, got %q: %w", args[0], ErrUsage)
	}
	req := action.Request{Type: PortVerb, Target: args[1], To: string(state)}
	return []Step{{act: &portActuator{run: a}, req: req}}, nil
}

// portActuator records port-state events: the only "system" it changes
// is the night's own record of where each port stands.
type portActuator struct{ run *Runner }

// portData is a port plan's Data: the numbers and the state they get.
type portData struct {
	State   monitor.PortState
	Numbers []portNumber
}

type portNumber struct {
	Number, Request string
	File            monitor.PortState // the state the file gives it
}

// portShown bounds the numbers a dry run lists one by one.
const portShown = 20

// Plan resolves the target against the file's numbers.
func (p *portActuator) Plan(_ context.Context, req action.Request) (action.Plan, error) {
	nums, err := portTargets(p.run.f.Cutover, req.Target)
	if err != nil {
		return action.Plan{}, err
	}
	d := portData{State: monitor.PortState(req.To), Numbers: nums}
	var b strings.Builder
	fmt.Fprintf(&b, "set %s to %s by hand:\n", plural(len(nums), "number"), d.State)
	for i, n := range nums {
		if i == portShown {
			fmt.Fprintf(&b, "  … and %d more\n", len(nums)-portShown)
			break
		}
		fmt.Fprintf(&b, "  %-16s %s (file: %s)\n", n.Number, n.Request, n.File)
	}
	data, _ := json.Marshal(d)
	plan := action.Plan{Request: req, Actuator: PortVerb, Diff: b.String(), Data: string(data)}
	switch d.State {
	case monitor.PortCompleted:
		plan.Notes = "completed sets a number's activation time (now) unless it already has one"
	case monitor.PortDenied, monitor.PortCancelled:
		plan.Notes = string(d.State) + " raises a critical alert on each number: its calls stay with the legacy provider"
	}
	return plan, nil
}

// Apply records one port-state event per number, as its operator.
func (p *portActuator) Apply(_ context.Context, plan action.Plan) (action.Result, error) {
	var d portData
	if err := json.Unmarshal([]byte(plan.Data), &d); err != nil {
		return action.Result{Plan: plan}, fmt.Errorf("port plan: %w", err)
	}
	au := p.run.audit
	now := time.Now
	if au.Now != nil {
		now = au.Now
	}
	for i, n := range d.Numbers {
		ev := monitor.Event{Time: now().UnixNano(), Kind: monitor.KindPortState, Source: monitor.SourceOperator,
			Port: &monitor.PortChange{Number: n.Number, State: d.State, Request: n.Request, By: au.Operator}}
		if err := au.Record(ev); err != nil {
			return action.Result{Plan: plan, ReadBack: fmt.Sprintf("%d of %d recorded", i, len(d.Numbers))}, fmt.Errorf("port %s: %w", n.Number, err)
		}
	}
	return action.Result{Plan: plan, ReadBack: plural(len(d.Numbers), "number") + " recorded " + string(d.State)}, nil
}

// Undo: set the state back with another `port`.
func (p *portActuator) Undo(context.Context, action.Result) (action.Plan, error) {
	return action.Plan{}, action.ErrNoUndo
}

// portTargets are the file's numbers target names: one number, those
// starting with a prefix ending in *, or those of a port request.
func portTargets(c monitor.Config, target string) ([]portNumber, error) {
	target = strings.TrimSpace(target)
	var match func(n monitor.Number) bool
	switch {
	case target == "":
		return nil, fmt.Errorf("usage: port: which NUMBER, PREFIX* or REQUEST? %w", ErrUsage)
	case strings.HasSuffix(target, "*"):
		pre := strings.TrimSuffix(target, "*")
		match = func(n monitor.Number) bool { return strings.HasPrefix(n.E164, pre) }
	case isRequest(c, target):
		match = func(n monitor.Number) bool { return n.PortRequestID == target }
	default:
		e := sipmsg.NormalizeE164(target, c.DefaultCountry)
		match = func(n monitor.Number) bool { return e != "" && n.E164 == e }
	}
	var out []portNumber
	for _, n := range c.Numbers {
		if match(n) {
			out = append(out, portNumber{Number: n.E164, Request: n.PortRequestID, File: n.PortState})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no number of the cutover file is %q (a number, a PREFIX* or a port request id)", target)
	}
	return out, nil
}

func isRequest(c monitor.Config, id string) bool {
	for _, n := range c.Numbers {
		if n.PortRequestID == id {
			return true
		}
	}
	return false
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// validPortEvent checks an operator's port-state event from the control
// socket and keeps only what an operator sets: the number, the state, its
// request and who.
func validPortEvent(ev monitor.Event) (monitor.Event, error) {
	p := ev.Port
	switch {
	case p == nil || !p.State.Valid():
		return ev, fmt.Errorf("a port-state event needs a state among pending, approved, in_progress, completed, denied or cancelled")
	case sipmsg.NormalizeE164(p.Number, "") != p.Number || p.Number == "":
		return ev, fmt.Errorf("a port-state event needs an E.164 number, got %q", p.Number)
	case strings.TrimSpace(p.By) == "":
		return ev, fmt.Errorf("a port-state event by hand says who set it")
	}
	return monitor.Event{Time: ev.Time, Kind: monitor.KindPortState, Source: monitor.SourceOperator,
		Port: &monitor.PortChange{Number: p.Number, State: p.State, Request: p.Request, By: p.By}}, nil
}
