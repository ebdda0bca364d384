package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/store"
	"github.com/cutover/cutover/tui"
)

// portToml is a night of three numbers in two port requests, with no
// [actions]: setting a port state by hand needs none.
const portToml = `name = "port test"
[[trunks]]
name = "legacy"
role = "legacy"
addrs = ["192.0.2.10"]
[[trunks]]
name = "new"
role = "new"
addrs = ["203.0.113.10"]
[[numbers]]
number = "+14155550101"
port_request_id = "PR-1"
state = "pending"
[[numbers]]
number = "+14155550102"
port_request_id = "PR-1"
state = "pending"
[[numbers]]
number = "+14165550199"
port_request_id = "PR-2"
state = "approved"
`

func portSetup(t *testing.T, hep bool) (*config.File, string, string) {
	t.Helper()
	dir := t.TempDir()
	toml, db := filepath.Join(dir, "cutover.toml"), filepath.Join(dir, "night.db")
	doc := portToml
	if hep {
		doc = strings.Replace(doc, "name = \"port test\"\n", fmt.Sprintf("name = \"port test\"\n[hep]\nlisten = %q\n", freeAddr(t)), 1)
	}
	if err := os.WriteFile(toml, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(toml)
	if err != nil {
		t.Fatal(err)
	}
	return f, toml, db
}

// fold applies evs to the file's night and returns its numbers by E.164.
func fold(f *config.File, evs []monitor.Event) map[string]monitor.NumberView {
	s := monitor.NewState(f.Cutover)
	for _, ev := range evs {
		s.Apply(ev)
	}
	out := map[string]monitor.NumberView{}
	for _, n := range s.Snapshot().Numbers {
		out[n.E164] = n
	}
	return out
}

// `p` on the screen: the ScreenActor plans the numbers a target names, a
// decline records the action as declined and sets no state, y records
// one port-state event per number, Source operator, by the operator; the
// fold applies them (completed sets the activation).
func TestScreenActorSetsPortState(t *testing.T) {
	f, _, _ := portSetup(t, false)
	var mu sync.Mutex
	var evs []monitor.Event
	a := NewScreenActor(f, "Dana", func(ev monitor.Event) error {
		mu.Lock()
		defer mu.Unlock()
		evs = append(evs, ev)
		return nil
	})
	ctx := context.Background()
	req := tui.ActionRequest{Type: PortVerb, Target: "PR-1", To: "completed"}
	p, err := a.Plan(ctx, req)
	if err != nil || p.NoChange || p.Title != "port PR-1 completed" || !strings.Contains(p.Diff, "set 2 numbers to completed") ||
		!strings.Contains(p.Diff, "+14155550102") || strings.Contains(p.Diff, "+14165550199") {
		t.Fatalf("plan %+v, %v", p, err)
	}
	if err := a.Decline(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[1].Action.State != monitor.ActionDeclined || evs[1].Action.Error != "" {
		t.Fatalf("declined: %+v", evs)
	}
	p, _ = a.Plan(ctx, tui.ActionRequest{Type: PortVerb, Target: "+1415555*", To: "completed"})
	id, err := a.Apply(ctx, p.ID)
	if err != nil || !strings.HasPrefix(id, "port-") {
		t.Fatalf("apply: %q %v", id, err)
	}
	var ports []monitor.PortChange
	var trail []string
	for _, ev := range evs {
		switch ev.Kind {
		case monitor.KindPortState:
			if ev.Source != monitor.SourceOperator {
				t.Errorf("port event from %q", ev.Source)
			}
			ports = append(ports, *ev.Port)
		case monitor.KindAction:
			trail = append(trail, ev.Action.Type+":"+string(ev.Action.State))
		}
	}
	if want := []string{"port:requested", "port:declined", "port:requested", "port:running", "port:done"}; !slices.Equal(trail, want) {
		t.Errorf("audit %v, want %v", trail, want)
	}
	if len(ports) != 2 || ports[0].Number != "+14155550101" || ports[1].Request != "PR-1" ||
		ports[0].State != monitor.PortCompleted || !strings.HasPrefix(ports[0].By, "Dana (") {
		t.Fatalf("port events %+v", ports)
	}
	nums := fold(f, evs)
	if n := nums["+14155550101"]; n.PortState != monitor.PortCompleted || n.Activated == 0 {
		t.Errorf("folded %+v", n)
	}
	if n := nums["+14165550199"]; n.PortState != monitor.PortApproved {
		t.Errorf("a number outside the target moved: %+v", n)
	}
	for _, bad := range []tui.ActionRequest{
		{Type: PortVerb, Target: "+19995550000", To: "completed"},
		{Type: PortVerb, Target: "PR-1", To: "done"},
	} {
		if _, err := a.Plan(ctx, bad); err == nil {
			t.Errorf("planned %+v", bad)
		}
	}
}

// `cutover port set` through a running watch: the port-state events go
// through the control socket into the watch's recording, committed,
// with the audit; the declined one sets nothing.
func TestPortSetThroughARunningWatch(t *testing.T) {
	f, toml, db := portSetup(t, true)
	stopWatch := startWatch(t, f, db)
	code, out := actRunCmd(t, "n\n", "port", "denied", "+14165550199", "-c", toml, "--db", db)
	if code != 1 || !strings.Contains(out, "apply port +14165550199 denied? [y/N]") || !strings.Contains(out, "declined") {
		t.Fatalf("declined port set: %d\n%s", code, out)
	}
	code, out = actRunCmd(t, "y\n", "port", "completed", "PR-1", "-c", toml, "--db", db, "--operator", "Dana")
	if code != 0 || !strings.Contains(out, "recording through the running watch") || !strings.Contains(out, "2 numbers recorded completed") {
		t.Fatalf("port set through the watch: %d\n%s", code, out)
	}
	stopWatch()
	rd, err := store.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var evs []monitor.Event
	var ports []monitor.Event
	err = rd.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		evs = append(evs, ev)
		if ev.Kind == monitor.KindPortState {
			ports = append(ports, ev)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ports) != 2 || ports[0].Source != monitor.SourceOperator || !strings.HasPrefix(ports[0].Port.By, "Dana (") ||
		ports[1].Port.Number != "+14155550102" {
		t.Fatalf("recorded port events %+v", ports)
	}
	nums := fold(f, evs)
	if n := nums["+14155550102"]; n.PortState != monitor.PortCompleted || n.Activated != ports[1].Time {
		t.Errorf("folded %+v", n)
	}
	if n := nums["+14165550199"]; n.PortState != monitor.PortApproved {
		t.Errorf("the declined port set changed %+v", n)
	}
	rows, _ := lab.RecordedActions(t, db)
	var audit []string
	for _, r := range rows {
		audit = append(audit, r.Type+" "+r.Target+":"+string(r.State))
	}
	if want := []string{"port +14165550199:declined", "port PR-1:done"}; !slices.Equal(audit, want) {
		t.Errorf("audit %v, want %v", audit, want)
	}
}
