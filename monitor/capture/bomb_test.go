package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// bombRecord is a record header that claims n bytes; present of them follow.
type bombRecord struct {
	claim   uint32
	present int
}

// pcapBomb is a classic pcap (snaplen 0xFFFFFFFF) with one good SIP record
// and then a record claiming b.claim bytes, gzipped when gz.
func pcapBomb(t testing.TB, b bombRecord, gz bool) []byte {
	t.Helper()
	good := writePcap(&testing.T{}, layers.LinkTypeEthernet, []frameSpec{{t0, linkWrap(layers.LinkTypeEthernet, ipPacket(&testing.T{}, a4, b4, nil, sipMsg(0, 10)))}})
	binary.LittleEndian.PutUint32(good[16:], 0xFFFFFFFF) // snaplen
	hdr := make([]byte, 16)
	binary.LittleEndian.PutUint32(hdr[0:], uint32(t0.Unix()+1))
	binary.LittleEndian.PutUint32(hdr[8:], b.claim)
	binary.LittleEndian.PutUint32(hdr[12:], b.claim)
	return bombFile(t, append(good, hdr...), b.present, gz)
}

// pcapngBomb is a pcapng file with one good SIP packet and then an enhanced
// packet block claiming b.claim bytes.
func pcapngBomb(t testing.TB, b bombRecord, gz bool) []byte {
	t.Helper()
	good := writePcapng(&testing.T{}, layers.LinkTypeEthernet, []frameSpec{{t0, linkWrap(layers.LinkTypeEthernet, ipPacket(&testing.T{}, a4, b4, nil, sipMsg(0, 10)))}})
	epb := make([]byte, 28)
	binary.LittleEndian.PutUint32(epb[0:], 6) // enhanced packet block
	binary.LittleEndian.PutUint32(epb[4:], 32+(b.claim+3)&^3)
	binary.LittleEndian.PutUint32(epb[20:], b.claim)
	binary.LittleEndian.PutUint32(epb[24:], b.claim)
	return bombFile(t, append(good, epb...), b.present, gz)
}

// pcapngBlockBomb is a pcapng file with one good packet and then a block
// that is not a packet (a custom block), of n bytes: only the read budget
// can refuse it.
func pcapngBlockBomb(t testing.TB, n uint32) []byte {
	t.Helper()
	good := writePcapng(&testing.T{}, layers.LinkTypeEthernet, []frameSpec{{t0, linkWrap(layers.LinkTypeEthernet, ipPacket(&testing.T{}, a4, b4, nil, sipMsg(0, 10)))}})
	cb := make([]byte, 8)
	binary.LittleEndian.PutUint32(cb[0:], 0x00000BAD)
	binary.LittleEndian.PutUint32(cb[4:], n+12)
	return bombFile(t, append(good, cb...), int(n), true)
}

// bombFile appends present zero bytes to head, gzipped when gz.
func bombFile(t testing.TB, head []byte, present int, gz bool) []byte {
	t.Helper()
	var out bytes.Buffer
	var w io.Writer = &out
	var z *gzip.Writer
	if gz {
		z = gzip.NewWriter(&out)
		w = z
	}
	w.Write(head)
	zeros := make([]byte, 1<<20)
	for left := present; left > 0; left -= len(zeros) {
		w.Write(zeros[:min(left, len(zeros))])
	}
	if z != nil {
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// heapGrowth runs f and reports how many bytes it allocated in total and
// how far the live heap rose above where it started.
func heapGrowth(f func()) (total, peak uint64) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc)
}

// A gzipped capture whose record claims (and inflates to) far more than
// any real packet is refused with ErrRecordTooLarge once the good record
// before it is read, and reading it allocates a small fraction of the claim.
func TestDecompressionBombRefused(t *testing.T) {
	const bomb = 64 << 20
	cases := []struct {
		name string
		file []byte
	}{
		{"pcap.gz 64MiB record", pcapBomb(t, bombRecord{bomb, bomb}, true)},
		{"pcapng.gz 64MiB block", pcapngBomb(t, bombRecord{bomb, bomb}, true)},
		{"pcap.gz claims 4GiB", pcapBomb(t, bombRecord{0xFFFFFFFF, 1 << 20}, true)},
		{"pcapng.gz claims 4GiB", pcapngBomb(t, bombRecord{0xFFFFFFF0, 1 << 20}, true)},
		{"pcap 1MiB record", pcapBomb(t, bombRecord{1 << 20, 1 << 20}, false)},
		{"pcapng.gz 64MiB custom block", pcapngBlockBomb(t, bomb)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var evs int
			var err error
			total, _ := heapGrowth(func() {
				var r *Reader
				if r, err = NewReader(bytes.NewReader(tc.file), Options{}); err != nil {
					return
				}
				for {
					if _, err = r.Next(); err != nil {
						return
					}
					evs++
				}
			})
			t.Logf("%d bytes of file: %d events, %d bytes allocated, err %v", len(tc.file), evs, total, err)
			if !errors.Is(err, ErrRecordTooLarge) || !errors.Is(err, ErrTruncated) {
				t.Errorf("err = %v, want ErrRecordTooLarge (and ErrTruncated: what came before is kept)", err)
			}
			if evs != 1 {
				t.Errorf("%d events before the bomb, want the 1 good one", evs)
			}
			if total > 4<<20 {
				t.Errorf("reading allocated %d bytes, want well under the record's claim", total)
			}
		})
	}
}

// A gzipped gzip would inflate its inner layer outside the budget: refused.
func TestNestedGzipRefused(t *testing.T) {
	inner := pcapBomb(t, bombRecord{10, 10}, true)
	if _, err := NewReader(bytes.NewReader(bombFile(t, inner, 0, true)), Options{}); err == nil {
		t.Fatal("a gzipped .pcap.gz was read")
	}
}

// A record at the maximum snap length is still read.
func TestRecordAtMaxSnaplenRead(t *testing.T) {
	file := pcapBomb(t, bombRecord{MaxRecord, MaxRecord}, true)
	r, err := NewReader(bytes.NewReader(file), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err = r.Next(); err != nil {
			break
		}
	}
	if !errors.Is(err, io.EOF) || r.Stats().Packets != 2 {
		t.Fatalf("err %v, stats %+v", err, r.Stats())
	}
}
