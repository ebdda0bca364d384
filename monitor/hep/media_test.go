package hep

import (
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// rtpengineSR is an SR with one report block and SDES as rtpengine
// mr10.5.3.5 writes it (homer_sr, homer_rr_list_start, homer_rr,
// homer_sdes_*; the spaces and the key order are its own).
const rtpengineSR = `{ "sender_information":{"ntp_timestamp_sec":3989000000,"ntp_timestamp_usec":2147483648,` +
	`"octets":40000,"rtp_timestamp":160000, "packets":250},"ssrc":287454020,"type":200,"report_count":1,` +
	`"report_blocks":[{"source_ssrc":1432778632,"highest_seq_no":65900,"fraction_lost":25,"ia_jitter":160,` +
	`"packets_lost":16777215,"lsr":0,"dlsr":0}],"sdes_report_count":1,"sdes_information": [ ` +
	`{"sdes_chunk_ssrc":287454020,"type":1,"text":"caller@lab"}] }`

// rtpengineRR is an RR without blocks' sender information.
const rtpengineRR = `{ "ssrc":1432778632,"type":201,"report_count":1,"report_blocks":[{"source_ssrc":287454020,` +
	`"highest_seq_no":1249,"fraction_lost":26,"ia_jitter":80,"packets_lost":25,"lsr":1234,"dlsr":5678}] }`

// capturedSR and capturedRR are what rtpengine 10.5.3.5 sent in
// TestRTPengineHomerReports (its HEP payloads, as they came).
const (
	capturedSR = `{ "sender_information":{"ntp_timestamp_sec":3942645760,"ntp_timestamp_usec":2147483648,"octets":16000,` +
		`"rtp_timestamp":16000, "packets":100},"ssrc":287454020,"type":200,"report_count":0,"report_blocks":[],` +
		`"sdes_report_count":1,"sdes_information": [ {"sdes_chunk_ssrc":287454020,"type":1,"text":"lab@127.0.0.1"}] }`
	capturedRR = `{ "ssrc":1432778632,"type":201,"report_count":1,"report_blocks":[{"source_ssrc":287454020,` +
		`"highest_seq_no":65599,"fraction_lost":25,"ia_jitter":32,"packets_lost":10,"lsr":0,"dlsr":0}],` +
		`"sdes_report_count":1,"sdes_information": [ {"sdes_chunk_ssrc":1432778632,"type":1,"text":"lab@127.0.0.1"}] }`
)

// heplifyRR is an RR as heplify marshals it (src/decoder/rtcp.go
// rtcpPacketJSON): sender_information zero, XR fields present.
const heplifyRR = `{"sender_information":{"ntp_timestamp_sec":0,"ntp_timestamp_usec":0,"rtp_timestamp":0,"packets":0,` +
	`"octets":0},"ssrc":1432778632,"type":201,"report_count":1,"report_blocks":[{"source_ssrc":287454020,` +
	`"fraction_lost":0,"packets_lost":3,"highest_seq_no":70000,"ia_jitter":400,"lsr":0,"dlsr":0}],` +
	`"report_blocks_xr":{"type":0,"id":0,"fraction_lost":0,"fraction_discard":0,"burst_density":0,"gap_density":0,` +
	`"burst_duration":0,"gap_duration":0,"round_trip_delay":0,"end_system_delay":0},"sdes_ssrc":0}`

func TestDecodeRTCPJSON(t *testing.T) {
	r, err := DecodeRTCPJSON([]byte(rtpengineSR))
	if err != nil {
		t.Fatal(err)
	}
	want := media.Report{Type: 200, SSRC: 287454020,
		Sender: media.SenderInfo{NTPTime: 3989000000<<32 | 2147483648, RTPTime: 160000, PacketCount: 250, OctetCount: 40000},
		Blocks: []media.ReportBlock{{SSRC: 1432778632, FractionLost: 25, CumulLost: -1, ExtHighestSeq: 65900, Jitter: 160}}}
	if !equalReport(r, want) {
		t.Errorf("rtpengine SR\n got %+v\nwant %+v", r, want)
	}
	r, err = DecodeRTCPJSON([]byte(capturedSR))
	if err != nil || r.Type != 200 || r.SSRC != 287454020 || r.Sender.PacketCount != 100 || len(r.Blocks) != 0 {
		t.Errorf("captured SR: %+v, %v", r, err)
	}
	r, err = DecodeRTCPJSON([]byte(capturedRR))
	want = media.Report{Type: 201, SSRC: 1432778632,
		Blocks: []media.ReportBlock{{SSRC: 287454020, FractionLost: 25, CumulLost: 10, ExtHighestSeq: 65599, Jitter: 32}}}
	if err != nil || !equalReport(r, want) {
		t.Errorf("captured RR: %+v, %v", r, err)
	}
	r, err = DecodeRTCPJSON([]byte(heplifyRR))
	if err != nil {
		t.Fatal(err)
	}
	want = media.Report{Type: 201, SSRC: 1432778632,
		Blocks: []media.ReportBlock{{SSRC: 287454020, CumulLost: 3, ExtHighestSeq: 70000, Jitter: 400}}}
	if !equalReport(r, want) {
		t.Errorf("heplify RR\n got %+v\nwant %+v", r, want)
	}
}

func equalReport(a, b media.Report) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestDecodeRTCPJSONRefuses(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 20) + "1" + strings.Repeat("}", 20)
	big := `{"ssrc":1,"report_blocks":[],"pad":"` + strings.Repeat("x", 1<<20) + `"}`
	block := `{"source_ssrc":1,"packets_lost":1}`
	many := `{"ssrc":1,"report_blocks":[` + strings.Repeat(block+",", 64) + block + `]}`
	for _, c := range []struct {
		in   string
		want error
	}{
		{"", ErrMediaJSON},
		{"not json", ErrMediaJSON},
		{`{"ssrc":1`, ErrMediaJSON},
		{`[1,2,3]`, ErrMediaJSON},
		{`{"ssrc":"one"}`, ErrMediaJSON},
		{rtpengineRR + "trailing", ErrMediaJSON},
		{`{"ssrc":-1,"report_blocks":[` + block + `]}`, ErrMediaRange},
		{`{"ssrc":1e30,"report_blocks":[` + block + `]}`, ErrMediaRange},
		{`{"ssrc":1.5,"report_blocks":[` + block + `]}`, ErrMediaRange},
		{`{"report_blocks":[{"source_ssrc":1,"fraction_lost":256}]}`, ErrMediaRange},
		{`{"report_blocks":[{"source_ssrc":1,"packets_lost":16777216}]}`, ErrMediaRange},
		{`{"report_blocks":[{"source_ssrc":1,"packets_lost":-8388609}]}`, ErrMediaRange},
		{`{"report_blocks":[{"source_ssrc":1,"packets_lost":99999999999999999999999}]}`, ErrMediaRange},
		{`{"report_blocks":[{"source_ssrc":1,"ia_jitter":4000000000}]}`, ErrMediaRange},
		{`{"sender_information":{"packets":-5}}`, ErrMediaRange},
		{many, ErrMediaRange},
		{deep, ErrMediaDeep},
		{strings.Repeat("[", 10000), ErrMediaDeep},
		{big, ErrMediaLarge},
		{`{}`, ErrMediaEmpty},
		{`null`, ErrMediaEmpty},
		{`{"ssrc":5,"type":202,"sdes_information":[]}`, ErrMediaEmpty},
	} {
		r, err := DecodeRTCPJSON([]byte(c.in))
		if !errors.Is(err, c.want) {
			in := c.in
			if len(in) > 80 {
				in = in[:80] + "…"
			}
			t.Errorf("DecodeRTCPJSON(%q) = %+v, %v; want %v", in, r, err, c.want)
		}
	}
}

// A string holding brackets or quotes does not count as nesting.
func TestJSONDepthSkipsStrings(t *testing.T) {
	in := `{"text":"[[[[[[[[{{{{{{\"[[[["}`
	if d := jsonDepth([]byte(in)); d != 1 {
		t.Errorf("depth %d, want 1", d)
	}
	if _, err := DecodeRTCPJSON([]byte(`{"ssrc":1,"sender_information":{"packets":3},"x":"` + strings.Repeat("[", 50) + `"}`)); err != nil {
		t.Error(err)
	}
}

// mediaSink collects what OnMedia gets.
type mediaSink struct {
	mu  sync.Mutex
	got []gotMedia
}

type gotMedia struct {
	at             int64
	callID, origin string
	st             monitor.MediaStream
}

func (m *mediaSink) onMedia(at int64, callID, origin string, st monitor.MediaStream) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, gotMedia{at, callID, origin, st})
}

func (m *mediaSink) all() []gotMedia {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]gotMedia(nil), m.got...)
}

var (
	callerRTCP = netip.MustParseAddrPort("10.0.0.1:40001")
	relayRTCPA = netip.MustParseAddrPort("10.0.0.2:30001")
	calleeRTCP = netip.MustParseAddrPort("10.0.0.3:42001")
	relayRTCPB = netip.MustParseAddrPort("10.0.0.2:30003")
)

// mediaPacket is an RTCP JSON report as rtpengine sends it: from the
// RTCP sender to the relay's socket, the Call-ID as correlation ID.
func mediaPacket(src, dst netip.AddrPort, callID, payload string, usec uint32) Packet {
	return Packet{Proto: ProtoUDP, Src: src, Dst: dst, TsSec: 1795000000, TsUsec: usec, ProtoType: TypeRTCP, CaptureID: 7,
		CorrelationID: []byte(callID), Payload: []byte(payload)}
}

// The collector turns rtpengine's reports into streams for OnMedia: the
// caller's SR is its own stream (packets sent), the callee's RR is the
// stream it received (lost, jitter), whose packets come from that SR.
// Refused reports are counted by reason and reach nothing.
func TestCollectorMediaReports(t *testing.T) {
	ms := &mediaSink{}
	c, s := startCollector(t, Options{OnMedia: ms.onMedia})
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sr := `{ "sender_information":{"ntp_timestamp_sec":1,"ntp_timestamp_usec":0,"octets":40000,"rtp_timestamp":0, ` +
		`"packets":250},"ssrc":287454020,"type":200,"report_count":0 }`
	noCID := mediaPacket(callerRTCP, relayRTCPA, "", rtpengineRR, 0)
	sends := []Packet{
		mediaPacket(callerRTCP, relayRTCPA, "call-1@lab", sr, 100000),
		mediaPacket(calleeRTCP, relayRTCPB, "call-1@lab", rtpengineRR, 200000),
		mediaPacket(callerRTCP, relayRTCPA, "call-1@lab", `{"ssrc":`, 0),
		mediaPacket(callerRTCP, relayRTCPA, "call-1@lab", `{"ssrc":-4,"report_blocks":[]}`, 0),
		mediaPacket(callerRTCP, relayRTCPA, "call-1@lab", strings.Repeat("[", 5000), 0),
		mediaPacket(callerRTCP, relayRTCPA, "call-1@lab", `{}`, 0),
		noCID,
		mediaPacket(callerRTCP, relayRTCPA, "call\x1b[2J", rtpengineRR, 0),
		sipPacket(""),
	}
	for _, p := range sends {
		if _, err := conn.Write(hepBytes(t, p)); err != nil {
			t.Fatal(err)
		}
	}
	st := waitPackets(t, c, uint64(len(sends)))
	wantBad := map[string]uint64{"json": 1, "range": 1, "too_deep": 1, "no_report": 1, "no_call_id": 1, "bad_call_id": 1}
	if st.Media != 2 || st.Other != 0 || st.Malformed != 0 || len(st.MediaBad) != len(wantBad) {
		t.Errorf("stats %+v", st)
	}
	for k, n := range wantBad {
		if st.MediaBad[k] != n {
			t.Errorf("MediaBad[%s] = %d, want %d (%v)", k, st.MediaBad[k], n, st.MediaBad)
		}
	}
	if s.count() != 1 {
		t.Errorf("%d events published, want the one SIP message", s.count())
	}
	got := ms.all()
	if len(got) != 2 {
		t.Fatalf("OnMedia got %d streams, want 2: %+v", len(got), got)
	}
	t0 := time.Unix(1795000000, 0)
	srAt, rrAt := t0.Add(100*time.Millisecond), t0.Add(200*time.Millisecond)
	want := []gotMedia{
		{srAt.UnixNano(), "call-1@lab", monitor.MediaFromRTCP, monitor.MediaStream{Src: callerRTCP, Dst: relayRTCPA,
			Stats: media.Stats{SSRC: 287454020, ClockRate: 8000, Packets: 250, Expected: 250, First: srAt.Add(-5 * time.Second), Last: srAt}}},
		{rrAt.UnixNano(), "call-1@lab", monitor.MediaFromRTCP, monitor.MediaStream{Src: relayRTCPB, Dst: calleeRTCP,
			Stats: media.Stats{SSRC: 287454020, ClockRate: 8000, Packets: 225, Expected: 250, Lost: 25,
				Jitter: 10 * time.Millisecond, MaxJitter: 10 * time.Millisecond, First: rrAt.Add(-5 * time.Second), Last: rrAt}}},
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.at != w.at || g.callID != w.callID || g.origin != w.origin || g.st.Src != w.st.Src || g.st.Dst != w.st.Dst ||
			g.st.Forward || !equalStats(g.st.Stats, w.st.Stats) {
			t.Errorf("stream %d\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func equalStats(a, b media.Stats) bool {
	return a.SSRC == b.SSRC && a.ClockRate == b.ClockRate && a.Packets == b.Packets && a.Expected == b.Expected &&
		a.Lost == b.Lost && a.Jitter == b.Jitter && a.MaxJitter == b.MaxJitter && a.First.Equal(b.First) && a.Last.Equal(b.Last)
}

// Without OnMedia, RTCP reports are counted as other protocols, as
// before media was decoded.
func TestCollectorMediaWithoutOnMedia(t *testing.T) {
	c, _ := startCollector(t, Options{})
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(hepBytes(t, mediaPacket(callerRTCP, relayRTCPA, "c@x", rtpengineRR, 0))); err != nil {
		t.Fatal(err)
	}
	if st := waitPackets(t, c, 1); st.Other != 1 || st.Media != 0 || st.MediaBad != nil {
		t.Errorf("stats %+v", st)
	}
}

// A negative packets_lost arrives as rtpengine prints it (unsigned 24
// bits) and leaves the stream's packets unknown without an SR.
func TestMediaStreamsWithoutSR(t *testing.T) {
	r, err := DecodeRTCPJSON([]byte(`{"ssrc":9,"type":201,"report_blocks":[{"source_ssrc":7,"packets_lost":16777214,"ia_jitter":8000}]}`))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1795000000, 0)
	got := mediaStreams(r, "c", calleeRTCP, relayRTCPB, at, &sentCounts{})
	if len(got) != 1 {
		t.Fatalf("%d streams", len(got))
	}
	st := got[0].Stats
	if st.SSRC != 7 || st.Lost != -2 || st.Packets != 0 || st.Expected != 0 || st.Jitter != time.Second || !st.First.Equal(at) ||
		got[0].Src != relayRTCPB || got[0].Dst != calleeRTCP {
		t.Errorf("stream %+v", got[0])
	}
}

// The SR memory stays bounded: it starts over when full.
func TestSentCountsBounded(t *testing.T) {
	var s sentCounts
	for i := range maxSent + 10 {
		s.put("c", uint32(i), 1)
	}
	if len(s.m) > maxSent {
		t.Errorf("%d entries", len(s.m))
	}
	if _, ok := s.get("c", uint32(maxSent+9)); !ok {
		t.Error("the latest entry is gone")
	}
}

// The relay forwards media reports byte for byte, the ones the decoder
// refuses included (they are good HEP: the next collector may read them).
func TestForwardMediaByteForByte(t *testing.T) {
	ms := &mediaSink{}
	d := listenDownstream(t)
	c, _ := startRelaying(t, Options{OnMedia: ms.onMedia, Forward: []string{d.addr()}}, nil)
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	good := [][]byte{
		hepBytes(t, mediaPacket(callerRTCP, relayRTCPA, "fwd@lab", capturedSR, 1)),
		hepBytes(t, mediaPacket(calleeRTCP, relayRTCPB, "fwd@lab", `{"ssrc":`, 2)),
		hepBytes(t, mediaPacket(calleeRTCP, relayRTCPB, "fwd@lab", capturedRR, 3)),
	}
	for _, b := range good {
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	d.expect(t, good)
	st := waitForward(t, c, "all forwarded", func(st Stats) bool { return st.Forward[0].Forwarded == 3 })
	if st.Media != 2 || st.MediaBad["json"] != 1 || len(ms.all()) != 2 {
		t.Errorf("stats %+v, %d streams", st, len(ms.all()))
	}
}

// BenchmarkMediaReport is the collector's work for one RTCP report
// (rtpengine's RR with one block, in a HEP packet): HEP decode, JSON
// decode and the streams.
func BenchmarkMediaReport(b *testing.B) {
	pk := mediaPacket(calleeRTCP, relayRTCPB, "bench@lab", capturedRR, 1)
	raw, err := pk.Append(nil)
	if err != nil {
		b.Fatal(err)
	}
	var sent sentCounts
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := Decode(raw)
		if err != nil {
			b.Fatal(err)
		}
		r, err := DecodeRTCPJSON(p.Payload)
		if err != nil {
			b.Fatal(err)
		}
		if len(mediaStreams(r, string(p.CorrelationID), p.Src, p.Dst, p.Time(), &sent)) != 1 {
			b.Fatal("no stream")
		}
	}
}

// A hostile report's bytes never reach the log raw: the warnings say
// why it was refused, escaped.
func TestMediaRefusalLogIsEscaped(t *testing.T) {
	lb, log := newLog()
	ms := &mediaSink{}
	c, _ := startCollector(t, Options{OnMedia: ms.onMedia, Logger: log})
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hostile := []Packet{
		mediaPacket(callerRTCP, relayRTCPA, "c@lab", "{\"ssrc\":1,\"x\":\"\x1b[2J\x1b]0;owned\x07\"}", 1),
		mediaPacket(callerRTCP, relayRTCPA, "c@lab", "\x1b[31m{", 2),
		mediaPacket(callerRTCP, relayRTCPA, "c\x1b[2J@lab", rtpengineRR, 3),
	}
	for _, p := range hostile {
		if _, err := conn.Write(hepBytes(t, p)); err != nil {
			t.Fatal(err)
		}
	}
	st := waitPackets(t, c, uint64(len(hostile)))
	if st.MediaBad["json"] != 2 || st.MediaBad["bad_call_id"] != 1 || len(ms.all()) != 0 {
		t.Errorf("stats %+v, streams %+v", st, ms.all())
	}
	lines := lb.lines("media report refused")
	if len(lines) != 3 {
		t.Fatalf("%d warnings:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if strings.ContainsAny(l, "\x1b\x07") {
			t.Errorf("a raw control character in the log: %q", l)
		}
	}
}

// With OnMedia set, the other protocol types (rtpagent's QoS JSON 34,
// RTCP-XR 35, logs 100) are still counted as other and ignored.
func TestCollectorOtherTypesWithOnMedia(t *testing.T) {
	ms := &mediaSink{}
	c, s := startCollector(t, Options{OnMedia: ms.onMedia})
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, typ := range []uint8{34, 35, 100} {
		p := mediaPacket(callerRTCP, relayRTCPA, "c@lab", rtpengineRR, 1)
		p.ProtoType = typ
		if _, err := conn.Write(hepBytes(t, p)); err != nil {
			t.Fatal(err)
		}
	}
	st := waitPackets(t, c, 3)
	if st.Other != 3 || st.Media != 0 || st.MediaBad != nil || len(ms.all()) != 0 || s.count() != 0 {
		t.Errorf("stats %+v, %d streams, %d events", st, len(ms.all()), s.count())
	}
}
