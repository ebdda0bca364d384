// Package action holds cutover's actuators: the things an operator's action
// request changes in the real world (DNS SRV priorities over RFC 2136,
// Kamailio's dispatcher and htable over JSON-RPC, a carrier's HTTP API, a
// configured program).
//
// Every actuator works in two steps. Plan reads the current state and says
// exactly what it would change (the dry run) and what restores it (the undo
// data); nothing is changed. Apply performs a Plan within its timeout,
// refuses when the state is no longer what Plan read, and reads the result
// back. Undo turns a Result (or its undo data from a recording) into a new
// Plan, so a rollback is planned, confirmed, applied and audited like any
// other action.
package action

import (
	"context"
	"errors"
	"time"

	"github.com/cutover/cutover/monitor"
)

// Request is what the operator asked for.
type Request struct {
	Type   string // failover, restore, outbound, command
	Target string // the configured failover target, number/range or command name
	To     string // outbound: the trunk the number's calls should leave by
	// Priorities sets the SRV priority of each target host of a DNS
	// failover or restore explicitly (nil: swap so the preferred
	// provider's records come first).
	Priorities map[string]uint16 `json:",omitempty"`
	// Expect is the traffic that will show it worked, and Prompted the
	// alert the operator acted on; both go into the audit for the fold to
	// verify (see monitor.ActionRecord).
	Expect   *monitor.ActionExpect `json:",omitempty"`
	Prompted string                `json:",omitempty"`
}

// Types of request.
const (
	Failover   = "failover" // send traffic back to the legacy provider
	Restore    = "restore"  // send traffic forward to the new provider
	Outbound   = "outbound" // move a number's (or range's) outbound route
	RunCommand = "command"  // run a configured program
	UndoType   = "undo"     // restore what an earlier action changed
)

// Plan is a dry run: what would change, and how to take it back.
type Plan struct {
	Request  Request
	Actuator string // which actuator made it: dnssrv, kamdispatcher, kamhtable, httpcall, command
	Diff     string // before/after, as shown to the operator
	Notes    string `json:",omitempty"` // when the change is seen (TTLs, refresh intervals)
	NoChange bool   `json:",omitempty"` // the state already is what was asked
	// Data is the actuator's own description of the change (JSON): the
	// state Plan read and the state Apply writes. Apply refuses when the
	// state is no longer the one read.
	Data string
}

// Result is an applied Plan, read back.
type Result struct {
	Plan     Plan
	ReadBack string // the state after the change, as read back
	Notes    string `json:",omitempty"`
	// Undo is what Undo needs to restore the state before (JSON); it is
	// recorded with the action so a later session can undo it too.
	Undo string
}

// Actuator changes one kind of real system.
type Actuator interface {
	Plan(ctx context.Context, req Request) (Plan, error)
	Apply(ctx context.Context, p Plan) (Result, error)
	// Undo plans the restoration of what r changed; Apply performs it.
	Undo(ctx context.Context, r Result) (Plan, error)
}

// Errors an actuator reports; match them with errors.Is.
var (
	// ErrChanged: the state is no longer what the plan read (another
	// operator, or the system itself, changed it). Nothing was changed.
	ErrChanged = errors.New("the current state is no longer what the plan read; nothing was changed, plan again")
	// ErrRefused: the system refused the change (permissions, policy).
	ErrRefused = errors.New("refused")
	// ErrUnverified: the change was sent but reading it back shows
	// something else.
	ErrUnverified = errors.New("read-back does not show the change")
	// ErrNoUndo: the action left nothing that could be undone.
	ErrNoUndo = errors.New("nothing to undo")
)

// DefaultTimeout bounds an actuator that is given none.
const DefaultTimeout = 10 * time.Second

// withTimeout applies d (or DefaultTimeout) to ctx.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		d = DefaultTimeout
	}
	return context.WithTimeout(ctx, d)
}
