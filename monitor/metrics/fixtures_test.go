package metrics

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/cutover/cutover/fixtures/lab"
)

const (
	rulesFile     = "../../fixtures/prometheus/cutover-rules.yml"
	rulesTestFile = "../../fixtures/prometheus/cutover-rules_test.yml"
	dashboardFile = "../../fixtures/grafana/cutover.json"
)

// The shipped Prometheus rules pass promtool's check and their unit tests
// (rules fire on the series a watch exposes, and stay quiet when fine).
func TestShippedRules(t *testing.T) {
	promtool := lab.NeedTool(t, "promtool")
	for _, args := range [][]string{{"check", "rules", rulesFile}, {"test", "rules", rulesTestFile}} {
		if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// Every cutover_ metric the rules and the dashboard query is one the
// Collector exposes: a renamed metric breaks this test, not the NOC's
// dashboard on the night.
func TestShippedQueriesUseExposedMetrics(t *testing.T) {
	exposed := map[string]bool{}
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	for _, d := range all {
		name := fq.FindStringSubmatch(d.String())[1]
		exposed[name] = true
		if d == callPDD { // a summary's series
			exposed[name+"_sum"], exposed[name+"_count"] = true, true
		}
	}
	dash, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Panels []struct {
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(dash, &parsed); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var exprs []string
	for _, p := range parsed.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	if len(exprs) < 10 {
		t.Fatalf("the dashboard has %d queries", len(exprs))
	}
	rules, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	used := regexp.MustCompile(`cutover_[a-z0-9_]+`)
	for _, src := range append(exprs, string(rules)) {
		for _, name := range used.FindAllString(src, -1) {
			if !exposed[name] {
				t.Errorf("%s is queried but not exposed", name)
			}
		}
	}
}
