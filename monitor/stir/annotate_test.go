package stir

import (
	"context"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
)

// The simulator's outbound INVITEs carry Identity headers signed with the
// fixtures' SP key: they verify as valid, B from +100m to +150m on the new trunk.
func TestAnnotateSimulatorNight(t *testing.T) {
	v := fixturesVerifier(t)
	o := sim.DefaultOptions()
	o.Numbers = 20
	night := sim.New(o)
	seen := map[string]int{}
	for {
		ev, ok := night.Next()
		if !ok {
			break
		}
		if !v.Annotate(context.Background(), &ev) {
			continue
		}
		if m := ev.SIP; m.Stir.Result != "no-identity" {
			seen[m.Stir.Result+"/"+m.Stir.Attest]++
			off := time.Duration(ev.Time - o.Start.UnixNano())
			if off > 101*time.Minute && off < 149*time.Minute && m.Stir.Attest == "A" && isNewTrunk(m) {
				t.Fatalf("attest A on the new trunk at +%v (B from +100m to +150m)", off)
			}
		}
		if v.Annotate(context.Background(), &ev) {
			t.Fatal("annotated twice")
		}
	}
	if seen["valid/A"] == 0 || seen["valid/B"] == 0 || len(seen) != 2 {
		t.Fatalf("verdicts over the night: %v", seen)
	}
}

func isNewTrunk(m *monitor.SIPMessage) bool {
	for _, tr := range sim.Config(sim.DefaultOptions()).Trunks {
		if tr.Role == monitor.RoleNew {
			for _, a := range tr.Addrs {
				if a.Matches(m.Dst) {
					return true
				}
			}
		}
	}
	return false
}
