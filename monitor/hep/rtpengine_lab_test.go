package hep

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// labLeg is one side of a call through rtpengine: its RTP and RTCP
// sockets and where rtpengine's SDP told it to send.
type labLeg struct {
	rtp, rtcp        *net.UDPConn
	ssrc             uint32
	peerRTP, peerRTC netip.AddrPort // rtpengine's ports for this leg
}

func newLabLeg(t *testing.T, ssrc uint32) *labLeg {
	t.Helper()
	l := &labLeg{ssrc: ssrc}
	for _, c := range []**net.UDPConn{&l.rtp, &l.rtcp} {
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		*c = conn
	}
	return l
}

func (l *labLeg) sdp() string {
	return lab.AudioSDP(l.rtp.LocalAddr().(*net.UDPAddr).AddrPort()) +
		"a=rtcp:" + strconv.Itoa(l.rtcp.LocalAddr().(*net.UDPAddr).Port) + "\r\n"
}

// learn reads the SDP rtpengine gave this leg: where to send RTP and RTCP.
func (l *labLeg) learn(t *testing.T, sdp string) {
	t.Helper()
	s, err := media.ParseSDP([]byte(sdp))
	if err != nil || len(s.Media) == 0 {
		t.Fatalf("rtpengine's SDP: %v\n%s", err, sdp)
	}
	l.peerRTP, l.peerRTC = s.Media[0].RTPDest(), s.Media[0].RTCPDest()
}

// rtpPacket is a 20 ms PCMU packet.
func rtpPacket(ssrc uint32, seq uint16, ts uint32) []byte {
	b := make([]byte, 12+160)
	b[0], b[1] = 0x80, 0
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	for i := 12; i < len(b); i++ {
		b[i] = 0xff
	}
	return b
}

// rtcpCompound is an SR (when sent > 0) or an RR with at most one report
// block, and an SDES CNAME, as RFC 3550 §6.1 wants a compound to be.
func rtcpCompound(ssrc uint32, sent uint32, block *media.ReportBlock) []byte {
	var b []byte
	count := byte(0)
	if block != nil {
		count = 1
	}
	pt, words := byte(media.RTCPReceiverReport), 1+6*int(count)
	if sent > 0 {
		pt, words = media.RTCPSenderReport, words+5
	}
	b = append(b, 0x80|count, pt, 0, byte(words))
	b = binary.BigEndian.AppendUint32(b, ssrc)
	if sent > 0 {
		b = binary.BigEndian.AppendUint64(b, 0xeb00000080000000) // NTP time
		b = binary.BigEndian.AppendUint32(b, sent*160)
		b = binary.BigEndian.AppendUint32(b, sent)
		b = binary.BigEndian.AppendUint32(b, sent*160)
	}
	if block != nil {
		b = binary.BigEndian.AppendUint32(b, block.SSRC)
		b = binary.BigEndian.AppendUint32(b, uint32(block.FractionLost)<<24|uint32(block.CumulLost)&0xffffff)
		b = binary.BigEndian.AppendUint32(b, block.ExtHighestSeq)
		b = binary.BigEndian.AppendUint32(b, block.Jitter)
		b = binary.BigEndian.AppendUint32(b, 0)
		b = binary.BigEndian.AppendUint32(b, 0)
	}
	cname := "lab@127.0.0.1" // 13 bytes: the chunk is 4+2+13+1 = 20 bytes
	b = append(b, 0x81, media.RTCPSourceDesc, 0, 5)
	b = binary.BigEndian.AppendUint32(b, ssrc)
	b = append(b, 1, byte(len(cname)))
	b = append(b, cname...)
	return append(b, 0) // the end of the chunk's items
}

// receive folds the RTP that reaches conn into a stream until want
// packets came (or 10 s passed).
func receive(conn *net.UDPConn, want int, out chan<- media.Stats) {
	var s media.Stream
	buf := make([]byte, 2048)
	deadline := time.Now().Add(10 * time.Second)
	for n := 0; n < want; {
		_ = conn.SetReadDeadline(deadline)
		m, err := conn.Read(buf)
		if err != nil {
			break
		}
		var h media.RTPHeader
		if media.ParseRTP(buf[:m], &h) == nil {
			s.Packet(&h, time.Now())
			n++
		}
	}
	out <- s.Stats()
}

// The real rtpengine relays a call's RTP and RTCP and sends every RTCP
// report to the collector over HEP (--homer): the collector decodes the
// callee's receiver report to the caller's SSRC with the loss the callee
// measured (every tenth packet dropped on the way), and the caller's
// sender report to its packet count. Over --homer-protocol udp and tcp.
func TestRTPengineHomerReports(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		t.Run(map[bool]string{false: "udp", true: "tcp"}[tcp], func(t *testing.T) { rtpengineHomer(t, tcp) })
	}
}

func rtpengineHomer(t *testing.T, tcp bool) {
	ms := &mediaSink{}
	down := listenDownstream(t)
	c, _ := startCollector(t, Options{OnMedia: ms.onMedia, Forward: []string{down.addr()}, TCP: tcp})
	rtpe := lab.StartRTPengine(t, lab.RTPengineOptions{Homer: c.UDPAddr().String(), HomerTCP: tcp, HomerID: 7})
	caller, callee := newLabLeg(t, 0x11223344), newLabLeg(t, 0x55667788)
	const callID = "hepmedia-lab-1@127.0.0.1"
	offer, err := rtpe.Offer(callID, "caller-tag", caller.sdp(), nil)
	if err != nil {
		t.Fatal(err)
	}
	callee.learn(t, offer)
	answer, err := rtpe.Answer(callID, "caller-tag", "callee-tag", callee.sdp(), nil)
	if err != nil {
		t.Fatal(err)
	}
	caller.learn(t, answer)

	const total, firstSeq = 100, 65500 // the sequence numbers wrap
	got := make(chan media.Stats, 1)
	go receive(callee.rtp, total-total/10, got)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := range total {
		<-tick.C
		if i%10 == 4 {
			continue // lost on the way
		}
		if _, err := caller.rtp.WriteToUDPAddrPort(rtpPacket(caller.ssrc, uint16(firstSeq+i), uint32(i*160)), caller.peerRTP); err != nil {
			t.Fatal(err)
		}
	}
	recv := <-got
	if recv.Packets != total-total/10 || recv.Lost != total/10 {
		t.Fatalf("the callee received %d packets, %d lost, want %d and %d\n%s", recv.Packets, recv.Lost, total-total/10, total/10, rtpe.Log())
	}
	jitter := uint32(recv.Jitter * 8000 / time.Second)
	// rtpengine connects to a TCP collector when it first has a report
	// and sends what it queued with the next one: each waits, sending its
	// report again now and then.
	waitMedia(t, ms, rtpe, func() {
		sendRTCP(t, caller.rtcp, caller.peerRTC, rtcpCompound(caller.ssrc, total, nil))
	}, func(g gotMedia) bool { return g.st.Stats.Packets == total })
	block := &media.ReportBlock{SSRC: caller.ssrc, FractionLost: uint8(256 * (total / 10) / total), CumulLost: total / 10,
		ExtHighestSeq: firstSeq + total - 1, Jitter: jitter}
	waitMedia(t, ms, rtpe, func() {
		sendRTCP(t, callee.rtcp, callee.peerRTC, rtcpCompound(callee.ssrc, 0, block))
	}, func(g gotMedia) bool { return g.st.Stats.Lost != 0 })
	checkLabStreams(t, ms.all(), caller, callee, callID, jitter)
	checkForwarded(t, down, callID)
}

func sendRTCP(t *testing.T, conn *net.UDPConn, to netip.AddrPort, b []byte) {
	t.Helper()
	if _, err := conn.WriteToUDPAddrPort(b, to); err != nil {
		t.Fatal(err)
	}
}

// waitMedia sends (now and every 200 ms) until OnMedia got a stream that
// ok likes, for 10 s at most.
func waitMedia(t *testing.T, ms *mediaSink, rtpe *lab.RTPengine, send func(), ok func(gotMedia) bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(10 * time.Second)
	for i := 0; ; i++ {
		if i%20 == 0 {
			send()
		}
		for _, g := range ms.all() {
			if ok(g) {
				return
			}
		}
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("no such media report from rtpengine; got %+v\n%s", ms.all(), rtpe.Log())
		}
	}
}

func checkLabStreams(t *testing.T, got []gotMedia, caller, callee *labLeg, callID string, jitter uint32) {
	t.Helper()
	var sr, rr gotMedia // the first of each (a report may have been sent again)
	for _, g := range got {
		switch {
		case g.st.Stats.Lost == 0 && sr.callID == "":
			sr = g
		case g.st.Stats.Lost != 0 && rr.callID == "":
			rr = g
		}
	}
	addr := func(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }
	if sr.callID != callID || sr.origin != monitor.MediaFromRTCP || sr.st.Stats.SSRC != caller.ssrc || sr.st.Stats.Packets != 100 ||
		sr.st.Src != addr(caller.rtcp) || sr.st.Dst != caller.peerRTC {
		t.Errorf("the caller's SR: %+v", sr)
	}
	wantJitter := time.Duration(jitter) * time.Second / 8000
	if rr.callID != callID || rr.st.Stats.SSRC != caller.ssrc || rr.st.Stats.Lost != 10 || rr.st.Stats.Expected != 100 || rr.st.Stats.Packets != 90 ||
		rr.st.Stats.Jitter != wantJitter || rr.st.Src != callee.peerRTC || rr.st.Dst != addr(callee.rtcp) || rr.st.Forward {
		t.Errorf("the callee's RR: %+v (jitter want %v)", rr, wantJitter)
	}
	if loss := rr.st.Stats.LossFraction(); loss != 0.1 {
		t.Errorf("loss fraction %v, want 0.1", loss)
	}
	if rr.at < sr.at || rr.at > time.Now().UnixNano() {
		t.Errorf("report times %d, %d", sr.at, rr.at)
	}
}

// checkForwarded: the relay passed rtpengine's HEP on as it came, with
// its capture ID and the Call-ID as correlation ID.
func checkForwarded(t *testing.T, down *downstream, callID string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for n := 0; n < 2; { // the first two: the SR, the RR
		select {
		case b := <-down.got:
			p, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if p.ProtoType != TypeRTCP || p.CaptureID != 7 || string(p.CorrelationID) != callID {
				t.Errorf("forwarded type %d capture %d correlation %q", p.ProtoType, p.CaptureID, p.CorrelationID)
			}
			n++
		case <-timeout:
			t.Fatal(errors.New("the relay forwarded fewer than 2 reports"))
		}
	}
}
