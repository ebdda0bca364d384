package capture

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

var (
	a4 = netip.MustParseAddrPort("192.0.2.10:5060")
	b4 = netip.MustParseAddrPort("198.51.100.7:5070")
	a6 = netip.MustParseAddrPort("[2001:db8::10]:5060")
	b6 = netip.MustParseAddrPort("[2001:db8::7]:5070")
)

func TestUDPEveryLinkType(t *testing.T) {
	links := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2,
		layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeRaw}
	for _, lt := range links {
		for _, v6 := range []bool{false, true} {
			src, dst := a4, b4
			if v6 {
				src, dst = a6, b6
			}
			name := lt.String()
			if v6 {
				name += "/v6"
			}
			t.Run(name, func(t *testing.T) {
				frames := []frameSpec{
					{t0, linkWrap(lt, ipPacket(t, src, dst, nil, sipMsg(0, 10)))},
					{t0.Add(time.Millisecond), linkWrap(lt, ipPacket(t, dst, src, nil, sipMsg(1, 0)))},
				}
				for _, file := range [][]byte{writePcap(t, lt, frames), writePcapng(t, lt, frames)} {
					evs, st, err := readAll(t, file)
					if err != nil {
						t.Fatal(err)
					}
					if len(evs) != 2 || st.UDP != 2 || st.Packets != 2 {
						t.Fatalf("got %d events, stats %+v", len(evs), st)
					}
					checkEvent(t, evs[0], t0, src, dst, "udp", sipMsg(0, 10))
					checkEvent(t, evs[1], t0.Add(time.Millisecond), dst, src, "udp", sipMsg(1, 0))
				}
			})
		}
	}
}

func checkEvent(t *testing.T, ev monitor.Event, ts time.Time, src, dst netip.AddrPort, transport string, raw []byte) {
	t.Helper()
	if ev.Kind != monitor.KindSIP || ev.Source != monitor.SourcePcap || ev.SIP == nil {
		t.Fatalf("event %+v", ev)
	}
	if ev.Time != ts.UnixNano() {
		t.Errorf("time %d, want %d (capture timestamp kept to the ns)", ev.Time, ts.UnixNano())
	}
	m := ev.SIP
	if m.Src != src || m.Dst != dst || m.Transport != transport {
		t.Errorf("got %v -> %v %s, want %v -> %v %s", m.Src, m.Dst, m.Transport, src, dst, transport)
	}
	if !bytes.Equal(m.Raw, raw) {
		t.Errorf("raw:\n%q\nwant\n%q", m.Raw, raw)
	}
	if err := m.Decode(sipparse.Parse); err != nil {
		t.Errorf("decode: %v", err)
	}
}

// tcpFrames cuts a byte stream into segments at the given offsets.
func tcpFrames(t *testing.T, lt layers.LinkType, src, dst netip.AddrPort, isn uint32, stream []byte, cuts []int) []frameSpec {
	t.Helper()
	frames := []frameSpec{{t0, linkWrap(lt, ipPacket(t, src, dst, &layers.TCP{Seq: isn - 1, SYN: true}, nil))}}
	prev := 0
	for i, c := range append(cuts, len(stream)) {
		tcp := &layers.TCP{Seq: isn + uint32(prev), ACK: true, PSH: true}
		frames = append(frames, frameSpec{t0.Add(time.Duration(i+1) * time.Millisecond), linkWrap(lt, ipPacket(t, src, dst, tcp, stream[prev:c]))})
		prev = c
	}
	return frames
}

func TestTCPSplitAndCoalesced(t *testing.T) {
	m0, m1, m2, m3 := sipMsg(0, 100), sipMsg(1, 0), sipMsg(2, 5), sipMsg(3, 300)
	stream := bytes.Join([][]byte{m0, m1, []byte("\r\n\r\n"), m2, m3}, nil) // a CRLF keep-alive between messages
	// m0 and m1 share the first segment; m2 and m3 are cut in three places,
	// one in the middle of the Content-Length header.
	cl := bytes.Index(stream[len(m0)+len(m1)+4+len(m2):], []byte("Content-Length")) + len(m0) + len(m1) + 4 + len(m2)
	cuts := []int{len(m0) + len(m1) + 10, cl + 9, len(stream) - 50}
	for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL2, layers.LinkTypeNull} {
		for _, pair := range [][2]netip.AddrPort{{a4, b4}, {a6, b6}} {
			frames := tcpFrames(t, lt, pair[0], pair[1], 0xFFFFFF00, stream, cuts) // sequence numbers wrap around
			evs, st, err := readAll(t, writePcap(t, lt, frames))
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 4 || st.TCP != 4 {
				t.Fatalf("%v %v: got %d events, stats %+v", lt, pair[0], len(evs), st)
			}
			for i, want := range [][]byte{m0, m1, m2, m3} {
				ts := t0.Add(time.Millisecond)
				if i == 2 {
					ts = t0.Add(2 * time.Millisecond) // completed by the second segment
				}
				if i == 3 {
					ts = t0.Add(4 * time.Millisecond) // completed by the last segment
				}
				checkEvent(t, evs[i], ts, pair[0], pair[1], "tcp", want)
			}
		}
	}
}

func TestTCPOutOfOrderRetransmitAndMidStream(t *testing.T) {
	m0, m1 := sipMsg(0, 40), sipMsg(1, 0)
	stream := append(append([]byte{}, m0...), m1...)
	frames := tcpFrames(t, layers.LinkTypeEthernet, a4, b4, 1000, stream, []int{30, 90, len(m0) + 20})
	frames = frames[1:] // no SYN: the capture starts mid-connection
	// deliver the second segment last, and the first one twice
	frames = []frameSpec{frames[0], frames[2], frames[0], frames[3], frames[1]}
	evs, st, err := readAll(t, writePcap(t, layers.LinkTypeEthernet, frames))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || st.Stream.Retransmits != 1 {
		t.Fatalf("got %d events, stats %+v", len(evs), st)
	}
	if !bytes.Equal(evs[0].SIP.Raw, m0) || !bytes.Equal(evs[1].SIP.Raw, m1) {
		t.Fatalf("messages out of order or damaged: %q", evs[0].SIP.Raw)
	}
}

func TestTCPGapResyncs(t *testing.T) {
	// A capture that lost a segment: the damaged message is dropped, the
	// stream resyncs on the next start line and later messages come through.
	var stream []byte
	var msgs [][]byte
	for i := range 80 {
		m := sipMsg(i, 20)
		msgs = append(msgs, m)
		stream = append(stream, m...)
	}
	var cuts []int
	for c := 100; c < len(stream); c += 100 {
		cuts = append(cuts, c)
	}
	frames := tcpFrames(t, layers.LinkTypeEthernet, a4, b4, 5000, stream, cuts)
	frames = append(frames[:3], frames[4:]...) // lose bytes 200..300
	evs, st, err := readAll(t, writePcap(t, layers.LinkTypeEthernet, frames))
	if err != nil {
		t.Fatal(err)
	}
	if st.Stream.Gaps != 1 || len(evs) < 70 || len(evs) >= 80 {
		t.Fatalf("got %d events, stats %+v", len(evs), st)
	}
	if last := evs[len(evs)-1].SIP.Raw; !bytes.Equal(last, msgs[79]) {
		t.Fatalf("last message %q", last)
	}
}

func TestIPFragments(t *testing.T) {
	big := sipMsg(0, 4000)
	for _, pair := range [][2]netip.AddrPort{{a4, b4}, {a6, b6}} {
		frames := fragment(t, pair[0], pair[1], big, 1400)
		// deliver the fragments in reverse order, with an unrelated datagram between
		rev := []frameSpec{}
		for i := len(frames) - 1; i >= 0; i-- {
			rev = append(rev, frames[i])
		}
		rev = append(rev[:1], append([]frameSpec{{t0, linkWrap(layers.LinkTypeEthernet, ipPacket(t, pair[0], pair[1], nil, sipMsg(1, 0)))}}, rev[1:]...)...)
		evs, st, err := readAll(t, writePcap(t, layers.LinkTypeEthernet, rev))
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || st.Reassembled != 1 || st.Fragments != uint64(len(frames)) {
			t.Fatalf("%v: got %d events, stats %+v", pair[0], len(evs), st)
		}
		checkEvent(t, evs[1], t0, pair[0], pair[1], "udp", big)
	}
}

func TestNonSIPAndSkippedAreCounted(t *testing.T) {
	lt := layers.LinkTypeEthernet
	arp := make([]byte, 42)
	arp[12], arp[13] = 0x08, 0x06
	frames := []frameSpec{
		{t0, linkWrap(lt, ipPacket(t, a4, b4, nil, []byte("\x00\x01binary stun-ish junk")))},
		{t0, linkWrap(lt, ipPacket(t, a4, b4, nil, []byte("\r\n\r\n")))},
		{t0, arp},
		{t0, []byte{1, 2, 3}},
		{t0, linkWrap(lt, ipPacket(t, a4, b4, nil, sipMsg(2, 0)))},
	}
	evs, st, err := readAll(t, writePcap(t, lt, frames))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || st.NonSIP != 1 || st.KeepAlives != 1 || st.Skipped != 2 || st.Packets != 5 {
		t.Fatalf("got %d events, stats %+v", len(evs), st)
	}
}

func TestTruncatedFileKeepsWhatWasRead(t *testing.T) {
	lt := layers.LinkTypeEthernet
	frames := []frameSpec{
		{t0, linkWrap(lt, ipPacket(t, a4, b4, nil, sipMsg(0, 0)))},
		{t0, linkWrap(lt, ipPacket(t, a4, b4, nil, sipMsg(2, 0)))},
	}
	for _, file := range [][]byte{writePcap(t, lt, frames), writePcapng(t, lt, frames)} {
		evs, _, err := readAll(t, file[:len(file)-30])
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("err = %v, want ErrTruncated", err)
		}
		if len(evs) != 1 {
			t.Fatalf("got %d events before the cut, want 1", len(evs))
		}
	}
	if _, err := NewReader(bytes.NewReader([]byte("not a capture at all")), Options{}); err == nil {
		t.Fatal("a text file was accepted as a capture")
	}
}

func TestVLANTaggedEthernet(t *testing.T) {
	eth := linkWrap(layers.LinkTypeEthernet, ipPacket(t, a4, b4, nil, sipMsg(0, 0)))
	tagged := append(append(append([]byte{}, eth[:12]...), 0x81, 0x00, 0x00, 0x64), eth[12:]...)
	evs, _, err := readAll(t, writePcap(t, layers.LinkTypeEthernet, []frameSpec{{t0, tagged}}))
	if err != nil || len(evs) != 1 {
		t.Fatalf("got %d events, %v", len(evs), err)
	}
}

func TestTCPLostSegmentDoesNotHoldBackTheRest(t *testing.T) {
	// A short flow whose second segment the capture lost: the messages after
	// the hole come out at the end of the file (and at FIN), not never.
	m0, m1, m2 := sipMsg(0, 10), sipMsg(1, 0), sipMsg(2, 0)
	stream := bytes.Join([][]byte{m0, m1, m2}, nil)
	cuts := []int{len(m0) / 2, len(m0), len(m0) + len(m1)}
	frames := tcpFrames(t, layers.LinkTypeEthernet, a4, b4, 9000, stream, cuts)
	lost := append(append([]frameSpec{}, frames[:2]...), frames[3:]...) // m0's second half is missing
	evs, st, err := readAll(t, writePcap(t, layers.LinkTypeEthernet, lost))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || st.Stream.Gaps != 1 || !bytes.Equal(evs[0].SIP.Raw, m1) || !bytes.Equal(evs[1].SIP.Raw, m2) {
		t.Fatalf("got %d events, stats %+v", len(evs), st)
	}
	// a FIN after the hole flushes too
	fin := linkWrap(layers.LinkTypeEthernet, ipPacket(t, a4, b4, &layers.TCP{Seq: 9000 + uint32(len(stream)), FIN: true, ACK: true}, nil))
	lost = append(lost, frameSpec{t0.Add(time.Second), fin})
	if evs, _, err = readAll(t, writePcap(t, layers.LinkTypeEthernet, lost)); err != nil || len(evs) != 2 {
		t.Fatalf("with FIN: %d events, %v", len(evs), err)
	}
}
