package mediatrack

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// judge runs media.Judge on a report at its event time, as the fold does.
func judge(r *monitor.MediaReport, now int64) media.Judgement {
	c := media.CallMedia{}
	if r.Answered != 0 {
		c.Answered = time.Unix(0, r.Answered)
	}
	for _, s := range r.Streams {
		if s.Forward {
			c.Forward = append(c.Forward, s.Stats)
		} else {
			c.Reverse = append(c.Reverse, s.Stats)
		}
	}
	return media.Judge(c, time.Unix(0, now), media.DefaultThresholds())
}

func TestOfferAnswerByeFinal(t *testing.T) {
	f := newFeeder(Options{})
	basicCall(f, "c1")
	// Both ways from 1.5 s to 11.5 s, interleaved as on the wire.
	for i := 0; i < 500; i++ {
		s := 1.5 + 0.02*float64(i)
		if !f.pkt(s, "10.0.0.1:4000", "10.0.0.2:6000", rtp(uint16(100+i), uint32(160*i), 0x11, 0)) {
			t.Fatalf("caller's packet %d not matched", i)
		}
		if !f.pkt(s+0.001, "10.0.0.2:6000", "10.0.0.1:4000", rtp(uint16(65500+i), uint32(160*i), 0x22, 0)) { // wraps
			t.Fatalf("callee's packet %d not matched", i)
		}
	}
	bye(f, 12, "c1")
	f.t.Due(at(20), f.emit)
	rs := f.reports(t)
	// 6.5 (first packet + 5 s) and 6 (answer + 5 s), 11.5, then final at 14.
	wantTimes := []int64{at(6), at(6.5), at(11.5), at(14)}
	if len(rs) != len(wantTimes) {
		t.Fatalf("%d reports, want %d: %+v", len(rs), len(wantTimes), rs)
	}
	for i, ev := range f.out {
		if ev.Time != wantTimes[i] {
			t.Errorf("report %d at %s, want %s", i, time.Duration(ev.Time-t0), time.Duration(wantTimes[i]-t0))
		}
	}
	last := rs[len(rs)-1]
	if !last.Final || last.Answered != at(1) || last.CallID != "c1" || last.Origin != monitor.MediaFromRTP {
		t.Fatalf("final report %+v", last)
	}
	if len(last.Streams) != 2 {
		t.Fatalf("%d streams, want 2", len(last.Streams))
	}
	fwd, rev := last.Streams[0], last.Streams[1]
	if !fwd.Forward || fwd.Src != ap("10.0.0.1:4000") || fwd.Stats.SSRC != 0x11 || fwd.Stats.Packets != 500 || fwd.Stats.Lost != 0 {
		t.Errorf("caller to callee %+v", fwd)
	}
	if rev.Forward || rev.Src != ap("10.0.0.2:6000") || rev.Stats.SSRC != 0x22 || rev.Stats.Packets != 500 || rev.Stats.Lost != 0 {
		t.Errorf("callee to caller %+v", rev)
	}
	if fwd.Stats.Codec != "PCMU" || fwd.Stats.ClockRate != 8000 {
		t.Errorf("codec %q/%d", fwd.Stats.Codec, fwd.Stats.ClockRate)
	}
	if j := judge(last, at(14)); j.Verdict != media.VerdictOK {
		t.Errorf("verdict %v (%s)", j.Verdict, j.Reason)
	}
	if st := f.t.Stats(); st.Calls != 0 || st.Streams != 2 || st.RTP != 1000 || st.Reports != 4 {
		t.Errorf("stats %+v", st)
	}
	// A retransmitted 200 after the final report starts nothing.
	f.sip(21, msg{method: "INVITE", code: 200, callID: "c1", fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody("10.0.0.2", 6000)})
	f.t.Flush(at(100), f.emit)
	if len(f.out) != 4 {
		t.Fatalf("%d events after a late retransmission, want 4", len(f.out))
	}
}

// otherMedia is RTP of no known call: the input carries media.
func otherMedia(f *feeder) {
	f.pkt(0, "192.0.2.1:9000", "192.0.2.2:9000", rtp(1, 1, 1, 0))
}

func TestNoMediaReportWithoutStreams(t *testing.T) {
	f := newFeeder(Options{})
	otherMedia(f)
	basicCall(f, "silent")
	bye(f, 9, "silent")
	f.t.Flush(at(30), f.emit)
	rs := f.reports(t)
	if len(rs) != 2 || f.out[0].Time != at(6) || rs[0].Final || len(rs[0].Streams) != 0 {
		t.Fatalf("want a report at answer+5s with no streams, then the final one: %+v", f.out)
	}
	if j := judge(rs[0], f.out[0].Time); j.Verdict != media.VerdictNoMedia {
		t.Errorf("verdict %v", j.Verdict)
	}
	if !rs[1].Final || f.out[1].Time != at(11) {
		t.Errorf("final %+v at %d", rs[1], f.out[1].Time)
	}
}

func TestOneWay(t *testing.T) {
	f := newFeeder(Options{})
	basicCall(f, "oneway")
	f.flow(1.2, 8, "10.0.0.2:6000", "10.0.0.1:4000", 7, 0)
	f.t.Due(at(8), f.emit)
	rs := f.reports(t)
	if len(rs) == 0 || f.out[0].Time != at(6) {
		t.Fatalf("reports %+v", f.out)
	}
	if len(rs[0].Streams) != 1 || rs[0].Streams[0].Forward {
		t.Fatalf("streams %+v", rs[0].Streams)
	}
	if j := judge(rs[0], at(6)); j.Verdict != media.VerdictOneWay {
		t.Errorf("verdict %v (%s)", j.Verdict, j.Reason)
	}
}

func TestLossCounted(t *testing.T) {
	f := newFeeder(Options{})
	basicCall(f, "lossy")
	f.flow(1.2, 11.2, "10.0.0.1:4000", "10.0.0.2:6000", 1, 10)
	f.flow(1.2, 11.2, "10.0.0.2:6000", "10.0.0.1:4000", 2, 0)
	bye(f, 12, "lossy")
	f.t.Flush(at(20), f.emit)
	rs := f.reports(t)
	st := rs[len(rs)-1].Streams[0].Stats
	// 500 sent, every tenth left out; the last one left out is after the
	// highest received, so not yet known as lost.
	if st.Packets != 450 || st.Lost != 49 {
		t.Errorf("packets %d lost %d, want 450 and 49", st.Packets, st.Lost)
	}
	if j := judge(rs[len(rs)-1], at(14)); j.Verdict != media.VerdictBadStream {
		t.Errorf("verdict %v", j.Verdict)
	}
}

func TestIdleEndsCall(t *testing.T) {
	f := newFeeder(Options{Idle: 30 * time.Second})
	basicCall(f, "idle")
	f.flow(1.2, 10, "10.0.0.1:4000", "10.0.0.2:6000", 1, 0)
	f.flow(1.2, 10, "10.0.0.2:6000", "10.0.0.1:4000", 2, 0)
	f.t.Due(at(39.9), f.emit)
	for _, r := range f.reports(t) {
		if r.Final {
			t.Fatal("final before the idle time")
		}
	}
	f.t.Due(at(100), f.emit)
	rs := f.reports(t)
	last := rs[len(rs)-1]
	if !last.Final || f.out[len(f.out)-1].Time != last.Streams[1].Stats.Last.UnixNano()+int64(30*time.Second) {
		t.Fatalf("final %+v at %s", last, time.Duration(f.out[len(f.out)-1].Time-t0))
	}
	if f.t.Stats().Calls != 0 {
		t.Error("idle call still tracked")
	}
	if f.pkt(101, "10.0.0.1:4000", "10.0.0.2:6000", rtp(9999, 0, 1, 0)) {
		t.Error("a packet to an ended call's address is matched")
	}
}

func TestUnansweredCallMakesNoReport(t *testing.T) {
	f := newFeeder(Options{})
	f.sip(0, msg{method: "INVITE", callID: "busy", fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.0.1", 4000)})
	f.sip(1, msg{method: "INVITE", code: 486, callID: "busy", fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060"})
	f.sip(2, msg{method: "OPTIONS", callID: "ping", fromTag: "p", src: "10.0.0.1:5060", dst: "10.0.0.2:5060"})
	f.t.Flush(at(60), f.emit)
	if len(f.out) != 0 {
		t.Fatalf("reports for an unanswered call without media: %+v", f.out)
	}
	if f.t.Stats().Calls != 0 {
		t.Error("calls left")
	}
}

func TestEarlyMediaOfCancelledCallReported(t *testing.T) {
	f := newFeeder(Options{})
	f.sip(0, msg{method: "INVITE", callID: "early", fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.0.1", 4000)})
	f.sip(0.5, msg{method: "INVITE", code: 183, callID: "early", fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody("10.0.0.2", 6000)})
	f.flow(0.6, 3, "10.0.0.2:6000", "10.0.0.1:4000", 5, 0)
	f.sip(3, msg{method: "CANCEL", callID: "early", fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060"})
	f.t.Flush(at(60), f.emit)
	rs := f.reports(t)
	if len(rs) != 1 || !rs[0].Final || rs[0].Answered != 0 || len(rs[0].Streams) != 1 || f.out[0].Time != at(5) {
		t.Fatalf("reports %+v", f.out)
	}
}

func TestEventOrderManyCalls(t *testing.T) {
	f := newFeeder(Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	type ev struct {
		s  float64
		do func(s float64)
	}
	var evs []ev
	for i := 0; i < 40; i++ {
		id := string(rune('A'+i%26)) + string(rune('a'+i/26))
		start := rng.Float64() * 60
		caller := "10.0.1." + strconv.Itoa(i) + ":4000"
		callee := "10.0.2." + strconv.Itoa(i) + ":6000"
		evs = append(evs, ev{start, func(s float64) {
			f.sip(s, msg{method: "INVITE", callID: id, fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody(caller[:len(caller)-5], 4000)})
		}}, ev{start + 1, func(s float64) {
			f.sip(s, msg{method: "INVITE", code: 200, callID: id, fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody(callee[:len(callee)-5], 6000)})
		}})
		dur := 2 + rng.Float64()*20
		for k := 0; float64(k)*0.02 < dur; k++ {
			seq := uint16(k)
			evs = append(evs, ev{start + 1.1 + float64(k)*0.02, func(s float64) { f.pkt(s, caller, callee, rtp(seq, uint32(seq)*160, 1, 0)) }})
		}
		if i%3 != 0 {
			evs = append(evs, ev{start + 1.2 + dur, func(s float64) { bye(f, s, id) }})
		}
	}
	slices.SortStableFunc(evs, func(a, b ev) int { return cmp.Compare(a.s, b.s) })
	for _, e := range evs {
		e.do(e.s)
	}
	f.t.Flush(at(200), f.emit)
	rs := f.reports(t) // checks the order
	finals := 0
	for _, r := range rs {
		if r.Final {
			finals++
		}
	}
	if finals != 40 {
		t.Errorf("%d final reports, want 40", finals)
	}
}

func TestEvictionBound(t *testing.T) {
	f := newFeeder(Options{MaxCalls: 3})
	otherMedia(f)
	for i := 0; i < 5; i++ {
		id := "ev" + strconv.Itoa(i)
		s := float64(i)
		f.sip(s, msg{method: "INVITE", callID: id, fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.3."+strconv.Itoa(i), 4000)})
		f.sip(s+0.1, msg{method: "INVITE", code: 200, callID: id, fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody("10.0.4."+strconv.Itoa(i), 6000)})
	}
	st := f.t.Stats()
	if st.Calls != 3 || st.Evicted != 2 {
		t.Fatalf("stats %+v, want 3 calls and 2 evicted", st)
	}
	f.t.Due(at(4.1), f.emit)
	rs := f.reports(t)
	if len(rs) != 2 || rs[0].CallID != "ev0" || rs[1].CallID != "ev1" || !rs[0].Final || !rs[1].Final {
		t.Fatalf("the evicted calls' final reports: %+v", rs)
	}
	if f.pkt(4.2, "10.0.4.0:6000", "10.0.3.0:4000", rtp(1, 1, 1, 0)) {
		t.Error("an evicted call's address still matches")
	}
	if !f.pkt(4.2, "10.0.4.4:6000", "10.0.3.4:4000", rtp(1, 1, 1, 0)) {
		t.Error("a tracked call's address does not match")
	}
}

func TestSDPBombBounded(t *testing.T) {
	f := newFeeder(Options{})
	body := "v=0\r\nc=IN IP4 10.9.0.1\r\n"
	for i := 0; i < 5000; i++ {
		body += "m=audio " + strconv.Itoa(10000+2*i) + " RTP/AVP 0\r\n"
	}
	f.sip(0, msg{method: "INVITE", callID: "bomb", fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: body})
	if n := len(f.t.dests); n > 2*media.MaxMedia {
		t.Fatalf("%d addresses mapped from one SDP", n)
	}
	for i := 0; i < 100; i++ { // re-INVITEs on as many hops as it likes
		f.sip(1, msg{method: "INVITE", callID: "bomb", fromTag: "a", toTag: "b", src: "10.1.0." + strconv.Itoa(i) + ":5060", dst: "10.0.0.2:5060", body: sdpBody("10.8.0."+strconv.Itoa(i), 4000)})
	}
	if n := len(f.t.dests); n > 2*media.MaxMedia+2*maxSlots {
		t.Fatalf("%d addresses mapped for one call", n)
	}
}

// TestSIPOnlyInputMakesNoReports: a capture of SIP alone (RTP filtered out)
// must not report every answered call as silent.
func TestSIPOnlyInputMakesNoReports(t *testing.T) {
	f := newFeeder(Options{})
	basicCall(f, "sip-only")
	bye(f, 30, "sip-only")
	f.t.Flush(at(60), f.emit)
	if len(f.out) != 0 {
		t.Fatalf("reports without any media in the input: %+v", f.out)
	}
}

// TestConcurrentUse: a live source may feed SIP and packets from several
// goroutines while another takes the due reports (run with -race).
func TestConcurrentUse(t *testing.T) {
	tr := New(Options{})
	basic := &feeder{t: tr}
	basicCall(basic, "shared")
	var wg sync.WaitGroup
	var matched atomic.Int64
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 200; k++ {
				if tr.Packet(at(2+0.02*float64(k)), ap("10.0.0.1:4000"), ap("10.0.0.2:6000"), rtp(uint16(g*200+k), 0, 1, 0)) {
					matched.Add(1)
				}
				tr.External(at(2), "ext-"+strconv.Itoa(g), monitor.MediaFromRTCP, monitor.MediaStream{})
			}
		}()
	}
	var reports atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := 0; k < 100; k++ {
			tr.Due(at(float64(k)/10), func(monitor.Event) { reports.Add(1) })
		}
	}()
	wg.Wait()
	tr.Flush(at(100), func(monitor.Event) { reports.Add(1) })
	if matched.Load() != 800 || tr.Stats().RTP != 800 || uint64(reports.Load()) != tr.Stats().Reports {
		t.Fatalf("%d matched, stats %+v, %d reports emitted", matched.Load(), tr.Stats(), reports.Load())
	}
}

// TestShortSilentCallJudgedAtDeadline: a call hung up 2 s after its answer
// with no RTP (the caller heard nothing) gets its final report at the
// no-media deadline, where it is judged no-media, not pending.
func TestShortSilentCallJudgedAtDeadline(t *testing.T) {
	f := newFeeder(Options{})
	otherMedia(f)
	basicCall(f, "short")
	bye(f, 3, "short")
	f.t.Flush(at(60), f.emit)
	rs := f.reports(t)
	if len(rs) != 1 || !rs[0].Final || f.out[0].Time != at(6) {
		t.Fatalf("reports %+v", f.out)
	}
	if j := judge(rs[0], f.out[0].Time); j.Verdict != media.VerdictNoMedia {
		t.Errorf("verdict %v", j.Verdict)
	}
}
