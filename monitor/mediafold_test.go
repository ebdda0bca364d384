package monitor

import (
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor/media"
)

// A media stream's summary: packets from first, lost of them missing, at
// jitter (PCMU, 20 ms).
func stream(fwd bool, first int64, packets, lost uint64, jitter time.Duration) MediaStream {
	src, dst := netip.MustParseAddrPort("203.0.113.20:30000"), netip.MustParseAddrPort("192.0.2.10:40000")
	if !fwd {
		src, dst = dst, src
	}
	return MediaStream{Src: src, Dst: dst, Forward: fwd, Stats: media.Stats{
		SSRC: 0x1234, Codec: "PCMU", ClockRate: 8000, Packets: packets, Expected: packets + lost, Lost: int64(lost),
		Jitter: jitter, First: time.Unix(0, first), Last: time.Unix(0, first+int64(packets)*int64(20*time.Millisecond)),
	}}
}

func mediaEvent(when int64, id string, answered int64, final bool, streams ...MediaStream) Event {
	return Event{Time: when, Kind: KindMedia, Source: "pcap", Media: &MediaReport{
		CallID: id, Answered: answered, Streams: streams, Final: final, Origin: MediaFromRTP}}
}

// answeredCall places a call from the new trunk to number to, answered a
// second after start; it returns the dialog and the answer's time.
func answeredCall(t *testing.T, s *State, id, to string, start int64) (*dialog, int64) {
	d := newDialog(t, id, newTr, pbx, "+12125550100", to)
	applyAll(s, d.invite(start, ""), d.reply(start+int64(time.Second), 200, "OK"))
	return d, start + int64(time.Second)
}

// both is a healthy call's media: RTP both ways from 100 ms after the
// answer, n packets each.
func both(ans int64, n uint64) []MediaStream {
	first := ans + int64(100*time.Millisecond)
	return []MediaStream{stream(true, first, n, 0, 2*time.Millisecond), stream(false, first, n, 0, 2*time.Millisecond)}
}

func mediaOf(s *State, trunk, number int) (MediaMix, MediaMix) {
	snap := s.Snapshot()
	return snap.Trunks[trunk].Win[Win5m].Media, snap.Numbers[number].Win[Win15m].Media
}

func TestMediaVerdictsPerCall(t *testing.T) {
	milli := func(mos float64) float64 { return math.Round(mos*1000) / 1000 } // buckets add MOS in thousandths
	healthyMOS := milli(media.MOS(stream(true, 0, 250, 0, 2*time.Millisecond).Stats, 0))
	for _, c := range []struct {
		name    string
		streams func(ans int64) []MediaStream
		want    MediaMix // after the Final report, MOSBins aside
	}{
		{"healthy", func(ans int64) []MediaStream { return both(ans, 250) },
			MediaMix{Judged: 1, MOSCount: 1, MOSSum: healthyMOS}},
		{"one-way", func(ans int64) []MediaStream { return both(ans, 250)[:1] },
			MediaMix{Judged: 1, OneWay: 1, MOSCount: 1, MOSSum: healthyMOS}},
		{"no media", func(int64) []MediaStream { return nil },
			MediaMix{Judged: 1, NoMedia: 1}},
		{"bad stream", func(ans int64) []MediaStream {
			st := both(ans, 250)
			st[1] = stream(false, st[1].Stats.First.UnixNano(), 225, 25, 2*time.Millisecond) // 10 % lost
			return st
		}, MediaMix{Judged: 1, Bad: 1, MOSCount: 1,
			MOSSum: milli(media.MOS(stream(false, 0, 225, 25, 2*time.Millisecond).Stats, 0))}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := NewState(testConfig())
			_, ans := answeredCall(t, s, "m1", testNum, at(0))
			early := c.streams(ans)
			s.Apply(mediaEvent(ans+int64(3*time.Second), "m1", ans, false, early...))
			if tr, num := mediaOf(s, 1, 0); tr.Judged != 0 || num.Judged != 0 {
				t.Fatalf("judged before NoMediaAfter: trunk %+v, number %+v", tr, num)
			}
			s.Apply(mediaEvent(ans+int64(5*time.Second), "m1", ans, false, c.streams(ans)...))
			tr, num := mediaOf(s, 1, 0)
			judged := MediaMix{Judged: 1, OneWay: c.want.OneWay, NoMedia: c.want.NoMedia}
			if !reflect.DeepEqual(tr, judged) || !reflect.DeepEqual(num, judged) {
				t.Fatalf("at NoMediaAfter: trunk %+v, number %+v, want %+v", tr, num, judged)
			}
			s.Apply(mediaEvent(ans+int64(10*time.Second), "m1", ans, false, c.streams(ans)...))
			s.Apply(mediaEvent(ans+int64(12*time.Second), "m1", ans, true, c.streams(ans)...))
			tr, num = mediaOf(s, 1, 0)
			for _, m := range []MediaMix{tr, num} {
				m.MOSBins = nil
				if !reflect.DeepEqual(m, c.want) {
					t.Fatalf("after the Final report: %+v, want %+v", m, c.want)
				}
			}
			if tr, _ := mediaOf(s, 1, 0); c.want.MOSCount > 0 && tr.MOSBins[MOSBin(c.want.MOSSum)] != 1 {
				t.Fatalf("MOS %.2f not in its bin: %v", c.want.MOSSum, tr.MOSBins)
			}
			if len(s.c.MediaCalls) != 0 {
				t.Fatalf("the Final report left %d media calls", len(s.c.MediaCalls))
			}
			if sn := s.Snapshot(); sn.Media != (MediaCounts{Reports: 4}) || sn.Trunks[0].Win[Win5m].Media.Judged != 0 {
				t.Fatalf("counts %+v, legacy trunk %+v", sn.Media, sn.Trunks[0].Win[Win5m].Media)
			}
		})
	}
}

// A short call (BYE before NoMediaAfter) is still judged at NoMediaAfter,
// and its Final report, after the call has left the table of calls, is
// still counted on its trunk and number.
func TestMediaOutlivesTheCall(t *testing.T) {
	s := NewState(testConfig())
	d, ans := answeredCall(t, s, "short", testNum, at(0))
	s.Apply(d.bye(ans + int64(2*time.Second)))
	s.Apply(mediaEvent(ans+int64(5*time.Second), "short", ans, false, both(ans, 90)[:1]...))
	s.Apply(Event{Time: ans + int64(time.Minute), Kind: KindTick}) // the call lingers 32s, then goes
	if _, ok := s.c.Calls["short"]; ok {
		t.Fatal("the call is still in the table")
	}
	s.Apply(mediaEvent(ans+int64(time.Minute), "short", ans, true, both(ans, 90)[:1]...))
	tr, num := mediaOf(s, 1, 0)
	if tr.Judged != 1 || tr.OneWay != 1 || tr.MOSCount != 1 || num.OneWay != 1 || num.MOSCount != 1 {
		t.Fatalf("trunk %+v, number %+v", tr, num)
	}
	if s.Snapshot().Media.Unknown != 0 {
		t.Fatal("a report of a known call counted as unknown")
	}
	// Past the trunk's ring (30 min) the windows forget; its total does not.
	s.Apply(Event{Time: ans + int64(45*time.Minute), Kind: KindTick})
	v := s.Snapshot().Trunks[1]
	if tot := v.Total.Media; tot.Judged != 1 || tot.OneWay != 1 || tot.MOSCount != 1 || tot.MOSBins[MOSBin(tot.MOSMean())] != 1 {
		t.Fatalf("total after the ring turned: %+v", tot)
	}
	if w := v.Win[Win15m].Media; w.Judged != 0 || w.MOSBins != nil {
		t.Fatalf("15 min window after 45 min: %+v", w)
	}
}

// A report for a Call-ID the fold never saw is counted and ignored; a
// call no report named is never judged.
func TestMediaUnknownAndUnreported(t *testing.T) {
	s := NewState(testConfig())
	_, ans := answeredCall(t, s, "quiet", testNum, at(0))
	s.Apply(mediaEvent(ans+int64(6*time.Second), "nope", ans, false))
	s.Apply(mediaEvent(ans+int64(8*time.Second), "nope", ans, true))
	s.Apply(Event{Time: ans + int64(time.Minute), Kind: KindTick})
	snap := s.Snapshot()
	if snap.Media != (MediaCounts{Reports: 2, Unknown: 2}) || len(s.c.MediaCalls) != 0 {
		t.Fatalf("counts %+v, %d media calls", snap.Media, len(s.c.MediaCalls))
	}
	if m := snap.Trunks[1].Total.Media; !reflect.DeepEqual(m, MediaMix{}) {
		t.Fatalf("an unreported call was judged: %+v", m)
	}
}

// mediaNight is a few calls with their media reports, some of them
// one-way, as a source records them.
func mediaNight(t *testing.T) []Event {
	var evs []Event
	for i := range 12 {
		start := at(time.Duration(i) * 20 * time.Second)
		d := newDialog(t, fmt.Sprintf("n%d", i), newTr, pbx, "+12125550100", testNum)
		ans := start + int64(time.Second)
		evs = append(evs, d.invite(start, ""), d.reply(ans, 200, "OK"))
		st := both(ans, 400)
		if i%4 == 1 {
			st = st[1:]
		}
		evs = append(evs, mediaEvent(ans+int64(5*time.Second), d.callID, ans, false, st...),
			d.bye(ans+int64(8*time.Second)),
			mediaEvent(ans+int64(10*time.Second), d.callID, ans, true, st...))
	}
	return evs
}

// Live and replay, and a replay that restores a checkpoint halfway, give
// the same media.
func TestMediaReplayIsTheSame(t *testing.T) {
	evs := mediaNight(t)
	live, again := NewState(testConfig()), NewState(testConfig())
	applyAll(live, evs...)
	applyAll(again, evs...)
	if !reflect.DeepEqual(live.Snapshot(), again.Snapshot()) {
		t.Fatal("the same events folded to other views")
	}
	half := NewState(testConfig())
	applyAll(half, evs[:len(evs)/2+3]...)
	if len(half.c.MediaCalls) == 0 {
		t.Fatal("no media call in flight at the checkpoint")
	}
	blob, err := half.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back := NewState(testConfig())
	if err := back.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	applyAll(back, evs[len(evs)/2+3:]...)
	if !reflect.DeepEqual(back.Snapshot(), live.Snapshot()) {
		t.Fatalf("restored and folded on: %+v\nlive: %+v", back.Snapshot().Trunks[1].Total.Media, live.Snapshot().Trunks[1].Total.Media)
	}
	m := live.Snapshot().Trunks[1].Total.Media
	if m.Judged != 12 || m.OneWay != 3 || m.MOSCount != 12 {
		t.Fatalf("total %+v", m)
	}
}

// A version 6 checkpoint (before media) restores with no media.
func TestCheckpointVersion6RestoresWithoutMedia(t *testing.T) {
	s := NewState(testConfig())
	evs := mediaNight(t)
	applyAll(s, evs[:len(evs)/2+3]...)
	v6, err := s.appendVersion(nil, 6)
	if err != nil {
		t.Fatal(err)
	}
	back := NewState(testConfig())
	if err := back.UnmarshalBinary(v6); err != nil {
		t.Fatal(err)
	}
	got, want := back.Snapshot(), s.Snapshot()
	if got.Media != (MediaCounts{}) || len(back.c.MediaCalls) != 0 || got.Trunks[1].Total.Media.Judged != 0 {
		t.Fatalf("a version 6 checkpoint restored media: %+v", got.Media)
	}
	for _, v := range []*Snapshot{got, want} {
		v.Media = MediaCounts{}
		for i := range v.Trunks {
			v.Trunks[i].Total.Media = MediaMix{}
			for w := range v.Trunks[i].Win {
				v.Trunks[i].Win[w].Media = MediaMix{}
			}
		}
		for i := range v.Numbers {
			for w := range v.Numbers[i].Win {
				v.Numbers[i].Win[w].Media = MediaMix{}
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("a version 6 checkpoint restores other views than media")
	}
}

// Past the cap, the calls first reported longest ago are forgotten and
// counted; their Final reports then count as unknown only if the call
// has left the table of calls too.
func TestMediaCallsAreBounded(t *testing.T) {
	s := NewState(testConfig())
	for i := range maxMediaCalls + 1 {
		id := fmt.Sprintf("b%d", i)
		s.c.Calls[id] = &call{Trunk: 1, Number: 0, Answered: at(0), ExpiresAt: at(time.Hour)}
		s.Apply(mediaEvent(at(time.Duration(i)), id, at(0), false))
	}
	want := maxMediaCalls - maxMediaCalls/8
	if len(s.c.MediaCalls) != want || s.Snapshot().Media.Evicted != uint64(maxMediaCalls+1-want) {
		t.Fatalf("%d media calls, %d evicted", len(s.c.MediaCalls), s.Snapshot().Media.Evicted)
	}
	if _, ok := s.c.MediaCalls["b0"]; ok {
		t.Fatal("the oldest was kept")
	}
	if _, ok := s.c.MediaCalls[fmt.Sprintf("b%d", maxMediaCalls)]; !ok {
		t.Fatal("the newest was evicted")
	}
}

func TestMOSText(t *testing.T) {
	for _, c := range []struct {
		v    float64
		ths  []float64
		want string
	}{{3.2, []float64{3.5}, "3.20"}, {3.499, []float64{3.5}, "3.499"}, {3.5, []float64{3.5}, "3.50"}, {3.6999, []float64{3.5, 3.7}, "3.6999"}} {
		if got := mosText(c.v, c.ths...); got != c.want {
			t.Errorf("mosText(%v, %v) = %q, want %q", c.v, c.ths, got, c.want)
		}
	}
}

// MediaMix.Add adds two windows' media, bins element-wise; nil stays nil
// when neither had a MOS.
func TestMediaMixAdd(t *testing.T) {
	var a, b, sum MediaMix
	a.Judged, a.OneWay = 3, 1
	a.AddMOS(4.2)
	b.Judged, b.NoMedia, b.Bad = 2, 1, 1
	b.AddMOS(2.95)
	b.AddMOS(4.2)
	sum.Add(a)
	sum.Add(b)
	if sum.Judged != 5 || sum.OneWay != 1 || sum.NoMedia != 1 || sum.Bad != 1 || sum.MOSCount != 3 ||
		sum.MOSBins[MOSBin(4.2)] != 2 || sum.MOSBins[MOSBin(2.95)] != 1 || sum.MOSP5() != 2.9 {
		t.Fatalf("sum %+v", sum)
	}
	if a.MOSBins[MOSBin(4.2)] != 1 {
		t.Fatal("Add changed what it added")
	}
	var none MediaMix
	none.Add(MediaMix{Judged: 1})
	if none.MOSBins != nil {
		t.Fatal("bins made without a MOS")
	}
}

// A call on hold: the tracker reports Answered 0 while a side's SDP says
// it will not send (sendonly, recvonly, inactive), so media one way only
// is expected. The fold took its own answer time instead and judged such
// a call one-way; it must wait for the tracker's Answered (off hold).
func TestMediaOnHoldIsNotJudgedOneWay(t *testing.T) {
	s := NewState(testConfig())
	_, ans := answeredCall(t, s, "held", testNum, at(0))
	music := both(ans, 250)[:1] // music on hold: one way
	s.Apply(mediaEvent(ans+int64(6*time.Second), "held", 0, false, music...))
	s.Apply(mediaEvent(ans+int64(11*time.Second), "held", 0, false, music...))
	if tr, num := mediaOf(s, 1, 0); tr.Judged != 0 || num.Judged != 0 {
		t.Fatalf("a call on hold judged: trunk %+v, number %+v", tr, num)
	}
	// Off hold at +12 s: both ways from then, judged NoMediaAfter later.
	off := ans + int64(12*time.Second)
	s.Apply(mediaEvent(off+int64(5*time.Second), "held", off, false, both(off, 250)...))
	if tr, _ := mediaOf(s, 1, 0); tr.Judged != 1 || tr.OneWay != 0 {
		t.Fatalf("off hold: trunk %+v, want judged and not one-way", tr)
	}
}
