package mediatrack

import (
	"strconv"
	"testing"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// finalOf returns the last report, which must be final.
func finalOf(t *testing.T, f *feeder) *monitor.MediaReport {
	t.Helper()
	rs := f.reports(t)
	if len(rs) == 0 || !rs[len(rs)-1].Final {
		t.Fatalf("no final report: %+v", rs)
	}
	return rs[len(rs)-1]
}

func TestReinviteMovesMedia(t *testing.T) {
	f := newFeeder(Options{})
	basicCall(f, "move")
	f.flow(1.2, 4, "10.0.0.2:6000", "10.0.0.1:4000", 1, 0)
	f.sip(4, msg{method: "INVITE", callID: "move", fromTag: "a", toTag: "b", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.0.1", 4100)})
	f.sip(4.1, msg{method: "INVITE", code: 200, callID: "move", fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody("10.0.0.2", 6000)})
	if f.pkt(4.2, "10.0.0.2:6000", "10.0.0.1:4000", rtp(500, 0, 1, 0)) {
		t.Error("RTP to the address the re-INVITE left is still matched")
	}
	if n := f.flow(4.2, 6, "10.0.0.2:6000", "10.0.0.1:4100", 1, 0); n != 90 {
		t.Errorf("%d packets to the new address matched, want 90", n)
	}
	bye(f, 6, "move")
	f.t.Flush(at(10), f.emit)
	r := finalOf(t, f)
	if len(r.Streams) != 2 || r.Streams[1].Dst != ap("10.0.0.1:4100") || r.Streams[1].Forward {
		t.Fatalf("streams %+v", r.Streams)
	}
	if r.Answered != at(1) {
		t.Errorf("answered %d, want the first 2xx", r.Answered)
	}
}

func TestReinviteFromCalleeFlipsDirection(t *testing.T) {
	f := newFeeder(Options{})
	basicCall(f, "flip")
	// The callee's re-INVITE: its From tag is the callee's.
	f.sip(3, msg{method: "INVITE", callID: "flip", fromTag: "b", toTag: "a", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody("10.0.0.2", 6100)})
	f.sip(3.1, msg{method: "INVITE", code: 200, callID: "flip", fromTag: "b", toTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.0.1", 4200)})
	f.flow(3.2, 5, "10.0.0.1:4200", "10.0.0.2:6100", 1, 0)
	f.flow(3.2, 5, "10.0.0.2:6100", "10.0.0.1:4200", 2, 0)
	bye(f, 5, "flip")
	f.t.Flush(at(10), f.emit)
	for _, s := range finalOf(t, f).Streams {
		if want := s.Src == ap("10.0.0.1:4200"); s.Forward != want {
			t.Errorf("stream %s→%s Forward %v, want %v", s.Src, s.Dst, s.Forward, want)
		}
	}
}

func TestRTCPPorts(t *testing.T) {
	f := newFeeder(Options{})
	f.sip(0, msg{method: "INVITE", callID: "rtcp", fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.0.1", 4000, "rtcp-mux")})
	f.sip(1, msg{method: "INVITE", code: 200, callID: "rtcp", fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody("10.0.0.2", 6000, "rtcp:6010")})
	f.flow(1.1, 2, "10.0.0.2:6000", "10.0.0.1:4000", 1, 0)
	cases := []struct {
		dst  string
		want bool
	}{
		{"10.0.0.1:4000", true},  // rtcp-mux: on the RTP port
		{"10.0.0.2:6010", true},  // a=rtcp
		{"10.0.0.2:6001", false}, // port+1 is not used when a=rtcp names another
		{"10.0.0.1:4001", false}, // rtcp-mux: port+1 is not RTCP
	}
	for _, c := range cases {
		if got := f.pkt(2, "10.0.0.9:1", c.dst, rtcpRR(9, 1)); got != c.want {
			t.Errorf("RTCP to %s matched %v, want %v", c.dst, got, c.want)
		}
	}
	st := f.t.Stats()
	if st.RTCP != 2 || st.RTCPReports != 2 || st.Streams != 1 {
		t.Errorf("stats %+v: RTCP must be counted, never a stream", st)
	}
}

func TestRTCPPortPlusOne(t *testing.T) {
	f := newFeeder(Options{})
	basicCall(f, "plus1")
	if !f.pkt(2, "10.0.0.1:4001", "10.0.0.2:6001", rtcpRR(9, 1)) {
		t.Error("RTCP to port+1 not matched")
	}
}

// TestRelayTwoLegs: the caller (10.0.0.1) and the callee (10.0.0.2)
// through a proxy with rtpengine (10.0.0.9): each leg has its own SDP and
// 5-tuples, and the relay keeps the SSRC.
func TestRelayTwoLegs(t *testing.T) {
	f := newFeeder(Options{})
	leg := func(s float64, code int, src, dst, addr string, port int) {
		m := msg{method: "INVITE", code: code, callID: "relay", fromTag: "a", src: src, dst: dst, body: sdpBody(addr, port)}
		if code != 0 {
			m.toTag = "b"
		}
		f.sip(s, m)
	}
	leg(0, 0, "10.0.0.1:5060", "10.0.0.9:5060", "10.0.0.1", 4000)
	leg(0.01, 0, "10.0.0.9:5060", "10.0.0.2:5060", "10.0.0.9", 30002)
	leg(1, 200, "10.0.0.2:5060", "10.0.0.9:5060", "10.0.0.2", 6000)
	leg(1.01, 200, "10.0.0.9:5060", "10.0.0.1:5060", "10.0.0.9", 30000)
	for i := 0; i < 100; i++ {
		s, seq, ts := 1.1+0.02*float64(i), uint16(i), uint32(160*i)
		f.pkt(s, "10.0.0.1:4000", "10.0.0.9:30000", rtp(seq, ts, 0xA, 0))
		f.pkt(s+0.0001, "10.0.0.9:30002", "10.0.0.2:6000", rtp(seq, ts, 0xA, 0))
		f.pkt(s+0.0002, "10.0.0.2:6000", "10.0.0.9:30002", rtp(seq, ts, 0xB, 0))
		f.pkt(s+0.0003, "10.0.0.9:30000", "10.0.0.1:4000", rtp(seq, ts, 0xB, 0))
	}
	bye(f, 4, "relay")
	f.t.Flush(at(10), f.emit)
	r := finalOf(t, f)
	if len(r.Streams) != 4 {
		t.Fatalf("%d streams, want 4 (two legs, both ways)", len(r.Streams))
	}
	for _, s := range r.Streams {
		wantFwd := s.Stats.SSRC == 0xA
		if s.Forward != wantFwd || s.Stats.Packets != 100 {
			t.Errorf("stream %s→%s SSRC %x Forward %v packets %d", s.Src, s.Dst, s.Stats.SSRC, s.Forward, s.Stats.Packets)
		}
	}
}

// TestAddressReuse: a relay hands an ended call's port to the next call;
// RTP to it after the new SDP belongs to the new call.
func TestAddressReuse(t *testing.T) {
	f := newFeeder(Options{})
	basicCall(f, "old")
	f.flow(1.1, 3, "10.0.0.2:6000", "10.0.0.1:4000", 1, 0)
	bye(f, 3, "old")
	f.sip(3.5, msg{method: "INVITE", callID: "new", fromTag: "x", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.0.1", 4000)})
	f.sip(3.6, msg{method: "INVITE", code: 200, callID: "new", fromTag: "x", toTag: "y", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody("10.0.0.2", 6000)})
	f.flow(3.7, 4.7, "10.0.0.2:6000", "10.0.0.1:4000", 2, 0)
	f.t.Flush(at(10), f.emit)
	got := map[string]uint64{}
	for _, r := range f.reports(t) {
		if r.Final {
			for _, s := range r.Streams {
				got[r.CallID] += s.Stats.Packets
			}
		}
	}
	if got["old"] != 95 || got["new"] != 50 {
		t.Errorf("packets per call %v, want old 95, new 50", got)
	}
}

// TestHoldIsNotOneWay: a call answered on hold (sendonly/recvonly) has RTP
// one way by agreement; its reports say media is not expected both ways
// (Answered 0) until a re-INVITE takes it off hold.
func TestHoldIsNotOneWay(t *testing.T) {
	f := newFeeder(Options{})
	f.sip(0, msg{method: "INVITE", callID: "hold", fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.0.1", 4000, "sendonly")})
	f.sip(1, msg{method: "INVITE", code: 200, callID: "hold", fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody("10.0.0.2", 6000, "recvonly")})
	f.flow(1.1, 10, "10.0.0.1:4000", "10.0.0.2:6000", 1, 0)
	f.t.Due(at(10), f.emit)
	for _, r := range f.reports(t) {
		if j := judge(r, at(10)); r.Answered != 0 || j.Verdict == media.VerdictOneWay {
			t.Fatalf("on hold: report %+v judged %v", r, j.Verdict)
		}
	}
	f.sip(10, msg{method: "INVITE", callID: "hold", fromTag: "a", toTag: "b", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.0.1", 4000)})
	f.sip(10.1, msg{method: "INVITE", code: 200, callID: "hold", fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody("10.0.0.2", 6000)})
	f.flow(10.2, 20, "10.0.0.1:4000", "10.0.0.2:6000", 1, 0)
	f.t.Due(at(20), f.emit)
	rs := f.reports(t)
	last := rs[len(rs)-1]
	if last.Answered != at(10.1) {
		t.Fatalf("off hold: Answered %d, want the re-INVITE's 2xx", last.Answered)
	}
	if j := judge(last, at(20)); j.Verdict != media.VerdictOneWay {
		t.Errorf("off hold and still one way: verdict %v", j.Verdict)
	}
}

func TestPortZeroStopsMatching(t *testing.T) {
	f := newFeeder(Options{})
	basicCall(f, "zero")
	f.sip(2, msg{method: "INVITE", callID: "zero", fromTag: "a", toTag: "b", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.0.1", 0)})
	if f.pkt(2.1, "10.0.0.2:6000", "10.0.0.1:4000", rtp(1, 1, 1, 0)) {
		t.Error("RTP to a stream the SDP stopped (port 0) is matched")
	}
}

func TestExternalStreams(t *testing.T) {
	f := newFeeder(Options{})
	basicCall(f, "hep")
	st := monitor.MediaStream{Src: ap("10.0.0.2:6000"), Dst: ap("10.0.0.1:4000"), Stats: media.Stats{SSRC: 5, Packets: 100}}
	f.t.External(at(2), "hep", monitor.MediaFromRTCP, st)
	st.Stats.Packets = 300
	f.t.External(at(6), "hep", monitor.MediaFromRTCP, st)
	bye(f, 8, "hep")
	f.t.Flush(at(20), f.emit)
	r := finalOf(t, f)
	if len(r.Streams) != 1 || r.Streams[0].Stats.Packets != 300 || r.Origin != monitor.MediaFromRTCP {
		t.Fatalf("report %+v", r)
	}
	// A report for a Call-ID never seen in SIP.
	f.t.External(at(30), "only-hep", monitor.MediaFromRTCP, st)
	f.t.Flush(at(40), f.emit)
	if r := finalOf(t, f); r.CallID != "only-hep" {
		t.Errorf("report %+v", r)
	}
}

// TestTwoSSRCsOnOneFiveTuple: sipp's uac_pcap sends its G.711 and its RFC
// 4733 events with two SSRCs from one port to one port; each is a stream
// of its own (as tshark counts them), not one stream of jumbled sequence
// numbers.
func TestTwoSSRCsOnOneFiveTuple(t *testing.T) {
	f := newFeeder(Options{})
	basicCall(f, "two")
	for k := 0; k < 100; k++ {
		s := 1.1 + 0.02*float64(k)
		f.pkt(s, "10.0.0.1:4000", "10.0.0.2:6000", rtp(uint16(1000+k), uint32(160*k), 0xA, 0))
		if k >= 50 && k < 60 {
			f.pkt(s+0.001, "10.0.0.1:4000", "10.0.0.2:6000", rtp(uint16(30000+k), 8000, 0xE, 101))
		}
	}
	bye(f, 4, "two")
	f.t.Flush(at(10), f.emit)
	r := finalOf(t, f)
	if len(r.Streams) != 2 {
		t.Fatalf("%d streams, want 2: %+v", len(r.Streams), r.Streams)
	}
	for _, s := range r.Streams {
		want := map[uint32]uint64{0xA: 100, 0xE: 10}[s.Stats.SSRC]
		if s.Stats.Packets != want || s.Stats.Lost != 0 || s.Src != ap("10.0.0.1:4000") {
			t.Errorf("SSRC %x: %d packets, %d lost; want %d, 0", s.Stats.SSRC, s.Stats.Packets, s.Stats.Lost, want)
		}
	}
}

// TestSharedDestinationBySource: a UAS that answers every call with one
// media port (sipp -rtp_echo does) is named by each call's answer; RTP to
// it belongs to the call whose SDP named its source (symmetric RTP, RFC
// 4961), not to whichever call was answered last.
func TestSharedDestinationBySource(t *testing.T) {
	f := newFeeder(Options{})
	for i, port := range []int{4000, 4002, 4004} {
		id := "shared" + strconv.Itoa(i)
		s := float64(i) * 0.1
		f.sip(s, msg{method: "INVITE", callID: id, fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.0.1", port)})
		f.sip(s+0.05, msg{method: "INVITE", code: 200, callID: id, fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody("10.0.0.2", 6000)})
	}
	for k := 0; k < 100; k++ {
		for i, port := range []string{"4000", "4002", "4004"} {
			at := 1 + 0.02*float64(k)
			f.pkt(at, "10.0.0.1:"+port, "10.0.0.2:6000", rtp(uint16(k), uint32(160*k), uint32(i), 8))
			f.pkt(at, "10.0.0.2:6000", "10.0.0.1:"+port, rtp(uint16(k), uint32(160*k), uint32(i), 8))
		}
	}
	for i := range 3 {
		bye(f, 4, "shared"+strconv.Itoa(i))
	}
	f.t.Flush(at(10), f.emit)
	for _, r := range f.reports(t) {
		if !r.Final {
			continue
		}
		if len(r.Streams) != 2 {
			t.Errorf("call %s: %d streams, want 2: %+v", r.CallID, len(r.Streams), r.Streams)
			continue
		}
		for _, s := range r.Streams {
			if s.Stats.Packets != 100 || s.Forward != (s.Dst == ap("10.0.0.2:6000")) || strconv.Itoa(int(s.Stats.SSRC)) != r.CallID[len("shared"):] {
				t.Errorf("call %s: stream %s→%s SSRC %d Forward %v, %d packets", r.CallID, s.Src, s.Dst, s.Stats.SSRC, s.Forward, s.Stats.Packets)
			}
		}
	}
}

// TestExternalStreamDirectionFromSDP: the HEP collector cannot tell an
// RTCP report's direction (it sends Forward false), so the tracker decides
// it from the call's SDP: a stream sent to an address the offer named
// flows callee to caller, one sent from it caller to callee. The media
// lab's live run judged every healthy call one-way before this.
func TestExternalStreamDirectionFromSDP(t *testing.T) {
	f := newFeeder(Options{})
	basicCall(f, "dir")
	// The caller's sender report (its own stream, from its RTCP port) and
	// its report block on what it received (to its RTCP port), as
	// monitor/hep makes them from rtpengine's JSON.
	sent := monitor.MediaStream{Src: ap("10.0.0.1:4001"), Dst: ap("192.0.2.9:30001"), Stats: media.Stats{SSRC: 1, Packets: 200}}
	got := monitor.MediaStream{Src: ap("192.0.2.9:30001"), Dst: ap("10.0.0.1:4001"), Stats: media.Stats{SSRC: 2, Packets: 190}}
	// The callee's: sent to the answer's RTP port (rtcp-mux style).
	toCallee := monitor.MediaStream{Src: ap("192.0.2.9:30000"), Dst: ap("10.0.0.2:6000"), Stats: media.Stats{SSRC: 1, Packets: 199}}
	for _, st := range []monitor.MediaStream{sent, got, toCallee} {
		f.t.External(at(2), "dir", monitor.MediaFromRTCP, st)
	}
	bye(f, 8, "dir")
	f.t.Flush(at(20), f.emit)
	want := map[uint64]bool{200: true, 190: false, 199: true}
	for _, s := range finalOf(t, f).Streams {
		if s.Forward != want[s.Stats.Packets] {
			t.Errorf("stream %s→%s (%d packets) Forward %v, want %v", s.Src, s.Dst, s.Stats.Packets, s.Forward, want[s.Stats.Packets])
		}
	}
}
