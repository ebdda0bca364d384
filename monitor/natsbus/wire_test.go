package natsbus

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/cutover/cutover/monitor"
)

// wireEvents are the shapes an event takes on the wire: SIP over IPv4
// and IPv6, with a STIR verdict, with no raw bytes and with empty ones,
// without addresses; and events of other kinds.
func wireEvents() []Envelope {
	withStir := sipEvent(1e18+3, 3)
	withStir.SIP.Stir = &monitor.StirVerdict{Attest: "A", Result: "valid"}
	withStir.Quarantined = true
	v6 := sipEvent(1e18+4, 4)
	v6.SIP.Src, v6.SIP.Dst = netip.MustParseAddrPort("[2001:db8::1]:5060"), netip.MustParseAddrPort("[2001:db8::2]:5061")
	empty := sipEvent(1e18+5, 5)
	empty.SIP.Raw = []byte{}
	none := sipEvent(1e18+6, 6)
	none.SIP.Raw, none.SIP.Src, none.SIP.Dst = nil, netip.AddrPort{}, netip.AddrPort{}
	evs := []monitor.Event{sipEvent(1e18, 1), withStir, v6, empty, none,
		{Time: 1e18 + 7, Kind: monitor.KindNote, Source: monitor.SourceOperator, Note: &monitor.Note{Text: "trunk B back"}},
		{Time: 1e18 + 8, Kind: monitor.KindProbe, Source: monitor.SourceProbe, Quarantined: true, Probe: &monitor.ProbeResult{Trunk: "new", Code: 200}}}
	envs := make([]Envelope, len(evs))
	for i, ev := range evs {
		envs[i] = Envelope{ID: ID(ev), Site: "sbc-a", Recv: 1e18 + int64(i)*1000, Event: ev}
	}
	return envs
}

// What a collector encodes, a watch decodes as it was, one event to a
// message or many.
func TestWireRoundTrip(t *testing.T) {
	envs := wireEvents()
	b, err := Encode(envs...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, envs) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", got, envs)
	}
	for _, env := range envs {
		one, err := Encode(env)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Decode(one); err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], env) {
			t.Errorf("%s event alone: %+v, %v", env.Event.Kind, got, err)
		}
		j, _ := json.Marshal(env)
		if len(one) >= len(j) && env.Event.Kind == monitor.KindSIP && env.Event.SIP.Raw != nil {
			t.Errorf("a SIP event takes %d bytes, as JSON %d", len(one), len(j))
		}
	}
}

// A JSON envelope from a collector older than the binary format still
// decodes; a format newer than this watch is refused by name.
func TestWireOlderAndNewer(t *testing.T) {
	env := wireEvents()[1]
	j, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Decode(j); err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], env) {
		t.Errorf("a JSON envelope: %+v, %v", got, err)
	}
	b, _ := Encode(env)
	b[0] = 0x02
	if _, err := Decode(b); err == nil || !strings.Contains(err.Error(), "wire format 0x02 unknown") {
		t.Errorf("version 2: %v", err)
	}
	b[0] = wireV1
	for _, bad := range [][]byte{nil, {wireV1}, b[:len(b)/2], append(append([]byte{}, b...), 0)} {
		if got, err := Decode(bad); err == nil || !strings.HasPrefix(err.Error(), "natsbus: not an event message") {
			t.Errorf("%q: %+v, %v", bad, got, err)
		}
	}
}

// A message on the stream that is not one of events is counted as
// malformed and the events around it are folded.
func TestMalformedMessageIsCounted(t *testing.T) {
	s := natsd(t, t.TempDir(), 0)
	p := publisher(t, s.ClientURL(), "a")
	p.Publish(sipEvent(1e18, 1))
	closeWithin(t, p, 10*time.Second)
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	for _, junk := range []string{"\x02not ours", "{\"ID\":", "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"} {
		if err := nc.Publish(Subject("CUTOVER_TEST"), []byte(junk)); err != nil {
			t.Fatal(err)
		}
	}
	nc.Close()
	p = publisher(t, s.ClientURL(), "a")
	p.Publish(sipEvent(1e18+1, 2))
	closeWithin(t, p, 10*time.Second)
	got, st := history(t, s.ClientURL())
	if len(got) != 2 || st.Malformed != 3 || st.Messages != 5 {
		t.Errorf("%d events, stats %+v: want 2 events and 3 malformed of 5 messages", len(got), st)
	}
}

// FuzzDecode: no message makes the decoder panic, and what it accepts
// encodes again to what decodes the same.
func FuzzDecode(f *testing.F) {
	for _, env := range wireEvents() {
		b, _ := Encode(env)
		f.Add(b)
		j, _ := json.Marshal(env)
		f.Add(j)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		envs, err := Decode(b)
		if err != nil || b[0] != wireV1 {
			return
		}
		again, err := Encode(envs...)
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", envs, err)
		}
		if back, err := Decode(again); err != nil || len(back) != len(envs) {
			t.Fatalf("re-encoded: %+v, %v", back, err)
		}
	})
}
