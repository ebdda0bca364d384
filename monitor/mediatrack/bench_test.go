package mediatrack

import (
	"encoding/binary"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

// benchPacket is one precomputed datagram of the benchmark's night.
type benchPacket struct {
	src, dst netip.AddrPort
	b        []byte
	seq      uint16
	off      int64 // from the start of a lap
}

// benchNight sets up calls calls (each answered, both ways) on tr and
// returns a lap of perStream packets a stream, interleaved in time order.
func benchNight(tr *Tracker, calls, perStream int) []benchPacket {
	var pkts []benchPacket
	for i := 0; i < calls; i++ {
		a := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		b := netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)})
		id := "bench-" + a.String()
		tr.SIP(t0, msg{method: "INVITE", callID: id, fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody(a.String(), 4000)}.sip())
		tr.SIP(t0, msg{method: "INVITE", code: 200, callID: id, fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody(b.String(), 6000)}.sip())
		for k := 0; k < perStream; k++ {
			off := int64(k) * int64(20*time.Millisecond)
			pkts = append(pkts,
				benchPacket{netip.AddrPortFrom(a, 4000), netip.AddrPortFrom(b, 6000), rtp(uint16(k), uint32(160*k), uint32(2*i), 0), uint16(k), off},
				benchPacket{netip.AddrPortFrom(b, 6000), netip.AddrPortFrom(a, 4000), rtp(uint16(k), uint32(160*k), uint32(2*i+1), 0), uint16(k), off})
		}
	}
	// Interleave by time: the k-th packet of every stream, then the next.
	out := make([]benchPacket, 0, len(pkts))
	for k := 0; k < perStream; k++ {
		for i := 0; i < calls; i++ {
			out = append(out, pkts[i*2*perStream+2*k], pkts[i*2*perStream+2*k+1])
		}
	}
	return out
}

// BenchmarkTrackerPacket folds RTP of 1,000 calls (2,000 streams) on one
// core: every iteration is a fresh packet (a new sequence number and
// arrival time), through the address lookup, RTP parse and the stream's
// loss and jitter. "+due": with the Due call a capture reader makes
// before each packet.
//
//	go test -run X -bench TrackerPacket -cpu 1 ./monitor/mediatrack
func BenchmarkTrackerPacket(b *testing.B) {
	for _, withDue := range []bool{false, true} {
		name := "packet"
		if withDue {
			name = "packet+due"
		}
		b.Run(name, func(b *testing.B) {
			tr := New(Options{Idle: time.Hour})
			const perStream = 100
			lap := benchNight(tr, 1000, perStream)
			lapTime := int64(perStream) * int64(20*time.Millisecond)
			emit := func(monitor.Event) {}
			b.ReportAllocs()
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				n := i / len(lap)
				p := &lap[i%len(lap)]
				binary.BigEndian.PutUint16(p.b[2:], p.seq+uint16(n*perStream))
				at := t0 + int64(n)*lapTime + p.off
				if withDue {
					tr.Due(at, emit)
				}
				if !tr.Packet(at, p.src, p.dst, p.b) {
					b.Fatal("a packet not matched")
				}
				i++
			}
			// On a shared machine wall time counts the neighbours' work too:
			// the process's CPU time a packet is the figure to compare.
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/pkt")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
			if st := tr.Stats(); st.RTP != uint64(b.N) {
				b.Fatalf("%d packets folded of %d", st.RTP, b.N)
			}
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTrackerSIP is the tracker's cost a SIP message, on a call's
// messages (INVITE and 200 with SDP, ACK, BYE and its 200) and an OPTIONS
// ping and its 200: the scan, the SDP parse, the matching. A fresh Call-ID
// each call. "parsed": the messages come with the fold's Info, as a
// capture reader and the HEP collector hand them over (monitor/sipparse,
// not counted here); "raw": without it, every message is scanned.
//
//	go test -run X -bench TrackerSIP -cpu 1 ./monitor/mediatrack
func BenchmarkTrackerSIP(b *testing.B) {
	for _, parsed := range []bool{false, true} {
		name := "raw"
		if parsed {
			name = "parsed"
		}
		b.Run(name, func(b *testing.B) { benchTrackerSIP(b, parsed) })
	}
}

func benchTrackerSIP(b *testing.B, parsed bool) {
	const calls = 4096
	var msgs [][]*monitor.SIPMessage
	for i := 0; i < calls; i++ {
		id := "sip-bench-" + netip.AddrFrom4([4]byte{10, 3, byte(i >> 8), byte(i)}).String()
		a := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}).String()
		c := netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)}).String()
		call := []*monitor.SIPMessage{
			msg{method: "INVITE", callID: id, fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody(a, 4000)}.sip(),
			msg{method: "INVITE", code: 200, callID: id, fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody(c, 6000)}.sip(),
			msg{method: "ACK", callID: id, fromTag: "a", toTag: "b", src: "10.0.0.1:5060", dst: "10.0.0.2:5060"}.sip(),
			msg{method: "OPTIONS", callID: "ping-" + id, fromTag: "p", src: "10.0.0.3:5060", dst: "10.0.0.2:5060"}.sip(),
			msg{method: "OPTIONS", code: 200, callID: "ping-" + id, fromTag: "p", toTag: "q", src: "10.0.0.2:5060", dst: "10.0.0.3:5060"}.sip(),
			msg{method: "BYE", callID: id, fromTag: "a", toTag: "b", src: "10.0.0.1:5060", dst: "10.0.0.2:5060"}.sip(),
			msg{method: "BYE", code: 200, callID: id, fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060"}.sip(),
		}
		for _, m := range call {
			if err := m.Decode(sipparse.Parse); parsed && err != nil {
				b.Fatal(err)
			} else if !parsed {
				m.Info = nil
			}
		}
		msgs = append(msgs, call)
	}
	tr := New(Options{})
	emit := func(monitor.Event) {}
	b.ReportAllocs()
	n := 0
	cpu0 := cpuTime()
	for b.Loop() {
		at := t0 + int64(n)*int64(time.Millisecond)
		tr.Due(at, emit)
		for _, m := range msgs[n%calls] {
			tr.SIP(at, m)
		}
		n++
		if n%calls == 0 { // the next lap's calls are new ones
			tr.Flush(at, emit)
			tr = New(Options{})
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(7*b.N), "cpu-ns/msg")
}
