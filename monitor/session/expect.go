package session

import (
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/monitor/config"
)

// expectFor says which traffic will show that req worked, for the fold to
// verify (nil: nothing to watch). A failover expects the target's calls on
// the legacy trunks, a restore on the new ones, an outbound correction the
// number's outbound calls on the trunk it was moved to. undoing is the
// request of the action an undo restores (nil otherwise): undoing a
// failover expects what a restore does, and the reverse.
func expectFor(f *config.File, req action.Request, undoing *action.Request) *monitor.ActionExpect {
	a := f.Actions
	e := &monitor.ActionExpect{Within: int64(a.VerifyWindow), Calls: a.VerifyCalls}
	typ, target := req.Type, req.Target
	if undoing != nil {
		target = undoing.Target
		switch undoing.Type {
		case action.Failover:
			typ = action.Restore
		case action.Restore:
			typ = action.Failover
		default:
			return nil // an outbound route's previous trunk is the back end's value, not a trunk name
		}
	}
	switch typ {
	case action.Failover, action.Restore:
		e.Dir = monitor.DirOut
		for _, t := range a.Failover {
			if t.Name == target {
				e.Dir = t.Direction
			}
		}
		role := monitor.RoleLegacy
		if typ == action.Restore {
			role = monitor.RoleNew
		}
		for _, t := range f.Cutover.Trunks {
			if t.Role == role {
				e.Trunks = append(e.Trunks, t.Name)
			}
		}
	case action.Outbound:
		e.Dir, e.Trunks, e.Numbers = monitor.DirOut, []string{req.To}, []string{req.Target}
	default:
		return nil
	}
	if len(e.Trunks) == 0 {
		return nil
	}
	return e
}
