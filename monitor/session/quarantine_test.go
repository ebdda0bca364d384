package session

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/hep"
	"github.com/cutover/cutover/monitor/report"
	"github.com/cutover/cutover/store"
)

var (
	qLegacy  = netip.MustParseAddrPort("198.51.100.10:5060")
	qNew     = netip.MustParseAddrPort("203.0.113.20:5060")
	qPBX     = netip.MustParseAddrPort("192.0.2.10:5060")
	year2100 = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

func quarantineConfig() monitor.Config {
	return monitor.Config{
		Name: "quarantine", DefaultCountry: "1",
		Trunks: []monitor.Trunk{
			{Name: "legacy", Role: monitor.RoleLegacy, Addrs: []monitor.TrunkAddr{{Prefix: netip.PrefixFrom(qLegacy.Addr(), 32)}}},
			{Name: "new", Role: monitor.RoleNew, Addrs: []monitor.TrunkAddr{{Prefix: netip.PrefixFrom(qNew.Addr(), 32)}}},
		},
		Numbers: []monitor.Number{{E164: "+15550100001", PortState: monitor.PortCompleted}},
	}
}

// qMessage is one SIP message of call id from the new trunk to the PBX
// (an INVITE) or back (a response), undecoded, at when.
func qMessage(id string, when time.Time, code int) monitor.Event {
	head := "INVITE sip:+15550100001@192.0.2.10 SIP/2.0\r\n"
	src, dst, toTag := qNew, qPBX, ""
	if code != 0 {
		head = fmt.Sprintf("SIP/2.0 %d OK\r\n", code)
		src, dst, toTag = qPBX, qNew, ";tag=t-"+id
	}
	raw := head + "Via: SIP/2.0/UDP 203.0.113.20:5060;branch=z9hG4bK-" + id + "\r\n" +
		"From: <sip:+12125550100@203.0.113.20>;tag=f-" + id + "\r\nTo: <sip:+15550100001@192.0.2.10>" + toTag + "\r\n" +
		"Call-ID: " + id + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	return monitor.Event{Time: when.UnixNano(), Kind: monitor.KindSIP, Source: monitor.SourceHEP,
		SIP: &monitor.SIPMessage{Src: src, Dst: dst, Transport: "udp", Raw: []byte(raw)}}
}

// qTraffic is n answered calls, one every 10 s from start, with odd
// messages (stamped at odd) slipped in after call n/2: the ordinary
// night a far-off packet must not disturb.
func qTraffic(start time.Time, n int, odd ...time.Time) []monitor.Event {
	var evs []monitor.Event
	for i := range n {
		at := start.Add(time.Duration(i) * 10 * time.Second)
		id := fmt.Sprintf("call-%d", i)
		evs = append(evs, qMessage(id, at, 0), qMessage(id, at.Add(time.Second), 200))
		if i == n/2 {
			for k, t := range odd {
				evs = append(evs, qMessage(fmt.Sprintf("odd-%d", k), t, 0))
			}
		}
	}
	return evs
}

// checkNight checks a snapshot of qTraffic's n calls: the clock where the
// night is, every call counted on the new trunk, quarantined events counted.
func checkNight(t *testing.T, what string, snap *monitor.Snapshot, n int, lastCall time.Time, quarantined uint64) {
	t.Helper()
	if now := time.Unix(0, snap.Now).UTC(); now.Year() > 2099 || now.Before(lastCall) {
		t.Errorf("%s: the clock is at %s (the last call at %s)", what, now, lastCall)
	}
	if w := snap.Trunks[1].Win[monitor.Win15m]; w.Attempts != n || w.Answered != n {
		t.Errorf("%s: the new trunk's 15 min: %d attempts, %d answered; want %d and %d", what, w.Attempts, w.Answered, n, n)
	}
	if snap.Quarantined != quarantined {
		t.Errorf("%s: %d quarantined, want %d", what, snap.Quarantined, quarantined)
	}
}

// buildReport reports on the recording at path, failing after a deadline
// instead of hanging (before issue 14 a report on a recording with one
// event in 2100 built a bucket for every minute until then).
func buildReport(t *testing.T, path string) *report.Report {
	t.Helper()
	r, err := store.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type result struct {
		rep *report.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := report.Build(ctx, r, nil)
		done <- result{rep, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatalf("report: %v", res.err)
		}
		return res.rep
	case <-ctx.Done():
		t.Fatal("the report did not finish within 30 s")
		return nil
	}
}

func checkReport(t *testing.T, rep *report.Report, n int, first, lastCall time.Time, quarantined int64) {
	t.Helper()
	if rep.Start.Before(first) || rep.End.Year() > 2099 || rep.End.Before(lastCall) {
		t.Errorf("report from %s to %s; the calls from %s to %s", rep.Start, rep.End, first, lastCall)
	}
	if tot := rep.Trunks[1].Total; tot.Attempts != n || tot.Answered != n {
		t.Errorf("report: the new trunk's %d attempts, %d answered; want %d", tot.Attempts, tot.Answered, n)
	}
	if rep.Quarantined != quarantined {
		t.Errorf("report: %d quarantined, want %d", rep.Quarantined, quarantined)
	}
	if len(rep.Minutes) > 30 {
		t.Errorf("report: %d minutes for a night of %s", len(rep.Minutes), lastCall.Sub(first))
	}
}

// Issue 14 item 3: one HEP packet stamped 2100-01-01 turned the live
// clock to 2100 (every later call hidden) and hung the report. It is now
// quarantined where it enters: recorded, counted, never folded. Before
// the fix: the clock at 2100-01-01, no attempts in the 15 min window,
// and the report still running at the deadline.
func TestFutureDatedHEPPacketIsQuarantined(t *testing.T) {
	col, err := hep.Listen(hep.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "live.db")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	type result struct {
		out Outcome
		err error
	}
	watched := make(chan result, 1)
	go func() {
		out, err := Watch{File: &config.File{Path: "test", Cutover: quarantineConfig()}, DB: db, Collector: col,
			Session: RunOptions{Headless: true}}.Run(ctx)
		watched <- result{out, err}
	}()
	const n = 20
	start := time.Now().Add(-5 * time.Minute).Truncate(time.Second)
	evs := qTraffic(start, n, year2100)
	snd, err := hep.Dial(col.UDPAddr().String(), 1, "")
	if err != nil {
		t.Fatal(err)
	}
	defer snd.Close()
	for _, ev := range evs {
		if err := snd.Send(ev); err != nil {
			t.Fatal(err)
		}
	}
	lab.WaitFor(t, "every message in the recording", func() bool { return recordedSIP(db) == len(evs) })
	stop()
	res := <-watched
	if res.err != nil {
		t.Fatalf("watch: %v", res.err)
	}
	lastCall := start.Add((n-1)*10*time.Second + time.Second)
	checkNight(t, "live", res.out.Snap, n, lastCall, 1)
	checkReport(t, buildReport(t, db), n, start, lastCall, 1)

	replayed, err := Replay{Path: db, Session: RunOptions{Headless: true}}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkNight(t, "replay", replayed.Snap, n, lastCall, 1)
	if a, b := replayed.Snap, res.out.Snap; a.Now != b.Now || !reflect.DeepEqual(a.Trunks, b.Trunks) {
		t.Errorf("the replay differs from the night: clock %d vs %d", a.Now, b.Now)
	}
}

// recordedSIP is how many SIP messages the recording at path holds (-1
// when it cannot be read yet).
func recordedSIP(path string) int {
	r, err := store.OpenReader(path)
	if err != nil {
		return -1
	}
	defer r.Close()
	n := 0
	err = r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if ev.Kind == monitor.KindSIP {
			n++
		}
		return nil
	})
	if err != nil {
		return -1
	}
	return n
}

// An imported capture with far-off packets among its neighbours (one in
// 2100, one in 1990, and a first packet stamped 2100) is recorded whole;
// the far-off packets are quarantined, and the clock and the figures are
// the night's. Before the fix: the clock at 2100, no calls counted.
func TestImportQuarantinesFarOffPackets(t *testing.T) {
	const n = 20
	start := time.Date(2026, 1, 10, 2, 0, 0, 0, time.UTC)
	evs := append([]monitor.Event{qMessage("first", year2100.Add(time.Hour), 0)},
		qTraffic(start, n, year2100, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC))...)
	dir := t.TempDir()
	pcap := filepath.Join(dir, "night.pcap")
	f, err := os.Create(pcap)
	if err != nil {
		t.Fatal(err)
	}
	w, err := capture.NewWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if err := w.Write(ev.Time, ev.SIP); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "night.db")
	res, err := Import{Capture: pcap, File: &config.File{Path: "test", Cutover: quarantineConfig()}, DB: db}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != uint64(len(evs)) || recordedSIP(db) != len(evs) {
		t.Fatalf("%d messages fed, %d recorded; the capture holds %d", res.Sent, recordedSIP(db), len(evs))
	}
	lastCall := start.Add((n-1)*10*time.Second + time.Second)
	checkNight(t, "import", res.Snap, n, lastCall, 3)
	if now := time.Unix(0, res.Snap.Now).UTC(); !now.Equal(lastCall) {
		t.Errorf("import: the clock at %s, the last message at %s", now, lastCall)
	}
	checkReport(t, buildReport(t, db), n, start, lastCall, 3)
}
