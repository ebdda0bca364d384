package session

import (
	"slices"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/monitor/config"
)

func TestExpectFor(t *testing.T) {
	f, err := config.Load("../../fixtures/cutover.toml")
	if err != nil {
		t.Fatal(err)
	}
	var legacy, fresh []string
	for _, tr := range f.Cutover.Trunks {
		if tr.Role == monitor.RoleLegacy {
			legacy = append(legacy, tr.Name)
		} else {
			fresh = append(fresh, tr.Name)
		}
	}
	failover := action.Request{Type: action.Failover, Target: "sbc-srv"}
	outbound := action.Request{Type: action.Outbound, Target: "+15551230001", To: fresh[0]}
	cases := []struct {
		name    string
		req     action.Request
		undoing *action.Request
		want    *monitor.ActionExpect
	}{
		{"failover", failover, nil, &monitor.ActionExpect{Dir: monitor.DirOut, Trunks: legacy}},
		{"restore", action.Request{Type: action.Restore, Target: "sbc-srv"}, nil, &monitor.ActionExpect{Dir: monitor.DirOut, Trunks: fresh}},
		{"undo of a failover", action.Request{Type: action.UndoType, Target: "sbc-srv"}, &failover, &monitor.ActionExpect{Dir: monitor.DirOut, Trunks: fresh}},
		{"outbound", outbound, nil, &monitor.ActionExpect{Dir: monitor.DirOut, Trunks: []string{fresh[0]}, Numbers: []string{"+15551230001"}}},
		{"undo of an outbound", action.Request{Type: action.UndoType, Target: "+15551230001"}, &outbound, nil},
		{"command", action.Request{Type: action.RunCommand, Target: "reload-dispatcher"}, nil, nil},
	}
	for _, tc := range cases {
		got := expectFor(f, tc.req, tc.undoing)
		if (got == nil) != (tc.want == nil) {
			t.Fatalf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
		if got == nil {
			continue
		}
		if got.Dir != tc.want.Dir || !slices.Equal(got.Trunks, tc.want.Trunks) || !slices.Equal(got.Numbers, tc.want.Numbers) ||
			got.Within != int64(5*time.Minute) || got.Calls != 3 {
			t.Errorf("%s: got %+v, want %+v within 5m, 3 calls", tc.name, got, tc.want)
		}
	}
}
