package action

import (
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cutover/cutover/monitor"
)

// Audit turns each step of an action into a KindAction event: requested
// (with the dry run), running, then done or failed (with the read-back, the
// error and the undo data), and undone when a later action restores it.
// Every event carries the whole record, so the recording's latest event of
// an action says everything about it.
type Audit struct {
	Operator string                    // see Operator
	Record   func(monitor.Event) error // appends to the recording
	Now      func() time.Time          // nil: time.Now

	seq atomic.Uint64 // makes ids unique within one Audit even on a coarse clock
}

// Operator names who acts: $USER@hostname, with the --operator name in
// front when one is given ("Dana (dana@noc-3)").
func Operator(name string) string {
	u := os.Getenv("USER")
	if cur, err := user.Current(); err == nil && cur.Username != "" {
		u = cur.Username
	}
	host, _ := os.Hostname()
	who := u + "@" + host
	if name = strings.TrimSpace(name); name != "" {
		return name + " (" + who + ")"
	}
	return who
}

// UndoRef is what an action's Undo field holds: which actuator, for which
// configured target, and its undo data.
type UndoRef struct {
	Actuator string
	Target   string // the configured failover target, or the outbound back end
	Request  Request
	Data     string
}

// Trail is one action's audit.
type Trail struct {
	a   *Audit
	rec monitor.ActionRecord
}

func (a *Audit) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Audit) emit(rec monitor.ActionRecord) error {
	r := rec
	return a.Record(monitor.Event{Time: a.now().UnixNano(), Kind: monitor.KindAction, Source: monitor.SourceOperator, Action: &r})
}

// Requested records a planned action. typ is the action's type (failover,
// restore, outbound, command, undo), target what it acts on.
func (a *Audit) Requested(typ, target string, p Plan) (*Trail, error) {
	t := &Trail{a: a, rec: monitor.ActionRecord{
		ID:       typ + "-" + strconv.FormatInt(a.now().UnixNano(), 36) + strconv.FormatUint(a.seq.Add(1), 36),
		Type:     typ,
		State:    monitor.ActionRequested,
		Target:   target,
		Operator: a.Operator,
		DryRun:   strings.TrimRight(p.Diff+p.Notes, "\n"),
		Expect:   p.Request.Expect,
		Prompted: p.Request.Prompted,
	}}
	return t, a.emit(t.rec)
}

// ID is the action's id in the recording.
func (t *Trail) ID() string { return t.rec.ID }

// Record is the action as it stands.
func (t *Trail) Record() monitor.ActionRecord { return t.rec }

// Running records that the action is being applied.
func (t *Trail) Running() error {
	t.rec.State = monitor.ActionRunning
	return t.a.emit(t.rec)
}

// Finished records the outcome: done when err is nil, failed otherwise.
// ref names the actuator and target, so a later session can undo it.
func (t *Trail) Finished(res Result, err error, ref UndoRef) error {
	t.rec.State = monitor.ActionDone
	t.rec.Result = strings.TrimRight(strings.TrimSpace(res.ReadBack+"\n"+res.Notes), "\n")
	if err != nil {
		t.rec.State = monitor.ActionFailed
		t.rec.Error = err.Error()
	}
	if res.Undo != "" {
		ref.Data = res.Undo
		b, _ := json.Marshal(ref)
		t.rec.Undo = string(b)
	}
	return t.a.emit(t.rec)
}

// Declined records a plan the operator did not confirm, so the
// recording shows it was asked. Nothing changed, and nothing failed.
func (t *Trail) Declined() error {
	t.rec.State = monitor.ActionDeclined
	return t.a.emit(t.rec)
}

// Undone marks an earlier action as undone by the action undoneBy.
func (a *Audit) Undone(rec monitor.ActionRecord, undoneBy string) error {
	rec.State = monitor.ActionUndone
	rec.Result = strings.TrimSpace(rec.Result + "\nundone by " + undoneBy)
	return a.emit(rec)
}

// ParseUndo reads an action's Undo field.
func ParseUndo(s string) (UndoRef, error) {
	var ref UndoRef
	if s == "" {
		return ref, ErrNoUndo
	}
	if err := json.Unmarshal([]byte(s), &ref); err != nil {
		return ref, fmt.Errorf("undo data: %w", err)
	}
	return ref, nil
}
