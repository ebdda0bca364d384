package metrics

import (
	"bytes"
	"os/exec"
	"testing"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/pipeline"
)

// The media counters are the trunk's totals; its MOS gauge is the mean
// over 5 min, absent on a trunk with no call whose media ended.
func TestMediaMetrics(t *testing.T) {
	var m monitor.MediaMix
	m.Judged, m.OneWay, m.NoMedia, m.Bad = 40, 3, 2, 5
	for _, mos := range []float64{4.4, 4.2, 2.9} {
		m.AddMOS(mos)
	}
	snap := &monitor.Snapshot{Now: 1e18, Media: monitor.MediaCounts{Reports: 120, Unknown: 4}, Trunks: []monitor.TrunkView{
		{Name: "new", Role: monitor.RoleNew, Total: monitor.Stats{Media: m}},
		{Name: "legacy", Role: monitor.RoleLegacy},
	}}
	snap.Trunks[0].Win[monitor.Win5m].Media = m
	c := New(Options{Latest: func() (*monitor.Snapshot, pipeline.Stats) { return snap, stats() }})
	body := scrape(t, c)
	for series, want := range map[string]string{
		`cutover_media_calls_judged_total{role="new",trunk="new"}`:       "40",
		`cutover_media_calls_one_way_total{role="new",trunk="new"}`:      "3",
		`cutover_media_calls_no_media_total{role="new",trunk="new"}`:     "2",
		`cutover_media_calls_bad_total{role="new",trunk="new"}`:          "5",
		`cutover_trunk_mos{role="new",trunk="new"}`:                      "3.833333333333334",
		`cutover_media_calls_judged_total{role="legacy",trunk="legacy"}`: "0",
		`cutover_media_reports_total`:                                    "120",
		`cutover_media_reports_unknown_total`:                            "4",
	} {
		if got := value(t, body, series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
	if bytes.Contains(body, []byte(`cutover_trunk_mos{role="legacy"`)) {
		t.Error("a MOS for a trunk with no call whose media ended")
	}
	promtool := lab.NeedTool(t, "promtool")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}
