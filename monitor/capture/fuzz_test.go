package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// FuzzReader feeds arbitrary files to the reader: it must not panic, must
// end, and every event it produces must be a SIP message it framed.
func FuzzReader(f *testing.F) {
	for _, seed := range seedCaptures(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		// A small buffer of our own: NewReader's default 1 MiB would cost
		// each run more than the reading does, and minimisation (which
		// runs the target thousands of times) would not end in time.
		r, err := NewReader(bufio.NewReaderSize(bytes.NewReader(file), 4096), Options{MaxFlows: 8, MaxBuffer: 8 << 10})
		if err != nil {
			return
		}
		for i := 0; ; i++ {
			ev, err := r.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) && err.Error() == "" {
					t.Fatal("error without a message")
				}
				return
			}
			if yes, _ := startLine(ev.SIP.Raw); !yes {
				t.Fatalf("event %d is not SIP: %q", i, ev.SIP.Raw)
			}
			if i > len(file) {
				t.Fatal("more events than input bytes")
			}
		}
	})
}

// FuzzTCPFraming cuts arbitrary bytes into segments (the first byte of
// each chunk of the input steers sequence numbers) and checks the framer:
// no panic, buffers within bounds, every message a whole framed SIP message.
func FuzzTCPFraming(f *testing.F) {
	f.Add([]byte(string(sipMsg(0, 10))+string(sipMsg(1, 0))), uint8(7))
	f.Add([]byte("\r\n\r\nOPTIONS sip:x SIP/2.0\r\nl: 3\r\n\r\nabcSIP/2.0 200 OK\r\nContent-Length: 99999999\r\n\r\n"), uint8(1))
	f.Add(sipMsg(3, 300), uint8(200))
	f.Fuzz(func(t *testing.T, stream []byte, step uint8) {
		const maxBuf = 4 << 10
		a := newAssembler(4, maxBuf)
		k := flowKey{src: a4, dst: b4}
		seq := uint32(1 << 31)
		a.segment(0, k, &transport{seq: seq - 1, flags: tcpSYN}, nil)
		emit := func(_ int64, msg []byte) {
			n, st := frame(msg)
			if st != frameOK || n != len(msg) {
				t.Fatalf("emitted a message the framer does not accept whole: %q", msg)
			}
		}
		size := int(step)%97 + 1
		for off, i := 0, 0; off < len(stream); i++ {
			end := min(off+size, len(stream))
			s := seq + uint32(off)
			if step&0x80 != 0 && i%3 == 1 { // replay an earlier chunk: retransmission / overlap
				s -= uint32(size / 2)
			}
			a.segment(int64(i), k, &transport{seq: s, payload: stream[off:end]}, emit)
			off = end
			for _, st := range a.flows {
				if len(st.buf) > maxBuf || st.oooLen > maxBuf || len(st.ooo) > maxOutOfOrder {
					t.Fatalf("buffer bound broken: buf %d ooo %d/%d", len(st.buf), st.oooLen, len(st.ooo))
				}
			}
		}
	})
}

// seedCaptures are small valid captures of each kind, plus damaged ones.
func seedCaptures(tb testing.TB) [][]byte {
	t := &testing.T{}
	// Tiny messages keep the seeds (and so what the fuzzer derives from
	// them) small: minimising an input costs its length squared in runs,
	// and a 1 KB input does not minimise within -fuzzminimizetime=5s.
	tiny := func(i int) []byte { return fmt.Appendf(nil, "OPTIONS sip:%d SIP/2.0\r\nl: 2\r\n\r\nok", i) }
	var out [][]byte
	for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2, layers.LinkTypeNull, layers.LinkTypeRaw} {
		frames := []frameSpec{{t0, linkWrap(lt, ipPacket(t, a4, b4, nil, tiny(0)))}}
		frames = append(frames, tcpFrames(t, lt, a6, b6, 77, append(tiny(1), tiny(2)...), []int{10})...)
		out = append(out, writePcap(t, lt, frames), writePcapng(t, lt, frames))
	}
	frag := fragment(t, a4, b4, tiny(4), 16)
	out = append(out, writePcap(t, layers.LinkTypeEthernet, frag))
	bad := bytes.Clone(out[0])
	binary.LittleEndian.PutUint32(bad[24+8:], 1<<30) // an absurd record length
	out = append(out, bad, out[1][:len(out[1])/2])
	// gzip bombs, small: records that claim 1 GiB and inflate 64 KiB of it
	return append(out, pcapBomb(tb, bombRecord{1 << 30, 64 << 10}, true), pcapngBomb(tb, bombRecord{1 << 30, 64 << 10}, true),
		pcapngBlockBomb(tb, 64<<10))
}

// TestWriteFuzzCorpus refreshes testdata/fuzz/FuzzReader from seedCaptures
// when CUTOVER_WRITE_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("CUTOVER_WRITE_CORPUS") != "1" {
		t.Skip("set CUTOVER_WRITE_CORPUS=1 to rewrite the fuzz corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzReader")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, seed := range seedCaptures(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", seed)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var _ = netip.AddrPort{}
