package mediatrack

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

// The fuzzer's input is a script of steps separated by fuzzSep. A step's
// first byte says what it is: 'S' a SIP message from the caller's host to
// the callee's, 's' the other way, 'P' a datagram to fuzzAddrs[second
// byte % 4] from fuzzAddrs[third byte % 4], 'D' time passing (the second
// byte in seconds). Every step is 20 ms after the one before.
var (
	fuzzSep   = []byte("\n~~\n")
	fuzzAddrs = []netip.AddrPort{ap("10.0.0.1:4000"), ap("10.0.0.2:6000"), ap("10.0.0.1:4001"), ap("10.0.0.2:6001")}
)

func fuzzScript(steps ...[]byte) []byte { return bytes.Join(steps, fuzzSep) }

func step(op byte, b ...byte) []byte { return append([]byte{op}, b...) }

// fuzzSeeds are scripts of calls: offer/answer with RTP and RTCP, a
// re-INVITE from the callee, a multipart body, a BYE; an unanswered one.
func fuzzSeeds() [][]byte {
	m := func(x msg) []byte { return x.sip().Raw }
	invite := m(msg{method: "INVITE", callID: "f", fromTag: "a", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", body: sdpBody("10.0.0.1", 4000, "rtcp:4001")})
	ok := m(msg{method: "INVITE", code: 200, callID: "f", fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: sdpBody("10.0.0.2", 6000, "rtcp-mux")})
	multi := "--xx\r\nContent-Type: application/sdp\r\n\r\n" + sdpBody("10.0.0.2", 6000, "sendonly") + "\r\n--xx\r\nContent-Type: application/isup\r\n\r\n\x01\x02\r\n--xx--\r\n"
	reinvite := m(msg{method: "INVITE", callID: "f", fromTag: "b", toTag: "a", src: "10.0.0.2:5060", dst: "10.0.0.1:5060", body: multi, ctype: "multipart/mixed;boundary=xx"})
	bye := m(msg{method: "BYE", callID: "f", fromTag: "a", toTag: "b", src: "10.0.0.1:5060", dst: "10.0.0.2:5060"})
	busy := m(msg{method: "INVITE", code: 486, callID: "f", fromTag: "a", toTag: "b", src: "10.0.0.2:5060", dst: "10.0.0.1:5060"})
	pkt := func(to, from byte, b []byte) []byte { return append([]byte{'P', to, from}, b...) }
	return [][]byte{
		fuzzScript(step('S', invite...), step('s', ok...), pkt(1, 0, rtp(1, 160, 7, 0)), pkt(0, 1, rtp(65535, 0, 8, 0)),
			pkt(0, 1, rtp(0, 160, 8, 0)), pkt(1, 0, rtcpRR(7, 8)), step('D', 6), pkt(1, 0, rtp(2, 320, 7, 101)),
			step('s', reinvite...), pkt(0, 1, rtp(3, 480, 8, 0)), step('S', bye...), step('D', 3)),
		fuzzScript(step('S', invite...), step('s', busy...), step('D', 90)),
	}
}

func FuzzTracker(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		tr := New(Options{MaxCalls: 4})
		var out []monitor.Event
		emit := func(ev monitor.Event) { out = append(out, ev) }
		now := t0
		for _, st := range bytes.Split(script, fuzzSep) {
			if len(st) == 0 {
				continue
			}
			now += int64(20 * time.Millisecond)
			tr.Due(now, emit)
			switch {
			case st[0] == 'S' || st[0] == 's':
				src, dst := ap("10.0.0.1:5060"), ap("10.0.0.2:5060")
				if st[0] == 's' {
					src, dst = dst, src
				}
				tr.SIP(now, &monitor.SIPMessage{Src: src, Dst: dst, Transport: "udp", Raw: st[1:]})
			case st[0] == 'P' && len(st) >= 3:
				tr.Packet(now, fuzzAddrs[st[2]%4], fuzzAddrs[st[1]%4], st[3:])
			case st[0] == 'D' && len(st) >= 2:
				now += int64(st[1]) * int64(time.Second)
			}
		}
		tr.Flush(now, emit)
		checkFuzzOutput(t, tr, out)
	})
}

// checkFuzzOutput: reports in time order, each one a call's, the last of
// a call final, and nothing tracked after Flush.
func checkFuzzOutput(t *testing.T, tr *Tracker, out []monitor.Event) {
	final := map[string]bool{}
	for i, ev := range out {
		if ev.Kind != monitor.KindMedia || ev.Media == nil || ev.Media.CallID == "" {
			t.Fatalf("event %d: %+v", i, ev)
		}
		if i > 0 && ev.Time < out[i-1].Time {
			t.Fatalf("event %d out of order", i)
		}
		final[ev.Media.CallID] = ev.Media.Final // a Call-ID forgotten may start again
	}
	for id, f := range final {
		if !f {
			t.Fatalf("call %q has no final report", id)
		}
	}
	if st := tr.Stats(); st.Calls != 0 || len(tr.dests) != 0 || len(tr.sched) != 0 || st.Reports != uint64(len(out)) {
		t.Fatalf("after Flush: stats %+v, %d addresses, %d scheduled", st, len(tr.dests), len(tr.sched))
	}
}

// TestWriteFuzzCorpus refreshes testdata/fuzz/FuzzTracker from fuzzSeeds
// when CUTOVER_WRITE_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("CUTOVER_WRITE_CORPUS") != "1" {
		t.Skip("set CUTOVER_WRITE_CORPUS=1 to rewrite the fuzz corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzTracker")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, seed := range fuzzSeeds() {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", seed)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
