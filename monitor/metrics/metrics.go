// Package metrics serves a watch's figures to Prometheus (/metrics).
//
// A Collector reads the fold's latest snapshot and the pipeline's counters
// on each scrape: the state lives in the fold, so nothing is counted twice
// and a scrape never waits on ingest. Labels stay bounded (trunk, role,
// response code, attestation, alert rule, severity, port request, port
// state): never one per number, address or Call-ID. Per-number figures
// stay in the recording and on the screen.
package metrics

import (
	"strconv"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/pipeline"
	"github.com/prometheus/client_golang/prometheus"
)

// Options say where a Collector reads its figures.
type Options struct {
	// Latest returns the fold's latest snapshot (nil before the first)
	// and the pipeline's counters: session.Intake.Latest.
	Latest func() (*monitor.Snapshot, pipeline.Stats)
	HEP    func() hep.Stats // the HEP collector's counters (nil: none)
	// Capture is the interface capture's counters (nil: none).
	Capture func() capture.LiveStats
}

// Collector is a prometheus.Collector over a watch's snapshot.
type Collector struct {
	o Options
}

// New returns a Collector reading what o says.
func New(o Options) *Collector { return &Collector{o: o} }

var trunkLabels = []string{"trunk", "role"}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("cutover_"+name, help, labels, nil)
}

func withTrunk(extra ...string) []string {
	return append(append([]string(nil), trunkLabels...), extra...)
}

// The metrics, documented in the README ("Prometheus metrics").
var (
	callAttempts  = desc("call_attempts_total", "Distinct call attempts (initial INVITEs) by trunk since the watch began.", trunkLabels...)
	callsComplete = desc("calls_completed_total", "Call attempts with a final response (the ASR/NER denominator), by trunk.", trunkLabels...)
	callsAnswered = desc("calls_answered_total", "Call attempts answered (2xx), by trunk.", trunkLabels...)
	callsFailed   = desc("calls_failed_total", "Call attempts with a final response >= 400 (auth challenges excluded), by trunk.", trunkLabels...)
	callsEffect   = desc("calls_effective_total", "Answered attempts plus user-side outcomes (480, 486, 487, 600, 603): the NER numerator, by trunk.", trunkLabels...)
	callsShort    = desc("calls_short_total", "Answered calls that ended within thresholds.short_call, by trunk.", trunkLabels...)
	callPDD       = desc("call_pdd_seconds", "Post-dial delay (INVITE to first 180/183) of call attempts, by trunk.", trunkLabels...)
	finalCodes    = desc("invite_final_responses_total", "Final responses to INVITE transactions by trunk and response code.", withTrunk("code")...)
	attestations  = desc("stir_attestations_total", "Outbound calls by STIR/SHAKEN attestation (A, B, C, none, invalid), by trunk.", withTrunk("attestation")...)
	asr           = desc("trunk_asr_ratio", "Answer-seizure ratio of the attempts in the window (absent with no completed attempt).", withTrunk("window")...)
	ner           = desc("trunk_ner_ratio", "Network effectiveness ratio of the attempts in the window (absent with no completed attempt).", withTrunk("window")...)
	optionsUp     = desc("trunk_options_up", "1 when the trunk answers OPTIONS, 0 when it does not (absent until known).", trunkLabels...)
	optionsRTT    = desc("trunk_options_rtt_seconds", "Round-trip time of the trunk's last answered OPTIONS.", trunkLabels...)
	registration  = desc("trunk_registration_state", "1 for the trunk's current registration state, 0 for the others.", withTrunk("state")...)
	lastCall      = desc("trunk_last_call_timestamp_seconds", "Event time of the trunk's last call attempt (absent before the first).", trunkLabels...)
	mediaJudged   = desc("media_calls_judged_total", "Answered calls whose media was judged (thresholds.no_media_after past the answer), by trunk.", trunkLabels...)
	mediaOneWay   = desc("media_calls_one_way_total", "Judged calls with RTP in one direction only, by trunk.", trunkLabels...)
	mediaNone     = desc("media_calls_no_media_total", "Judged calls with no RTP either way, by trunk.", trunkLabels...)
	mediaBad      = desc("media_calls_bad_total", "Calls with a stream past a loss, jitter or MOS threshold (counted when their media ended), by trunk.", trunkLabels...)
	trunkMOS      = desc("trunk_mos", "Mean MOS (each call's worst stream) of the calls whose media ended in the last 5 min (absent with none).", trunkLabels...)

	numbers     = desc("numbers", "Ported numbers by port request and port state.", "port_request", "port_state")
	serving     = desc("numbers_serving", "Ported numbers by the role of the trunk their last call landed by (none: no call yet).", "port_request", "role")
	alertsOpen  = desc("alerts_open", "Open alerts by rule and severity.", "rule", "severity")
	sipMessages = desc("sip_messages_total", "SIP messages folded.")
	sipBad      = desc("sip_malformed_total", "SIP messages that did not parse.")
	quarantined = desc("events_quarantined_total", "Events recorded but not folded: their time was too far from the clock.")
	evicted     = desc("calls_evicted_total", "Calls forgotten before their end because the table of calls in flight was full.")
	mediaSeen   = desc("media_reports_total", "Media reports (a call's RTP streams so far) folded.")
	mediaLost   = desc("media_reports_unknown_total", "Media reports for a call the fold did not know: ignored.")
	eventTime   = desc("event_time_seconds", "The fold's event clock (Unix seconds).")

	published   = desc("pipeline_events_published_total", "Events the sources offered to the pipeline.")
	applied     = desc("pipeline_events_applied_total", "Events folded.")
	queueLen    = desc("pipeline_queue_events", "Events waiting in the pipeline's queue.")
	queueCap    = desc("pipeline_queue_capacity_events", "Capacity of the pipeline's queue.")
	recorded    = desc("recorder_events_total", "Events committed to the recording.")
	backlog     = desc("recorder_backlog_events", "Events handed to the recorder and not yet committed (the recorder's lag).")
	recording   = desc("recorder_up", "1 while the recording is written, 0 after a write error (NOT RECORDING).")
	dropped     = desc("events_dropped_total", "Events or packets lost, by stage: kernel (socket buffer, capture ring), parse_queue (HEP), pipeline (queue full), recording (not written).", "stage")
	ckptAge     = desc("checkpoint_age_seconds", "Event time since the last checkpoint of the fold (absent before the first).")
	hepPackets  = desc("hep_packets_total", "HEP packets received (good and bad).")
	capDrops    = desc("capture_kernel_drops_total", "Frames the kernel dropped from the interface capture's ring (full), of those its filter passed (also in events_dropped_total{stage=\"kernel\"}).")
	hepRejected = desc("hep_packets_unused_total", "HEP packets received and not folded, by reason: malformed, auth (wrong key), not_sip, other (other protocols).", "reason")
)

var all = []*prometheus.Desc{callAttempts, callsComplete, callsAnswered, callsFailed, callsEffect, callsShort, callPDD,
	finalCodes, attestations, asr, ner, optionsUp, optionsRTT, registration, lastCall, numbers, serving, alertsOpen,
	mediaJudged, mediaOneWay, mediaNone, mediaBad, trunkMOS, mediaSeen, mediaLost,
	sipMessages, sipBad, quarantined, evicted, eventTime, published, applied, queueLen, queueCap, recorded, backlog,
	recording, dropped, ckptAge, hepPackets, hepRejected, capDrops}

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range all {
		ch <- d
	}
}

// Collect sends the figures of the latest snapshot and the pipeline.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	snap, st := c.o.Latest()
	pipelineMetrics(ch, snap, st)
	var kernel uint64 // every source's kernel drops: the kernel stage
	if c.o.Capture != nil {
		kernel = c.o.Capture().KernelDropped
		ch <- counter(capDrops, float64(kernel))
	}
	if c.o.HEP != nil {
		hepMetrics(ch, c.o.HEP(), kernel, st)
	} else {
		ch <- counter(dropped, float64(st.Dropped), "pipeline")
		ch <- counter(dropped, float64(st.Lost), "recording")
	}
	if snap == nil {
		return
	}
	foldMetrics(ch, snap)
	for i := range snap.Trunks {
		trunkMetrics(ch, &snap.Trunks[i])
	}
	numberMetrics(ch, snap.Numbers)
	alertMetrics(ch, snap.Alerts)
}

func counter(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
}

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func seconds(ns int64) float64 { return float64(ns) / 1e9 }

func pipelineMetrics(ch chan<- prometheus.Metric, snap *monitor.Snapshot, st pipeline.Stats) {
	ch <- counter(published, float64(st.Published))
	ch <- counter(applied, float64(st.Applied))
	ch <- gauge(queueLen, float64(st.Queue))
	ch <- gauge(queueCap, float64(st.QueueCap))
	ch <- counter(recorded, float64(st.Recorded))
	lag := float64(0)
	if done := st.Recorded + st.Lost; st.Handed > done {
		lag = float64(st.Handed - done)
	}
	ch <- gauge(backlog, lag)
	up := 1.0
	if st.StoreErr != "" {
		up = 0
	}
	ch <- gauge(recording, up)
	if snap != nil && st.Checkpoint > 0 {
		ch <- gauge(ckptAge, max(0, seconds(snap.Now-st.Checkpoint)))
	}
}

func hepMetrics(ch chan<- prometheus.Metric, h hep.Stats, kernel uint64, st pipeline.Stats) {
	ch <- counter(hepPackets, float64(h.Packets))
	ch <- counter(hepRejected, float64(h.Malformed), "malformed")
	ch <- counter(hepRejected, float64(h.AuthRejected), "auth")
	ch <- counter(hepRejected, float64(h.NotSIP), "not_sip")
	ch <- counter(hepRejected, float64(h.Other), "other")
	ch <- counter(dropped, float64(h.KernelDropped+kernel), "kernel")
	ch <- counter(dropped, float64(h.QueueDropped), "parse_queue")
	ch <- counter(dropped, float64(st.Dropped), "pipeline")
	ch <- counter(dropped, float64(st.Lost), "recording")
}

func foldMetrics(ch chan<- prometheus.Metric, snap *monitor.Snapshot) {
	ch <- counter(sipMessages, float64(snap.SIP))
	ch <- counter(sipBad, float64(snap.Malformed))
	ch <- counter(quarantined, float64(snap.Quarantined))
	ch <- counter(evicted, float64(snap.CallsEvicted))
	ch <- counter(mediaSeen, float64(snap.Media.Reports))
	ch <- counter(mediaLost, float64(snap.Media.Unknown))
	ch <- gauge(eventTime, seconds(snap.Now))
}

// regStates are the registration states a trunk can be in ("" is unknown).
var regStates = []monitor.RegState{monitor.RegUnknown, monitor.RegRegistered, monitor.RegChallenged,
	monitor.RegFailed, monitor.RegTimeout, monitor.RegUnregistered}

// windowNames label the snapshot's windows (monitor.Windows).
var windowNames = func() []string {
	out := make([]string, len(monitor.Windows))
	for i, d := range monitor.Windows {
		out[i] = strconv.Itoa(int(d.Minutes())) + "m"
	}
	return out
}()

func trunkMetrics(ch chan<- prometheus.Metric, tr *monitor.TrunkView) {
	l := []string{tr.Name, string(tr.Role)}
	t := &tr.Total
	ch <- counter(callAttempts, float64(t.Attempts), l...)
	ch <- counter(callsComplete, float64(t.Completed), l...)
	ch <- counter(callsAnswered, float64(t.Answered), l...)
	ch <- counter(callsFailed, float64(t.Failed), l...)
	ch <- counter(callsEffect, float64(t.Effective), l...)
	ch <- counter(callsShort, float64(t.Short), l...)
	ch <- prometheus.MustNewConstSummary(callPDD, uint64(t.PDDCount), t.PDDSum.Seconds(), nil, l...)
	for _, c := range t.Codes {
		ch <- counter(finalCodes, float64(c.Count), tr.Name, string(tr.Role), strconv.Itoa(c.Code))
	}
	for _, a := range []struct {
		level string
		n     int
	}{{"A", t.Attest.A}, {"B", t.Attest.B}, {"C", t.Attest.C}, {"none", t.Attest.None}, {"invalid", t.Attest.Invalid}} {
		ch <- counter(attestations, float64(a.n), tr.Name, string(tr.Role), a.level)
	}
	for w, name := range windowNames {
		if s := tr.Win[w]; s.Completed > 0 {
			ch <- gauge(asr, s.ASR(), tr.Name, string(tr.Role), name)
			ch <- gauge(ner, s.NER(), tr.Name, string(tr.Role), name)
		}
	}
	if tr.OptionsUp != 0 {
		ch <- gauge(optionsUp, float64(max(tr.OptionsUp, 0)), l...)
	}
	if tr.OptionsRTT > 0 {
		ch <- gauge(optionsRTT, tr.OptionsRTT.Seconds(), l...)
	}
	for _, s := range regStates {
		v, name := 0.0, string(s)
		if s == tr.Registration {
			v = 1
		}
		if s == monitor.RegUnknown {
			name = "unknown"
		}
		ch <- gauge(registration, v, tr.Name, string(tr.Role), name)
	}
	if tr.LastSeen > 0 {
		ch <- gauge(lastCall, seconds(tr.LastSeen), l...)
	}
	m := &t.Media
	ch <- counter(mediaJudged, float64(m.Judged), l...)
	ch <- counter(mediaOneWay, float64(m.OneWay), l...)
	ch <- counter(mediaNone, float64(m.NoMedia), l...)
	ch <- counter(mediaBad, float64(m.Bad), l...)
	if five := &tr.Win[monitor.Win5m].Media; five.MOSCount > 0 {
		ch <- gauge(trunkMOS, five.MOSMean(), l...)
	}
}

func numberMetrics(ch chan<- prometheus.Metric, nums []monitor.NumberView) {
	type key struct{ req, v string }
	states, roles := map[key]int{}, map[key]int{}
	for i := range nums {
		n := &nums[i]
		states[key{n.PortRequestID, string(n.PortState)}]++
		role := string(n.ServingRole)
		if n.Serving == "" {
			role = "none"
		}
		roles[key{n.PortRequestID, role}]++
	}
	for k, v := range states {
		ch <- gauge(numbers, float64(v), k.req, k.v)
	}
	for k, v := range roles {
		ch <- gauge(serving, float64(v), k.req, k.v)
	}
}

// alertMetrics counts the open alerts by rule and severity, with a zero
// for every rule at its opening severity, so alert rules can compare.
func alertMetrics(ch chan<- prometheus.Metric, alerts []monitor.AlertView) {
	type key struct{ rule, sev string }
	open := map[key]int{}
	for _, r := range monitor.Rules {
		open[key{string(r.Rule), string(r.Severity)}] = 0
	}
	for i := range alerts {
		if a := &alerts[i]; a.Closed == 0 {
			open[key{string(a.Rule), string(a.Severity)}]++
		}
	}
	for k, v := range open {
		ch <- gauge(alertsOpen, float64(v), k.rule, k.sev)
	}
}
