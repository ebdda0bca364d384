package session

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
)

// `cutover act` through a running watch asks it how the trunks the calls
// would move to stand: an unhealthy one is shown and its name must be
// typed (y declines, --yes is refused); a healthy one takes y.
func TestActThroughAWatchGuardsAnUnhealthyTrunk(t *testing.T) {
	fake := &fakeHTable{m: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	toml, db := actSetup(t, srv.URL+"/RPC")
	snap := &monitor.Snapshot{Trunks: []monitor.TrunkView{
		{Name: "legacy", Role: monitor.RoleLegacy, OptionsUp: 1},
		{Name: "new", Role: monitor.RoleNew, OptionsUp: -1, OptionsCode: 408},
	}, Alerts: []monitor.AlertView{{AlertChange: monitor.AlertChange{Rule: monitor.RuleTimeoutBurst, Subject: "new",
		Open: true, Severity: monitor.SevCritical}}}}
	latest := func() *monitor.Snapshot { return snap }
	publish := func(context.Context, monitor.Event) error { return nil }
	stop, err := serveControl(context.Background(), db, publish, nil, latest, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	code, out := actRunCmd(t, "y\n", "outbound", "+14155550101", "--to", "new", "-c", toml, "--db", db)
	if _, set := fake.get("+14155550101"); code != 1 || set {
		t.Fatalf("y applied an outbound move onto a trunk in trouble: %d\n%s", code, out)
	}
	for _, want := range []string{"new (new) is unhealthy (OPTIONS down 408, CRIT timeout_burst)", "type new to apply", "declined"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out = actRunCmd(t, "", "outbound", "+14155550101", "--to", "new", "-c", toml, "--db", db, "--yes")
	if _, set := fake.get("+14155550101"); code != 1 || set || !strings.Contains(out, "--yes does not apply") {
		t.Fatalf("--yes onto a trunk in trouble: %d\n%s", code, out)
	}
	code, out = actRunCmd(t, "new\n", "outbound", "+14155550101", "--to", "new", "-c", toml, "--db", db)
	if v, _ := fake.get("+14155550101"); code != 0 || v != "2" {
		t.Fatalf("typed the name: %d %q\n%s", code, v, out)
	}
	snap.Trunks[1].OptionsUp, snap.Alerts = 1, nil // healthy again: y
	code, out = actRunCmd(t, "y\n", "outbound", "+14155550102", "--to", "new", "-c", toml, "--db", db)
	if v, _ := fake.get("+14155550102"); code != 0 || v != "2" || !strings.Contains(out, "new (new): healthy") || !strings.Contains(out, "[y/N]") {
		t.Fatalf("onto a healthy trunk: %d %q\n%s", code, v, out)
	}
}

// An undo moves the calls back where the undone action took them from.
func TestStepTargetsOfAnUndo(t *testing.T) {
	trunks := []TrunkHealth{{Name: "legacy", Role: monitor.RoleLegacy}, {Name: "new", Role: monitor.RoleNew}}
	for typ, want := range map[string]string{"failover": "new", "restore": "legacy", "outbound": "legacy"} {
		got := stepTargets(Step{req: action.Request{Type: "undo"}, undoing: &monitor.ActionRecord{Type: typ}}, trunks)
		if len(got) != 1 || got[0].Name != want {
			t.Errorf("undo of a %s moves calls to %+v, want %s", typ, got, want)
		}
	}
}
