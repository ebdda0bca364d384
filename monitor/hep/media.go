package hep

// Media statistics over HEP.
//
// The protocol types (chunk 0x000b) the collector handles:
//
//	1  SIP          a monitor.KindSIP event (collector.go)
//	5  RTCP (JSON)  a monitor.MediaStream per report for Options.OnMedia (this file)
//
// Every other type (34 rtpagent QoS JSON, 35 RTCP-XR, 53 DNS, 61
// rtpengine's NG traces, 100 logs, ...) is counted in Stats.Other and
// ignored, and so is type 5 when Options.OnMedia is nil. Chunk 0x0011,
// the correlation ID, is the call's SIP Call-ID; heplify's chunk 0x0020
// (its own MOS×100, guessed from fraction_lost) is ignored.
//
// Type 5's payload is one RTCP compound packet as JSON. rtpengine's
// --homer sends every RTCP packet it relays, from the RTCP sender's
// address to the relay's own socket (mr10.5.3.5, the Debian 12 version:
// daemon/rtcp.c homer_sr, homer_rr_list_start, homer_rr, homer_finish;
// daemon/homer.c send_hepv3 with PROTO_RTCP_JSON = 5;
// https://github.com/sipwise/rtpengine/blob/mr10.5.3.5/daemon/rtcp.c and
// https://github.com/sipwise/rtpengine/blob/mr10.5.3.5/daemon/homer.c):
//
//	{ "sender_information":{"ntp_timestamp_sec":N,"ntp_timestamp_usec":N,
//	    "octets":N,"rtp_timestamp":N, "packets":N},        (SR only)
//	  "ssrc":N,"type":200,"report_count":1,
//	  "report_blocks":[{"source_ssrc":N,"highest_seq_no":N,"fraction_lost":N,
//	    "ia_jitter":N,"packets_lost":N,"lsr":N,"dlsr":N}],
//	  "sdes_report_count":1,"sdes_information": [{"sdes_chunk_ssrc":N,"type":1,"text":"..."}] }
//
// packets_lost is the raw 24-bit field printed unsigned (-1 is 16777215);
// ia_jitter is in RTP timestamp units. heplify sends the same keys for
// the first packet of a compound, with sender_information always present
// (zero in an RR), plus report_blocks_xr, voip_metrics and sdes_ssrc, from
// the RTCP packet's own addresses (src/decoder/rtcp.go ParseRTCP,
// src/sniffer/sniffer.go handleRTCP;
// https://github.com/sipcapture/heplify/blob/8d33a945f0e1fb7c14e2ae20555e92b6f79ed2df/src/decoder/rtcp.go).
// heplify-server reads the same paths (metric/definition.go rtcpPaths,
// https://github.com/sipcapture/heplify-server/blob/0112e4dda97e34bf18a9be5517cf9be73d96609e/metric/definition.go).
//
// From one report the collector makes these streams (Forward is always
// false: RTCP alone does not say which side is the caller; the tracker
// learns it by matching the addresses against the call's SDP):
//
//   - an SR's sender information: the reporter's own stream, Src = the
//     HEP source (the reporter), Dst = the HEP destination, SSRC = the
//     reporter's, Packets = Expected = the packets it says it sent.
//   - each report block: the stream the reporter received, Src = the HEP
//     destination, Dst = the HEP source, SSRC = source_ssrc, Lost = the
//     cumulative count (sign-extended), Jitter = ia_jitter / 8000 Hz.
//     RTCP does not carry the payload type, so the clock rate is taken to
//     be 8000 Hz (G.711, G.729, G.722's RTP clock; Stats.ClockRate says
//     so and a tracker that knows the codec from the SDP can rescale).
//     A receiver report has no packet count: Expected is the packet count
//     of the latest SR of that SSRC in the same call (the sender's RTCP
//     passes the same relay), Packets = Expected − Lost; without one both
//     stay 0.
//
// The addresses are the RTCP ones (the RTP port + 1, or the RTP port
// itself with rtcp-mux), as the SDP's a=rtcp names them. First is an
// estimate, the report time less Expected packets of 20 ms; Last is the
// report time.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// TypeRTCP is the HEP protocol type of RTCP reports as JSON.
const TypeRTCP = 5

// Bounds on a media report: the largest rtpengine writes (31 report
// blocks and a few SDES items) is under 8 KiB and three levels deep.
const (
	maxMediaJSON   = 16 << 10
	maxMediaDepth  = 6
	maxMediaBlocks = 64
	maxCallID      = 256
	// rtcpClock is the RTP clock rate ia_jitter is divided by.
	rtcpClock = 8000
	// maxJitterUnits bounds ia_jitter: 10 s at 8000 Hz (more is junk).
	maxJitterUnits = 10 * rtcpClock
)

// Why a media report was refused (Stats.MediaBad's keys).
var (
	ErrMediaJSON     = errors.New("json")        // not JSON, or not the report's shape
	ErrMediaLarge    = errors.New("too_large")   // over maxMediaJSON bytes
	ErrMediaDeep     = errors.New("too_deep")    // nested deeper than any sender writes
	ErrMediaRange    = errors.New("range")       // a number negative, fractional or past its field
	ErrMediaEmpty    = errors.New("no_report")   // neither sender information nor report blocks
	ErrMediaNoCallID = errors.New("no_call_id")  // no correlation ID chunk: no call to give it to
	ErrMediaCallID   = errors.New("bad_call_id") // a correlation ID that cannot be a Call-ID
)

var mediaReasons = [...]error{ErrMediaJSON, ErrMediaLarge, ErrMediaDeep, ErrMediaRange, ErrMediaEmpty, ErrMediaNoCallID, ErrMediaCallID}

// rtcpJSON is the JSON of rtpengine and heplify (the keys both write).
type rtcpJSON struct {
	Sender *struct {
		NTPSec  uint32 `json:"ntp_timestamp_sec"`
		NTPFrac uint32 `json:"ntp_timestamp_usec"` // the NTP fraction, despite the name
		RTPTime uint32 `json:"rtp_timestamp"`
		Packets uint32 `json:"packets"`
		Octets  uint32 `json:"octets"`
	} `json:"sender_information"`
	SSRC   uint32 `json:"ssrc"`
	Type   uint8  `json:"type"`
	Blocks []struct {
		SSRC         uint32 `json:"source_ssrc"`
		HighestSeq   uint32 `json:"highest_seq_no"`
		FractionLost uint8  `json:"fraction_lost"`
		Jitter       uint32 `json:"ia_jitter"`
		Lost         int64  `json:"packets_lost"`
		LSR          uint32 `json:"lsr"`
		DLSR         uint32 `json:"dlsr"`
	} `json:"report_blocks"`
}

// DecodeRTCPJSON reads one RTCP report as rtpengine and heplify write it
// (HEP protocol type 5). The error wraps one of the ErrMedia reasons.
func DecodeRTCPJSON(b []byte) (media.Report, error) {
	var r media.Report
	if len(b) > maxMediaJSON {
		return r, fmt.Errorf("%w: %d bytes", ErrMediaLarge, len(b))
	}
	if d := jsonDepth(b); d > maxMediaDepth {
		return r, fmt.Errorf("%w: nested %d deep", ErrMediaDeep, d)
	}
	var j rtcpJSON
	if err := json.Unmarshal(b, &j); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && strings.HasPrefix(te.Value, "number") {
			return r, fmt.Errorf("%w: %s: %v", ErrMediaRange, te.Field, err)
		}
		return r, fmt.Errorf("%w: %v", ErrMediaJSON, err)
	}
	if len(j.Blocks) > maxMediaBlocks {
		return r, fmt.Errorf("%w: %d report blocks", ErrMediaRange, len(j.Blocks))
	}
	r.Type, r.SSRC = j.Type, j.SSRC
	if s := j.Sender; s != nil && (s.Packets != 0 || s.NTPSec != 0) { // heplify writes zeros in an RR
		r.Sender = media.SenderInfo{NTPTime: uint64(s.NTPSec)<<32 | uint64(s.NTPFrac), RTPTime: s.RTPTime,
			PacketCount: s.Packets, OctetCount: s.Octets}
	}
	for _, b := range j.Blocks {
		if b.Lost < -0x800000 || b.Lost > 0xffffff {
			return r, fmt.Errorf("%w: packets_lost %d is not 24 bits", ErrMediaRange, b.Lost)
		}
		if b.Jitter > maxJitterUnits {
			return r, fmt.Errorf("%w: ia_jitter %d", ErrMediaRange, b.Jitter)
		}
		lost := int32(b.Lost)
		if lost > 0x7fffff { // the unsigned print of a negative count
			lost -= 0x1000000
		}
		r.Blocks = append(r.Blocks, media.ReportBlock{SSRC: b.SSRC, FractionLost: b.FractionLost, CumulLost: lost,
			ExtHighestSeq: b.HighestSeq, Jitter: b.Jitter, LSR: b.LSR, DLSR: b.DLSR})
	}
	if r.Sender.PacketCount == 0 && len(r.Blocks) == 0 {
		return r, ErrMediaEmpty
	}
	return r, nil
}

// jsonDepth is how deep b's arrays and objects nest (strings skipped),
// stopping as soon as it passes maxMediaDepth.
func jsonDepth(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > maxMediaDepth {
					return deepest
				}
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// checkCallID refuses a correlation ID that is not a plausible Call-ID:
// empty, long, or with anything but visible ASCII (RFC 3261's word).
func checkCallID(id []byte) error {
	if len(id) == 0 {
		return ErrMediaNoCallID
	}
	if len(id) > maxCallID {
		return fmt.Errorf("%w: %d bytes", ErrMediaCallID, len(id))
	}
	for _, c := range id {
		if c < 0x21 || c > 0x7e {
			return fmt.Errorf("%w: byte 0x%02x", ErrMediaCallID, c)
		}
	}
	return nil
}

// mediaStreams turns one report into streams (see the top of this file).
// sent holds the SR packet counts seen so far; the report's own is added.
func mediaStreams(r media.Report, callID string, src, dst netip.AddrPort, at time.Time, sent *sentCounts) []monitor.MediaStream {
	var out []monitor.MediaStream
	if n := r.Sender.PacketCount; n > 0 {
		sent.put(callID, r.SSRC, n)
		out = append(out, monitor.MediaStream{Src: src, Dst: dst, Stats: media.Stats{
			SSRC: r.SSRC, ClockRate: rtcpClock, Packets: uint64(n), Expected: uint64(n),
			First: firstPacket(at, uint64(n)), Last: at}})
	}
	for _, b := range r.Blocks {
		j := time.Duration(uint64(b.Jitter) * uint64(time.Second) / rtcpClock)
		st := media.Stats{SSRC: b.SSRC, ClockRate: rtcpClock, Lost: int64(b.CumulLost), Jitter: j, MaxJitter: j, Last: at}
		if n, ok := sent.get(callID, b.SSRC); ok {
			st.Expected = max(uint64(n), uint64(max(st.Lost, 0)))
			st.Packets = st.Expected - uint64(max(st.Lost, 0))
		}
		st.First = firstPacket(at, st.Expected)
		out = append(out, monitor.MediaStream{Src: dst, Dst: src, Stats: st})
	}
	return out
}

// firstPacket estimates when a stream of n packets of 20 ms began.
func firstPacket(at time.Time, n uint64) time.Time {
	return at.Add(-time.Duration(min(n, 1<<30)) * 20 * time.Millisecond)
}

// sentCounts remembers the latest SR packet count per call and SSRC, for
// the receivers' reports on that SSRC. The parse goroutines share it (a
// mutex); it forgets everything when it holds maxSent entries.
type sentCounts struct {
	mu sync.Mutex
	m  map[sentKey]uint32
}

type sentKey struct {
	callID string
	ssrc   uint32
}

const maxSent = 1 << 14

func (s *sentCounts) put(callID string, ssrc, n uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil || len(s.m) >= maxSent {
		s.m = make(map[sentKey]uint32)
	}
	s.m[sentKey{callID, ssrc}] = n
}

func (s *sentCounts) get(callID string, ssrc uint32) (uint32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.m[sentKey{callID, ssrc}]
	return n, ok
}
