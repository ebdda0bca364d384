package metrics

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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
	used := regexp.MustCompile(`cutover_[a-z0-9_]+`)
	exposed := map[string]bool{}
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	for _, d := range all {
		name := fq.FindStringSubmatch(d.String())[1]
		exposed[name] = true
		if d == callPDD { // a summary's series
			exposed[name+"_sum"], exposed[name+"_count"] = true, true
		}
	}
	var exprs []string
	for _, p := range readDashboard(t).panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
			if !used.MatchString(tg.Expr) { // a misspelt prefix queries nothing
				t.Errorf("panel %q: %q names no cutover_ metric", p.Title, tg.Expr)
			}
		}
	}
	if len(exprs) < 10 {
		t.Fatalf("the dashboard has %d queries", len(exprs))
	}
	rules, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range append(exprs, string(rules)) {
		for _, name := range used.FindAllString(src, -1) {
			if !exposed[name] {
				t.Errorf("%s is queried but not exposed", name)
			}
		}
	}
}

type gridPos struct{ X, Y, W, H int }

type datasource struct{ Type, UID string }

type panel struct {
	ID         int
	Type       string
	Title      string
	GridPos    gridPos
	Datasource *datasource
	Targets    []struct {
		RefID      string
		Datasource *datasource
		Expr       string
	}
	Panels      []panel // a collapsed row's
	FieldConfig struct {
		Defaults struct {
			Thresholds struct{ Steps []struct{ Value *float64 } }
		}
	}
}

// dashboard is the shipped dashboard: its panels (those inside collapsed
// rows too) and the names of its template variables.
type dashboard struct {
	panels    []panel
	variables map[string]bool
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Panels     []panel
		Templating struct{ List []struct{ Name string } }
	}
	if err := json.Unmarshal(raw, &parsed); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	d := dashboard{variables: map[string]bool{}}
	for _, p := range parsed.Panels {
		d.panels = append(d.panels, p)
		d.panels = append(d.panels, p.Panels...)
	}
	for _, v := range parsed.Templating.List {
		d.variables[v.Name] = true
	}
	return d
}

// The dashboard's panels each have their own id and place on the 24
// columns of Grafana's grid, none over another, and query the data source
// picked on import.
func TestDashboardLayout(t *testing.T) {
	panels := readDashboard(t).panels
	ids := map[int]string{}
	for i, p := range panels {
		if other, dup := ids[p.ID]; dup {
			t.Errorf("panels %q and %q share id %d", other, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		g := p.GridPos
		if g.X < 0 || g.Y < 0 || g.W <= 0 || g.H <= 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v is off the grid", p.Title, g)
		}
		for _, q := range panels[:i] {
			if h := q.GridPos; g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
				t.Errorf("panel %q (%+v) overlaps %q (%+v)", p.Title, g, q.Title, h)
			}
		}
		if p.Type == "row" {
			continue
		}
		want := datasource{Type: "prometheus", UID: "${datasource}"}
		if p.Datasource == nil || *p.Datasource != want {
			t.Errorf("panel %q: datasource %v, want %v", p.Title, p.Datasource, want)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.Datasource == nil || *tg.Datasource != want || tg.RefID == "" || refs[tg.RefID] {
				t.Errorf("panel %q: query %q has datasource %v, refId %q (want %v and its own refId)",
					p.Title, tg.Expr, tg.Datasource, tg.RefID, want)
			}
			refs[tg.RefID] = true
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
	}
}

// grafanaVar is a dashboard variable in a query: $name or ${name}.
var grafanaVar = regexp.MustCompile(`\$\{?(\w+)\}?`)

// grafanaValues stand for the dashboard's variables and Grafana's own so
// that promtool can parse its queries.
var grafanaValues = map[string]string{"job": "cutover", "__rate_interval": "1m", "__interval": "1m", "__range": "1h"}

// Every query of the dashboard is PromQL that parses: promtool checks a
// rule file that records each.
func TestDashboardQueriesParse(t *testing.T) {
	promtool := lab.NeedTool(t, "promtool")
	dash := readDashboard(t)
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for _, p := range dash.panels {
		for _, tg := range p.Targets {
			expr := grafanaVar.ReplaceAllStringFunc(tg.Expr, func(v string) string {
				name := grafanaVar.FindStringSubmatch(v)[1]
				value, ok := grafanaValues[name]
				if !ok || (!dash.variables[name] && !strings.HasPrefix(name, "__")) {
					t.Errorf("panel %q: %q uses $%s, a variable the dashboard does not define", p.Title, tg.Expr, name)
				}
				return value
			})
			quoted, _ := json.Marshal(expr) // a JSON string is a YAML string
			fmt.Fprintf(&rules, "      - record: dashboard:panel_%d_%s\n        expr: %s\n", p.ID, tg.RefID, quoted)
		}
	}
	file := filepath.Join(t.TempDir(), "dashboard-rules.yml")
	if err := os.WriteFile(file, []byte(rules.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput(); err != nil {
		t.Errorf("promtool check rules (the dashboard's queries): %v\n%s\n%s", err, out, rules.String())
	}
}

// The dashboard's threshold lines are where the shipped rules fire: the
// NOC reads an alert against the line it sees.
func TestDashboardLinesAreTheRulesThresholds(t *testing.T) {
	panels := readDashboard(t).panels
	rules, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	for metric, rule := range map[string]*regexp.Regexp{
		"cutover_trunk_mos":                 regexp.MustCompile(`expr: cutover_trunk_mos < ([0-9.]+)`),
		"cutover_media_calls_one_way_total": regexp.MustCompile(`(?s)one_way_total\[5m\].*?\) > ([0-9.]+)`),
	} {
		m := rule.FindSubmatch(rules)
		if m == nil {
			t.Errorf("no rule on %s in %s", metric, rulesFile)
			continue
		}
		at, _ := strconv.ParseFloat(string(m[1]), 64)
		var lines []float64
		for _, p := range panels {
			if len(p.Targets) == 0 || !strings.Contains(p.Targets[0].Expr, metric+"{") {
				continue
			}
			for _, step := range p.FieldConfig.Defaults.Thresholds.Steps {
				if step.Value != nil {
					lines = append(lines, *step.Value)
				}
			}
		}
		if len(lines) != 1 || lines[0] != at {
			t.Errorf("the dashboard's lines on %s are %v, the rule fires at %v", metric, lines, at)
		}
	}
}
