package metrics

import (
	"bytes"
	"testing"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/pipeline"
)

// An interface capture's kernel drops are a counter of their own and part
// of the kernel stage with the HEP socket's; without a capture there is
// no such series.
func TestCaptureKernelDrops(t *testing.T) {
	latest := func() (*monitor.Snapshot, pipeline.Stats) { return nil, stats() }
	hepStats := func() hep.Stats { return hep.Stats{KernelDropped: 7} }
	body := scrape(t, New(Options{Latest: latest, HEP: hepStats,
		Capture: func() capture.LiveStats { return capture.LiveStats{KernelDropped: 40, KernelPackets: 1000} }}))
	for series, want := range map[string]string{
		`cutover_capture_kernel_drops_total`:           "40",
		`cutover_events_dropped_total{stage="kernel"}`: "47",
	} {
		if got := value(t, body, series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
	body = scrape(t, New(Options{Latest: latest, HEP: hepStats}))
	if got := value(t, body, `cutover_events_dropped_total{stage="kernel"}`); got != "7" {
		t.Errorf("kernel stage without a capture = %s, want 7", got)
	}
	if bytes.Contains(body, []byte("cutover_capture_kernel_drops_total ")) {
		t.Errorf("no capture, yet a cutover_capture_kernel_drops_total series:\n%s", body)
	}
}
