package media_test

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor/media"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// sippPcaps are RTP captures that sipp (Debian's sip-tester) ships for
// play_pcap_audio: one G.711 A-law stream and one RFC 4733 event burst.
var sippPcaps = []string{
	"/usr/share/sip-tester/g711a.pcap",
	"/usr/share/sip-tester/dtmf_2833_1.pcap",
}

// readCapture folds every UDP packet of a pcap as RTP of one stream per SSRC.
func readCapture(t *testing.T, path string) map[uint32]*media.Stream {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	streams := map[uint32]*media.Stream{}
	var h media.RTPHeader
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return streams
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.NoCopy)
		udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !ok || media.IsRTCP(udp.Payload) || media.ParseRTP(udp.Payload, &h) != nil {
			continue
		}
		s := streams[h.SSRC]
		if s == nil {
			s = &media.Stream{Codecs: media.Codecs{{101, "telephone-event", 8000}}}
			streams[h.SSRC] = s
		}
		s.Packet(&h, ci.Timestamp)
	}
}

// tsharkStreams runs tshark's RTP stream analysis and returns per SSRC its
// packets, lost, max delta (ms) and max jitter (ms).
func tsharkStreams(t *testing.T, path string) map[uint32][4]float64 {
	t.Helper()
	tshark := lab.NeedTool(t, "tshark")
	out, err := exec.Command(tshark, "-o", "rtp.heuristic_rtp:TRUE", "-r", path, "-q", "-z", "rtp,streams").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	streams, err := lab.RTPStreams(string(out))
	if err != nil {
		t.Fatalf("tshark rtp,streams: %v", err)
	}
	res := map[uint32][4]float64{}
	for _, st := range streams {
		res[st.SSRC] = [4]float64{float64(st.Packets), float64(st.Lost), st.MaxDelta, st.MaxJitter}
	}
	return res
}

func TestCaptureAgreesWithTshark(t *testing.T) {
	for _, path := range sippPcaps {
		t.Run(path[strings.LastIndex(path, "/")+1:], func(t *testing.T) {
			lab.NeedTool(t, "sipp") // the captures come with sip-tester
			want := tsharkStreams(t, path)
			got := readCapture(t, path)
			if len(want) == 0 || len(got) != len(want) {
				t.Fatalf("%d streams, tshark has %d", len(got), len(want))
			}
			for ssrc, w := range want {
				s, ok := got[ssrc]
				if !ok {
					t.Fatalf("SSRC %08x missing", ssrc)
				}
				st := s.Stats()
				ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
				t.Logf("SSRC %08x: %d packets, %d lost, max delta %.3f ms, jitter %.3f ms (max %.3f); tshark %v",
					ssrc, st.Packets, st.Lost, ms(st.MaxDelta), ms(st.Jitter), ms(st.MaxJitter), w)
				// tshark counts duplicates (RFC 4733 sends an event's end three
				// times) as received and its loss goes negative; we do not.
				pkts, lost := st.Packets+st.Duplicates, st.Lost-int64(st.Duplicates)
				if float64(pkts) != w[0] || float64(lost) != w[1] {
					t.Errorf("packets %d+%d duplicates, lost %d; tshark %v and %v", st.Packets, st.Duplicates, st.Lost, w[0], w[1])
				}
				// tshark prints 3 decimals of a millisecond.
				if d := ms(st.MaxDelta) - w[2]; d < -0.0005 || d > 0.0005 {
					t.Errorf("max delta %.4f ms, tshark %.3f", ms(st.MaxDelta), w[2])
				}
				if d := ms(st.MaxJitter) - w[3]; d < -0.0005 || d > 0.0005 {
					t.Errorf("max jitter %.4f ms, tshark %.3f", ms(st.MaxJitter), w[3])
				}
			}
		})
	}
}
