package store

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// sameAsJSON checks that encodeEvent writes m's data byte for byte as
// json.Marshal does (or fails when it does), and reports whether
// appendMedia wrote it itself.
func sameAsJSON(t *testing.T, m monitor.MediaReport) bool {
	t.Helper()
	return writesAsJSON(t, &monitor.Event{Kind: monitor.KindMedia, Media: &m}, &m, appendMedia)
}

// stirAsJSON is sameAsJSON for a SIP message's STIR verdict.
func stirAsJSON(t *testing.T, v monitor.StirVerdict) bool {
	t.Helper()
	ev := &monitor.Event{Kind: monitor.KindSIP, SIP: &monitor.SIPMessage{Transport: "udp", Raw: []byte("INVITE"), Stir: &v}}
	return writesAsJSON(t, ev, &v, appendStir)
}

func writesAsJSON[T any](t *testing.T, ev *monitor.Event, v *T, enc func([]byte, *T) ([]byte, bool)) bool {
	t.Helper()
	want, werr := json.Marshal(v)
	for _, scratch := range []*[]byte{nil, new([]byte)} {
		r, err := encodeEvent(ev, nil, scratch)
		if (err != nil) != (werr != nil) {
			t.Fatalf("%+v: encodeEvent error %v, json.Marshal %v", *v, err, werr)
		}
		if err == nil && (r.data == nil || *r.data != string(want)) {
			t.Fatalf("encodeEvent wrote\n %v\njson.Marshal\n %s", r.data, want)
		}
	}
	got, ok := enc(nil, v)
	if ok && string(got) != string(want) {
		t.Fatalf("%T wrote\n %s\njson.Marshal\n %s", v, got, want)
	}
	return ok
}

// TestStirEncodesAsJSON: a STIR verdict is written as json.Marshal writes
// it; what it would escape is left to it.
func TestStirEncodesAsJSON(t *testing.T) {
	t.Parallel()
	for _, v := range []monitor.StirVerdict{
		{Attest: "A", Result: "valid"},
		{},
		{Attest: "B", Result: monitor.StirPending, Ref: 1<<63 + 7},
		{Result: "cert-unavailable", Attest: "A", TooMany: 8},
		{Result: monitor.StirOverloaded, TooMany: -1},
	} {
		if !stirAsJSON(t, v) {
			t.Errorf("%+v was left to json.Marshal", v)
		}
	}
	for _, esc := range []string{"<", ">", "&", `"`, `\\`, "\x00", "\x7f", "é", "\xff"} {
		if stirAsJSON(t, monitor.StirVerdict{Attest: esc}) || stirAsJSON(t, monitor.StirVerdict{Result: esc}) {
			t.Errorf("%q was written by appendStir", esc)
		}
	}
}

// TestMediaEncodesAsJSON: a media report is written as json.Marshal
// writes it; what it would escape or refuse is left to it.
func TestMediaEncodesAsJSON(t *testing.T) {
	t.Parallel()
	reports := mediaReports()
	for i, m := range reports {
		if ok := sameAsJSON(t, m); !ok && i < 4 {
			t.Errorf("report %d was left to json.Marshal", i)
		}
	}
	zoned := netip.MustParseAddrPort("[fe80::1%eth0]:5060")
	past := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	east := time.Date(2026, 11, 24, 1, 0, 3, 500, time.FixedZone("x", 5*3600+1800))
	for _, c := range []struct {
		name string
		m    monitor.MediaReport
		fast bool
	}{
		{"empty streams", monitor.MediaReport{CallID: "a", Streams: []monitor.MediaStream{}}, true},
		{"zoned address, time with an offset", monitor.MediaReport{Streams: []monitor.MediaStream{{Src: zoned,
			Stats: media.Stats{First: east, Last: east.Add(time.Second)}}}}, true},
		{"year 10000", monitor.MediaReport{Streams: []monitor.MediaStream{{Stats: media.Stats{Last: past}}}}, false},
	} {
		if ok := sameAsJSON(t, c.m); ok != c.fast {
			t.Errorf("%s: written by appendMedia %v, want %v", c.name, ok, c.fast)
		}
	}
	for _, esc := range []string{"<", ">", "&", `"`, `\`, "\x00", "\n", "\x1f", "\x7f", "é", "\u2028", "\xff"} {
		for _, m := range []monitor.MediaReport{{CallID: "a" + esc}, {Origin: esc + "b"},
			{Streams: []monitor.MediaStream{{Stats: media.Stats{Codec: esc}}}}} {
			if sameAsJSON(t, m) {
				t.Errorf("%q was written by appendMedia", esc)
			}
		}
	}
}

// FuzzMediaEncodesAsJSON holds appendMedia to json.Marshal on reports
// (and appendStir on verdicts) made of any strings, addresses, times (years -32768 to 32767 away)
// and counters.
func FuzzMediaEncodesAsJSON(f *testing.F) {
	f.Add("a@198.51.100.10", "PCMU", "rtp", int64(1795482003691691518), []byte{198, 51, 100, 12}, uint16(17616),
		int64(1795482003691691518), int64(5e9), uint64(250), int64(-3), true, int16(0))
	f.Add("<é>", "", "", int64(-1), []byte("\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"), uint16(0),
		int64(-1<<63), int64(1<<62), uint64(1<<63), int64(1<<62), false, int16(8000))
	f.Fuzz(func(t *testing.T, callID, codec, origin string, answered int64, ip []byte, port uint16,
		first, span int64, packets uint64, lost int64, final bool, years int16) {
		addr, _ := netip.AddrFromSlice(ip)
		st := media.Stats{SSRC: uint32(packets), PayloadType: uint8(port), Codec: codec, ClockRate: uint32(port) + 1,
			Packets: packets, Expected: packets + uint64(lost), Lost: lost, Duplicates: packets + 2, Late: packets + 3,
			Gaps: packets + 4, Jitter: time.Duration(lost), MaxJitter: time.Duration(lost + 5), MaxDelta: time.Duration(span),
			First: time.Unix(0, first).UTC().AddDate(int(years), 0, 0), Last: time.Unix(0, first).Add(time.Duration(span))}
		m := monitor.MediaReport{CallID: callID, Answered: answered, Final: final, Origin: origin,
			Streams: []monitor.MediaStream{{Src: netip.AddrPortFrom(addr, port), Forward: final, Stats: st}, {Dst: netip.AddrPortFrom(addr, port)}}}
		sameAsJSON(t, m)
		stirAsJSON(t, monitor.StirVerdict{Attest: callID, Result: origin, Ref: uint64(answered), TooMany: int(lost)})
	})
}
