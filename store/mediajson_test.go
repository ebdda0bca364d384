package store

import (
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// mediaReports are reports of every shape the fold writes: no streams,
// final, IPv6, a zero address, negative loss, zero times, large counters.
func mediaReports() []monitor.MediaReport {
	t0 := time.Date(2026, 11, 24, 1, 0, 3, 731691518, time.UTC)
	st := media.Stats{SSRC: 3885273500, PayloadType: 0, Codec: "PCMU", ClockRate: 8000, Packets: 248, Expected: 250,
		Lost: 2, Gaps: 1, Jitter: 5 * time.Millisecond, MaxJitter: 10 * time.Millisecond, MaxDelta: 40 * time.Millisecond,
		First: t0, Last: t0.Add(5 * time.Second)}
	odd := st
	odd.Lost, odd.Duplicates, odd.Late, odd.PayloadType, odd.Codec = -3, 1<<63, 7, 127, "opus/48000"
	odd.Packets, odd.SSRC, odd.First, odd.Last = 0, 0, time.Time{}, time.Time{}
	v4 := netip.MustParseAddrPort("198.51.100.12:17616")
	v6 := netip.MustParseAddrPort("[2001:db8::1]:4000")
	return []monitor.MediaReport{
		{CallID: "a@198.51.100.10", Origin: monitor.MediaFromRTP},
		{CallID: "b", Answered: 1795482003691691518, Final: true, Origin: monitor.MediaFromRTCP},
		{CallID: "c", Answered: -1, Streams: []monitor.MediaStream{{Src: v4, Dst: v6, Forward: true, Stats: st}}, Origin: "rtp"},
		{CallID: "", Streams: []monitor.MediaStream{{Src: v6, Stats: odd}, {Dst: v4, Stats: st}}, Final: true},
		{CallID: "é\"\\<tab>\t", Streams: []monitor.MediaStream{{Stats: media.Stats{Codec: "\u00e9"}}}, Origin: "x"},
	}
}

// TestFastMediaDecodesAsJSON expects the fast path to take what
// json.Marshal writes of every shape and to give what json.Unmarshal
// gives, or to leave it to json.Unmarshal (strings with escapes).
func TestFastMediaDecodesAsJSON(t *testing.T) {
	for i, m := range mediaReports() {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		var want monitor.MediaReport
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		got, ok := fastMedia(s)
		if !ok && i < 4 {
			t.Errorf("report %d: the fast path refused what json.Marshal wrote: %s", i, s)
		}
		if ok && !reflect.DeepEqual(*got, want) {
			t.Errorf("report %d: fast path\n got %+v\nwant %+v", i, *got, want)
		}
		if got, err := decodeMedia(&s); err != nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("report %d: decodeMedia = %+v, %v; want %+v", i, got, err, want)
		}
	}
}

// TestFastMediaMatchesJSONOnDamage damages the JSON of each report in
// many ways (a byte changed, removed or doubled, a space put in) and
// expects decodeMedia to give what json.Unmarshal gives: the same report,
// or an error for both.
func TestFastMediaMatchesJSONOnDamage(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	bytes := []byte(`0123456789-.e"\{}[],: tfx`)
	fast := 0
	for _, m := range mediaReports() {
		b, _ := json.Marshal(m)
		for range 4000 {
			d := []byte(string(b))
			p := rnd.IntN(len(d))
			switch rnd.IntN(4) {
			case 0:
				d[p] = bytes[rnd.IntN(len(bytes))]
			case 1:
				d = append(d[:p], d[p+1:]...)
			case 2:
				d = append(d[:p+1], d[p:]...)
			default:
				d = append(d[:p], append([]byte{' '}, d[p:]...)...)
			}
			s := string(d)
			var want monitor.MediaReport
			werr := json.Unmarshal(d, &want)
			got, err := decodeMedia(&s)
			if (err != nil) != (werr != nil) || err == nil && !reflect.DeepEqual(*got, want) {
				t.Fatalf("%s:\n decodeMedia %+v, %v\n json        %+v, %v", s, got, err, want, werr)
			}
			if _, ok := fastMedia(s); ok {
				fast++
			}
		}
	}
	if fast == 0 {
		t.Error("no damaged report took the fast path: the test checks nothing of it")
	}
}

// FuzzFastMediaAgrees holds the hand-written media decoder to
// encoding/json on any input: the same report, or a failure from both.
// The corpus is in testdata/fuzz/FuzzFastMediaAgrees.
func FuzzFastMediaAgrees(f *testing.F) {
	for _, m := range mediaReports() {
		b, _ := json.Marshal(m)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want monitor.MediaReport
		werr := json.Unmarshal([]byte(s), &want)
		got, err := decodeMedia(&s)
		if (err != nil) != (werr != nil) || err == nil && !reflect.DeepEqual(*got, want) {
			t.Fatalf("%q:\n decodeMedia %+v, %v\n json        %+v, %v", s, got, err, want, werr)
		}
	})
}
