package session

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/capture"
	"github.com/cutover/cutover/monitor/media"
	"github.com/cutover/cutover/store"
)

// The kinds of call in a generated media capture, by call number mod 10.
const (
	genOneWay  = 3 // the callee sends no RTP
	genLossy   = 5 // the caller's RTP loses every tenth packet
	genNoMedia = 7 // no RTP either way
	genJitter  = 1 // the caller's packets arrive 0-8 ms late
	genWrap    = 2 // sequence numbers wrap at 65535
)

// mediaGen describes a generated capture: calls calls between a PBX
// (10.0.0.10) and a carrier (10.0.0.20), one every 50 ms, each with secs
// seconds of 20 ms G.711 RTP both ways (but see the kinds above).
type mediaGen struct {
	calls int
	secs  float64
	seed  uint64
	// options OPTIONS pings and their 200s (from 10.0.0.30) are spread
	// over the capture: SIP that is not a call, to set the share of RTP.
	options int
}

var genStart = time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC).UnixNano()

type genFrame struct {
	ts       int64
	src, dst netip.AddrPort
	b        []byte
}

// write writes the capture to path and returns how many SIP messages it holds.
func (g mediaGen) write(tb testing.TB, path string) int {
	tb.Helper()
	rng := rand.New(rand.NewPCG(g.seed, 16))
	var frames []genFrame
	sip := 0
	for i := 0; i < g.calls; i++ {
		start := genStart + int64(i)*int64(50*time.Millisecond)
		caller := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i / 250), byte(i%250 + 1)}), uint16(20000+2*(i%1000)))
		callee := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, byte(i / 250), byte(i%250 + 1)}), uint16(30000+2*(i%1000)))
		for _, m := range genDialog(i, caller, callee, start, g.secs) {
			frames = append(frames, m)
			sip++
		}
		if i%10 == genNoMedia {
			continue
		}
		first := start + int64(200*time.Millisecond)
		frames = genRTP(frames, rng, i, caller, callee, first, g.secs, true)
		if i%10 != genOneWay {
			frames = genRTP(frames, rng, i, callee, caller, first+int64(time.Millisecond), g.secs, false)
		}
	}
	frames = g.pings(frames)
	sip += 2 * g.options
	slices.SortStableFunc(frames, func(a, b genFrame) int { return cmp.Compare(a.ts, b.ts) })
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w, err := capture.NewWriter(f)
	if err != nil {
		tb.Fatal(err)
	}
	for _, fr := range frames {
		if err := w.Write(fr.ts, &monitor.SIPMessage{Src: fr.src, Dst: fr.dst, Transport: "udp", Raw: fr.b}); err != nil {
			tb.Fatal(err)
		}
	}
	return sip
}

// pings appends g.options OPTIONS and 200 pairs, evenly over the calls' time.
func (g mediaGen) pings(frames []genFrame) []genFrame {
	span := int64(g.calls)*int64(50*time.Millisecond) + int64((g.secs+1)*float64(time.Second))
	pbx, mon := netip.MustParseAddrPort("10.0.0.10:5060"), netip.MustParseAddrPort("10.0.0.30:5060")
	for k := 0; k < g.options; k++ {
		at := genStart + span*int64(k)/int64(max(g.options, 1))
		head := fmt.Sprintf("Via: SIP/2.0/UDP %s;branch=z9hG4bKp%d\r\nFrom: <sip:mon@x>;tag=p%d\r\nTo: <sip:pbx@y>\r\nCall-ID: ping-%d\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", mon, k, k, k)
		frames = append(frames, genFrame{at, mon, pbx, []byte("OPTIONS sip:pbx@10.0.0.10 SIP/2.0\r\n" + head)},
			genFrame{at + int64(time.Millisecond), pbx, mon, []byte("SIP/2.0 200 OK\r\n" + head)})
	}
	return frames
}

// genDialog is one call's SIP: INVITE and 200 with SDP, ACK, BYE and 200.
func genDialog(i int, caller, callee netip.AddrPort, start int64, secs float64) []genFrame {
	pbx, carrier := netip.MustParseAddrPort("10.0.0.10:5060"), netip.MustParseAddrPort("10.0.0.20:5060")
	id := fmt.Sprintf("gen-%d@pbx", i)
	m := func(ts int64, src, dst netip.AddrPort, start, cseq string, media netip.AddrPort) genFrame {
		var body string
		if media.IsValid() {
			body = fmt.Sprintf("v=0\r\no=- %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0 101\r\n"+
				"a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\na=sendrecv\r\n",
				i, media.Addr(), media.Addr(), media.Port())
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%d%s\r\n", start, src, i, strings.ReplaceAll(cseq, " ", ""))
		fmt.Fprintf(&b, "From: <sip:+1555000%04d@pbx>;tag=from%d\r\nTo: <sip:+1555123%04d@carrier>", i, i, i)
		if !strings.HasPrefix(start, "INVITE") {
			fmt.Fprintf(&b, ";tag=to%d", i)
		}
		fmt.Fprintf(&b, "\r\nCall-ID: %s\r\nCSeq: %s\r\n", id, cseq)
		if body != "" {
			b.WriteString("Content-Type: application/sdp\r\n")
		}
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
		return genFrame{ts, src, dst, []byte(b.String())}
	}
	ruri := fmt.Sprintf("sip:+1555123%04d@%s SIP/2.0", i, carrier.Addr())
	end := start + int64(200*time.Millisecond) + int64(secs*float64(time.Second)) + int64(10*time.Millisecond)
	ms := func(n int) int64 { return int64(n) * int64(time.Millisecond) }
	return []genFrame{
		m(start, pbx, carrier, "INVITE "+ruri, "1 INVITE", caller),
		m(start+ms(100), carrier, pbx, "SIP/2.0 200 OK", "1 INVITE", callee),
		m(start+ms(150), pbx, carrier, "ACK "+ruri, "1 ACK", netip.AddrPort{}),
		m(end, pbx, carrier, "BYE "+ruri, "2 BYE", netip.AddrPort{}),
		m(end+ms(20), carrier, pbx, "SIP/2.0 200 OK", "2 BYE", netip.AddrPort{}),
	}
}

// genRTP appends secs of 20 ms PCMU from src to dst; fwd: the caller's.
func genRTP(frames []genFrame, rng *rand.Rand, i int, src, dst netip.AddrPort, first int64, secs float64, fwd bool) []genFrame {
	ssrc := rng.Uint32()
	seq := uint16(rng.IntN(30000))
	if i%10 == genWrap {
		seq = 65500
	}
	ts := rng.Uint32()
	n := int(secs * 50)
	for k := 0; k < n; k++ {
		at := first + int64(k)*int64(20*time.Millisecond)
		if fwd && i%10 == genJitter {
			at += rng.Int64N(int64(8 * time.Millisecond))
		}
		if !(fwd && i%10 == genLossy && k%10 == 9) {
			b := make([]byte, 12+160)
			b[0], b[1] = 0x80, 0
			binary.BigEndian.PutUint16(b[2:], seq+uint16(k))
			binary.BigEndian.PutUint32(b[4:], ts+uint32(160*k))
			binary.BigEndian.PutUint32(b[8:], ssrc)
			frames = append(frames, genFrame{at, src, dst, b})
		}
	}
	return frames
}

// tsharkRTP runs tshark's RTP stream analysis: per "src dst ssrc" its
// packets, lost and max jitter (ms).
func tsharkRTP(tb testing.TB, tshark, path string) map[string][3]float64 {
	tb.Helper()
	out, err := exec.Command(tshark, "-n", "-r", path, "-q", "-z", "rtp,streams").Output()
	if err != nil {
		tb.Fatalf("tshark: %v", err)
	}
	streams, err := lab.RTPStreams(string(out))
	if err != nil {
		tb.Fatalf("tshark rtp,streams: %v", err)
	}
	res := map[string][3]float64{}
	for _, st := range streams {
		res[fmt.Sprintf("%s %s %08x", st.Src, st.Dst, st.SSRC)] = [3]float64{float64(st.Packets), float64(st.Lost), st.MaxJitter}
	}
	return res
}

// finalReports reads the final media report of each call in a recording.
func finalReports(tb testing.TB, db string) map[string]monitor.Event {
	tb.Helper()
	r, err := store.OpenReader(db)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	res := map[string]monitor.Event{}
	err = r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if ev.Kind == monitor.KindMedia && ev.Media.Final {
			res[ev.Media.CallID] = ev
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// TestImportMediaAgreesWithTshark imports a generated capture of 60 calls
// and checks every stream of the recording against tshark's RTP stream
// analysis of the same file: packets and loss equal, max jitter within
// tshark's rounding; and each call's verdict is its kind's.
func TestImportMediaAgreesWithTshark(t *testing.T) {
	tshark := lab.NeedTool(t, "tshark")
	dir := t.TempDir()
	pcap := filepath.Join(dir, "media.pcap")
	g := mediaGen{calls: 60, secs: 8, seed: 7}
	sipN := g.write(t, pcap)
	res, finals, want := importAgainstTshark(t, tshark, pcap)
	if res.Capture.Messages != uint64(sipN) || res.Capture.MediaUnmatched != 0 || res.Capture.RTP == 0 {
		t.Fatalf("capture stats %+v", res.Capture)
	}
	if len(finals) != g.calls {
		t.Fatalf("%d calls with a final report, want %d", len(finals), g.calls)
	}
	lossy, jittery := 0, 0
	for _, w := range want {
		if w[1] > 0 {
			lossy++
		}
		if w[2] > 1 {
			jittery++
		}
	}
	if lossy != g.calls/10 || jittery != g.calls/10 {
		t.Errorf("tshark finds %d streams with loss and %d with over 1 ms of jitter, want %d of each", lossy, jittery, g.calls/10)
	}
	checkVerdicts(t, finals)
}

// importAgainstTshark imports pcap and checks every stream of the calls'
// final reports against tshark's RTP stream analysis of the same file:
// packets and loss equal, max jitter within tshark's rounding, and as many
// streams. It returns the import, the final reports and tshark's figures.
func importAgainstTshark(t *testing.T, tshark, pcap string) (Imported, map[string]monitor.Event, map[string][3]float64) {
	t.Helper()
	res, err := Import{Capture: pcap, DB: filepath.Join(t.TempDir(), "media.db")}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Summary(pcap))
	want := tsharkRTP(t, tshark, pcap)
	finals := finalReports(t, res.Path)
	streams := 0
	for _, ev := range finals {
		for _, s := range ev.Media.Streams {
			streams++
			key := fmt.Sprintf("%s %s %08x", s.Src, s.Dst, s.Stats.SSRC)
			w, ok := want[key]
			if !ok {
				t.Errorf("stream %s not in tshark's analysis", key)
				continue
			}
			ms := float64(s.Stats.MaxJitter) / float64(time.Millisecond)
			// tshark counts duplicates as received and its loss goes
			// negative with them (RFC 4733 sends an event's end three
			// times); the stream does not.
			pkts, lost := s.Stats.Packets+s.Stats.Duplicates, s.Stats.Lost-int64(s.Stats.Duplicates)
			if float64(pkts) != w[0] || float64(lost) != w[1] || ms-w[2] < -0.0005 || ms-w[2] > 0.0005 {
				t.Errorf("stream %s: %d packets (%d duplicates), %d lost, max jitter %.4f ms; tshark %v", key, s.Stats.Packets, s.Stats.Duplicates, s.Stats.Lost, ms, w)
			}
		}
	}
	if streams != len(want) || uint64(streams) != res.Media.Streams {
		t.Errorf("%d streams recorded (%d tracked), tshark finds %d", streams, res.Media.Streams, len(want))
	}
	return res, finals, want
}

// checkVerdicts judges each call's final report as the fold does and
// checks it against the call's kind.
func checkVerdicts(t *testing.T, finals map[string]monitor.Event) {
	t.Helper()
	for id, ev := range finals {
		var i int
		if _, err := fmt.Sscanf(id, "gen-%d@pbx", &i); err != nil {
			t.Fatalf("call %q", id)
		}
		c := media.CallMedia{Answered: time.Unix(0, ev.Media.Answered)}
		for _, s := range ev.Media.Streams {
			if s.Forward {
				c.Forward = append(c.Forward, s.Stats)
			} else {
				c.Reverse = append(c.Reverse, s.Stats)
			}
		}
		want := media.VerdictOK
		switch i % 10 {
		case genOneWay:
			want = media.VerdictOneWay
		case genLossy:
			want = media.VerdictBadStream
		case genNoMedia:
			want = media.VerdictNoMedia
		}
		if j := media.Judge(c, ev.At(), media.DefaultThresholds()); j.Verdict != want {
			t.Errorf("call %d: %v (%s), want %v", i, j.Verdict, j.Reason, want)
		}
	}
}

// BenchmarkImportMediaVsTshark imports a capture that is 90 % RTP (200
// calls of 20 s, 20 ms RTP both ways, and OPTIONS pings) and runs
// "tshark -q -z rtp,streams" on the same file, reporting both.
//
//	go test -run X -bench ImportMediaVsTshark -benchtime 1x ./monitor/session
func BenchmarkImportMediaVsTshark(b *testing.B) {
	path := filepath.Join(os.TempDir(), "cutover-bench-media-200x20s.pcap")
	g := mediaGen{calls: 200, secs: 20, seed: 9, options: 19000}
	sipN := g.write(b, path)
	tshark, haveTshark := exec.LookPath("tshark")
	for b.Loop() {
		db := filepath.Join(b.TempDir(), "bench.db")
		cpu0, start := processCPU(), time.Now()
		res, err := Import{Capture: path, DB: db}.Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		imp, cpu := time.Since(start), processCPU()-cpu0
		b.Log(res.Summary(path))
		pkts := float64(res.Capture.Packets)
		b.ReportMetric(float64(res.Capture.RTP)/pkts*100, "%rtp")
		b.ReportMetric(imp.Seconds(), "import-s")
		b.ReportMetric(pkts/imp.Seconds(), "import-pkts/s")
		b.ReportMetric(float64(cpu.Microseconds())/float64(sipN), "import-cpu-µs/sip")
		if haveTshark == nil {
			start = time.Now()
			if out, err := exec.Command(tshark, "-n", "-r", path, "-q", "-z", "rtp,streams").CombinedOutput(); err != nil {
				b.Fatalf("tshark: %v\n%s", err, out)
			}
			ts := time.Since(start)
			b.ReportMetric(ts.Seconds(), "tshark-s")
			b.ReportMetric(ts.Seconds()/imp.Seconds(), "speedup")
		}
	}
}

// processCPU is the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
