package metrics

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/cutover/cutover/monitor/sipparse"
)

// fold folds the first n events of a simulated night of numbers ported
// numbers; it returns the fold to go on with.
func fold(tb testing.TB, numbers, n int) (*monitor.State, *sim.Night) {
	tb.Helper()
	o := sim.DefaultOptions()
	o.Numbers = numbers
	if numbers > 1000 {
		o.CallsPerNumberHour = 45
	}
	night := sim.New(o)
	st := monitor.NewState(sim.Config(o))
	more(st, night, n)
	return st, night
}

// more folds the night's next n events into st.
func more(st *monitor.State, night *sim.Night, n int) {
	for range n {
		ev, ok := night.Next()
		if !ok {
			return
		}
		if ev.SIP != nil {
			ev.SIP.Decode(sipparse.Parse)
		}
		st.Apply(ev)
		st.Drain(nil)
	}
}

func scrape(tb testing.TB, c *Collector) []byte {
	tb.Helper()
	rec := httptest.NewRecorder()
	Handler(c, slog.New(slog.DiscardHandler)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		tb.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

func stats() pipeline.Stats {
	return pipeline.Stats{Published: 900, Dropped: 3, Applied: 897, Handed: 950, Recorded: 940, Lost: 2, Queue: 5, QueueCap: 65536}
}

// value finds one sample's value in a scrape: name{labels} (labels in
// the exposition's order, sorted by name).
func value(t *testing.T, body []byte, series string) string {
	t.Helper()
	for line := range strings.SplitSeq(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			return rest
		}
	}
	t.Fatalf("no %s in the scrape", series)
	return ""
}

// A scrape of a real fold: promtool's linter accepts it, the counters are
// the fold's totals, the pipeline's stages are there, and no label carries
// a number (or any value not from a bounded set).
func TestScrapeOfAFold(t *testing.T) {
	st, _ := fold(t, 200, 20_000)
	snap := st.Snapshot()
	ps := stats()
	ps.Checkpoint = snap.Now - int64(90*time.Second)
	c := New(Options{Latest: func() (*monitor.Snapshot, pipeline.Stats) { return snap, ps },
		HEP: func() hep.Stats { return hep.Stats{Packets: 1000, KernelDropped: 7, QueueDropped: 4, Malformed: 2} }})
	body := scrape(t, c)

	promtool := lab.NeedTool(t, "promtool")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}

	for _, tr := range snap.Trunks {
		l := fmt.Sprintf(`{role="%s",trunk="%s"}`, tr.Role, tr.Name)
		if tr.Total.Attempts == 0 {
			t.Fatalf("trunk %s has no attempts: the night is too short for the test", tr.Name)
		}
		if got := value(t, body, "cutover_call_attempts_total"+l); got != fmt.Sprint(tr.Total.Attempts) {
			t.Errorf("%s attempts %s, want %d", tr.Name, got, tr.Total.Attempts)
		}
		if got := value(t, body, "cutover_calls_answered_total"+l); got != fmt.Sprint(tr.Total.Answered) {
			t.Errorf("%s answered %s, want %d", tr.Name, got, tr.Total.Answered)
		}
	}
	for series, want := range map[string]string{
		`cutover_events_dropped_total{stage="kernel"}`:      "7",
		`cutover_events_dropped_total{stage="parse_queue"}`: "4",
		`cutover_events_dropped_total{stage="pipeline"}`:    "3",
		`cutover_events_dropped_total{stage="recording"}`:   "2",
		`cutover_recorder_backlog_events`:                   "8",
		`cutover_checkpoint_age_seconds`:                    "90",
		`cutover_pipeline_queue_events`:                     "5",
		`cutover_sip_messages_total`:                        fmt.Sprint(snap.SIP),
	} {
		if got := value(t, body, series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
	// The numbers' port states add up to the numbers.
	total := 0
	for _, m := range regexp.MustCompile(`(?m)^cutover_numbers\{.*\} (\d+)$`).FindAllSubmatch(body, -1) {
		var n int
		fmt.Sscan(string(m[1]), &n)
		total += n
	}
	if total != len(snap.Numbers) {
		t.Errorf("cutover_numbers add up to %d, want %d", total, len(snap.Numbers))
	}
	if m := regexp.MustCompile(`cutover_\w+\{[^}]*(\+\d|\d+\.\d+\.\d+\.\d+)[^}]*\}`).Find(body); m != nil {
		t.Errorf("a label carries a number or an address: %s", m)
	}
}

// The counters only grow as the night goes on, past the windows' reach.
func TestCountersOnlyGrow(t *testing.T) {
	st, night := fold(t, 200, 5_000)
	var snap *monitor.Snapshot
	c := New(Options{Latest: func() (*monitor.Snapshot, pipeline.Stats) { return snap, pipeline.Stats{} }})
	re := regexp.MustCompile(`(?m)^(cutover_\w+_total\{[^}]*\}) (\S+)$`)
	prev := map[string]float64{}
	for step := range 8 {
		snap = st.Snapshot()
		for _, m := range re.FindAllSubmatch(scrape(t, c), -1) {
			var v float64
			fmt.Sscan(string(m[2]), &v)
			if p, ok := prev[string(m[1])]; ok && v < p {
				t.Fatalf("step %d: %s went down from %g to %g", step, m[1], p, v)
			}
			prev[string(m[1])] = v
		}
		more(st, night, 20_000) // about an hour of the night: the 15-minute window forgets
	}
	if len(prev) == 0 {
		t.Fatal("no counters scraped")
	}
}

// Before the first snapshot a scrape still answers, with the pipeline's figures.
func TestScrapeBeforeTheFirstSnapshot(t *testing.T) {
	c := New(Options{Latest: func() (*monitor.Snapshot, pipeline.Stats) { return nil, stats() }})
	body := scrape(t, c)
	if got := value(t, body, "cutover_pipeline_events_applied_total"); got != "897" {
		t.Errorf("applied = %s", got)
	}
	if bytes.Contains(body, []byte("cutover_call_attempts_total")) {
		t.Error("trunk figures without a snapshot")
	}
}

// Listen refuses a taken address before anything starts; Serve answers
// over HTTP until Close.
func TestServeAndClose(t *testing.T) {
	c := New(Options{Latest: func() (*monitor.Snapshot, pipeline.Stats) { return nil, stats() }})
	srv, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(srv.Addr().String()); err == nil || !strings.Contains(err.Error(), "metrics: listen on") {
		t.Fatalf("a taken address: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(c, slog.New(slog.DiscardHandler)) }()
	resp, err := http.Get("http://" + srv.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte("cutover_pipeline_queue_capacity_events 65536")) {
		t.Fatalf("scrape over HTTP:\n%s", body)
	}
	srv.Close()
	if err := <-done; err != nil {
		t.Fatalf("Serve after Close: %v", err)
	}
}
