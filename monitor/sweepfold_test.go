package monitor

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

const sweepFrom = "+15550199999"

func sweepConfig(n int) Config {
	cfg := testConfig()
	cfg.Numbers = nil
	for i := range n {
		cfg.Numbers = append(cfg.Numbers, Number{E164: fmt.Sprintf("+1555010%04d", i+1), PortRequestID: "PR-1", PortState: PortCompleted})
	}
	return cfg
}

func sweepStartEvent(when int64, id string, nums ...string) Event {
	return Event{Time: when, Kind: KindProbe, Source: SourceProbe,
		Probe: &ProbeResult{Probe: ProbeSweep, Sweep: id, From: sweepFrom, Numbers: nums}}
}

func sweepCallEvent(when int64, id, num string, code int) Event {
	return Event{Time: when, Kind: KindProbe, Source: SourceProbe,
		Probe: &ProbeResult{Probe: ProbeSweepCall, Sweep: id, Number: num, Code: code, PDD: 300 * time.Millisecond, Trunk: "new"}}
}

// arrival is the initial INVITE of a test call to num arriving from trunk
// address src, with the sweep header id ("" = none) and From from.
func arrival(t *testing.T, when int64, src string, callID, from, num, id string) Event {
	extra := ""
	if id != "" {
		extra = SweepHeader + ": " + id + "\n"
	}
	d := newDialog(t, callID, netip.MustParseAddrPort(src), pbx, from, num)
	return d.invite(when, extra)
}

// sweepNight is a sweep of five numbers: 1 lands on new (header), 2 on
// legacy (no header: From and number match), 3 is answered but never
// arrives, 4 is refused (404) and never arrives, 5 arrives with a From
// that is not the sweep's caller and no header (not its test call).
func sweepNight(t *testing.T) []Event {
	n := func(i int) string { return fmt.Sprintf("+1555010%04d", i) }
	return []Event{
		sweepStartEvent(at(0), "sw1", n(1), n(2), n(3), n(4), n(5)),
		arrival(t, at(100*time.Millisecond), newTr.String(), "a1", sweepFrom, n(1), "sw1"),
		arrival(t, at(200*time.Millisecond), legacy.String(), "a2", sweepFrom, n(2), ""),
		arrival(t, at(250*time.Millisecond), newTr.String(), "a5", "+15557770000", n(5), ""),
		sweepCallEvent(at(time.Second), "sw1", n(1), 200),
		sweepCallEvent(at(1100*time.Millisecond), "sw1", n(2), 200),
		sweepCallEvent(at(1200*time.Millisecond), "sw1", n(3), 200),
		sweepCallEvent(at(1300*time.Millisecond), "sw1", n(4), 404),
		sweepCallEvent(at(1400*time.Millisecond), "sw1", n(5), 486),
		{Time: at(5 * time.Second), Kind: KindProbe, Source: SourceProbe, Probe: &ProbeResult{Probe: ProbeSweepEnd, Sweep: "sw1"}},
		{Time: at(6 * time.Second), Kind: KindTick, Source: SourceClock},
	}
}

func TestSweepVerdicts(t *testing.T) {
	s := NewState(sweepConfig(5))
	var derived []Event
	for _, e := range sweepNight(t) {
		s.Apply(e)
		derived = s.Drain(derived)
	}
	snap := s.Snapshot()
	want := []SweepVerdict{SweepLandedNew, SweepLandedLegacy, SweepNeverArrived, SweepFailed, SweepFailed}
	for i, v := range want {
		got := snap.Numbers[i].SweepIn
		if got.Verdict != v || got.Sweep != "sw1" {
			t.Errorf("%s: verdict %q (sweep %q), want %q", snap.Numbers[i].E164, got.Verdict, got.Sweep, v)
		}
	}
	if in := snap.Numbers[0].SweepIn; in.Trunk != "new" || in.Code != 200 || in.PDD != 300*time.Millisecond {
		t.Errorf("landed on new: %+v, want trunk new, code 200, PDD 300ms", in)
	}
	if in := snap.Numbers[1].SweepIn; in.Trunk != "legacy" {
		t.Errorf("landed on legacy: trunk %q", in.Trunk)
	}
	if in := snap.Numbers[3].SweepIn; in.Code != 404 || in.Trunk != "" {
		t.Errorf("refused: %+v, want code 404 and no trunk", in)
	}
	if len(snap.Sweeps) != 1 {
		t.Fatalf("sweeps %+v", snap.Sweeps)
	}
	run := snap.Sweeps[0]
	if run.New != 1 || run.Legacy != 1 || run.Never != 1 || run.Failed != 2 || !run.Finished() || run.Total != 5 {
		t.Errorf("run %+v: want 1 new, 1 legacy, 1 never, 2 failed, finished", run)
	}
	var verdicts []string
	for _, e := range derived {
		if e.Kind == KindProbe && e.Probe.Probe == ProbeSweepVerdict {
			verdicts = append(verdicts, e.Probe.Number+"="+string(e.Probe.Verdict))
		}
	}
	if len(verdicts) != 5 {
		t.Errorf("recorded verdicts %v, want one a number", verdicts)
	}
	if len(s.c.Sweep.Calls) != 0 || s.c.Sweep.Due != 0 {
		t.Errorf("calls left waiting: %+v", s.c.Sweep)
	}
}

// TestSweepReplayAndCheckpoint: the recording (events plus the verdicts
// the fold derived) replays to the same state, and a checkpoint taken
// mid-sweep carries on to the same verdicts.
func TestSweepReplayAndCheckpoint(t *testing.T) {
	evs := sweepNight(t)
	live := NewState(sweepConfig(5))
	var recording []Event
	for _, e := range evs {
		live.Apply(e)
		recording = live.Drain(append(recording, e))
	}
	replay := NewState(sweepConfig(5))
	applyAll(replay, recording...)
	if a, b := live.Snapshot(), replay.Snapshot(); !reflect.DeepEqual(a.Sweeps, b.Sweeps) || !reflect.DeepEqual(a.Numbers, b.Numbers) {
		t.Errorf("replay differs from live:\n%+v\n%+v", a.Sweeps, b.Sweeps)
	}
	for cut := 1; cut < len(evs); cut++ {
		s := NewState(sweepConfig(5))
		applyAll(s, evs[:cut]...)
		blob, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		back := NewState(sweepConfig(5))
		if err := back.UnmarshalBinary(blob); err != nil {
			t.Fatal(err)
		}
		clone := s.CloneInto(nil)
		applyAll(back, evs[cut:]...)
		applyAll(clone, evs[cut:]...)
		applyAll(s, evs[cut:]...)
		for name, x := range map[string]*State{"checkpoint": back, "clone": clone} {
			if a, b := s.Snapshot(), x.Snapshot(); !reflect.DeepEqual(a.Sweeps, b.Sweeps) || !reflect.DeepEqual(a.Numbers, b.Numbers) {
				t.Errorf("%s after event %d: sweeps %+v, want %+v", name, cut, b.Sweeps, a.Sweeps)
			}
		}
	}
}

// TestSweepLateArrival: the mirrored INVITE reaches us after the caller's
// result, within the grace: still landed; after it: never arrived.
func TestSweepLateArrival(t *testing.T) {
	num := "+15550100001"
	for _, tc := range []struct {
		after time.Duration
		want  SweepVerdict
	}{{time.Second, SweepLandedNew}, {3 * time.Second, SweepNeverArrived}} {
		s := NewState(sweepConfig(1))
		applyAll(s, sweepStartEvent(at(0), "sw", num), sweepCallEvent(at(time.Second), "sw", num, 200),
			arrival(t, at(time.Second+tc.after), newTr.String(), "late", sweepFrom, num, ""))
		if got := s.Snapshot().Numbers[0].SweepIn.Verdict; got != tc.want {
			t.Errorf("arrival %s after the result: %q, want %q", tc.after, got, tc.want)
		}
	}
}

// BenchmarkSweepArrival is the fold's cost of matching an arrival with a
// sweep of 1,000 numbers under way: a fresh INVITE each iteration.
func BenchmarkSweepArrival(b *testing.B) {
	const n = 1000
	cfg := sweepConfig(n)
	t := &testing.T{}
	nums := make([]string, n)
	for i := range nums {
		nums[i] = cfg.Numbers[i].E164
	}
	invites := make([]Event, n)
	for i := range invites {
		invites[i] = arrival(t, at(time.Duration(i)*time.Millisecond), newTr.String(), fmt.Sprintf("c%d", i), sweepFrom, nums[i], "")
	}
	b.ReportAllocs()
	s := NewState(cfg)
	for i := 0; b.Loop(); i++ {
		if i%n == 0 {
			b.StopTimer()
			s = NewState(cfg)
			s.Apply(sweepStartEvent(at(0), "bench", nums...))
			b.StartTimer()
		}
		s.sweepArrival(at(time.Second), 1, DirIn, invites[i%n].SIP.Info)
	}
}

// TestSweepOutboundCheck: calls from the numbers through the SBC; the
// fold sees each leave by a trunk (header, or From = the number and the
// check's destination), with the attestation its INVITE claims.
func TestSweepOutboundCheck(t *testing.T) {
	const dest = "+15550177777"
	n1, n2 := "+15550100001", "+15550100002"
	s := NewState(sweepConfig(2))
	claims := base64.RawURLEncoding.EncodeToString([]byte(`{"attest":"A","orig":{"tn":"15550100001"}}`))
	identity := "Identity: eyJhbGciOiJFUzI1NiJ9." + claims + ".c2ln;info=<https://cert.example/a.pem>;alg=ES256;ppt=shaken\n"
	leave := func(when int64, trunk netip.AddrPort, id, from, extra string) Event {
		return newDialog(t, id, pbx, trunk, from, dest).invite(when, extra)
	}
	applyAll(s,
		Event{Time: at(0), Kind: KindProbe, Source: SourceProbe, Probe: &ProbeResult{Probe: ProbeSweep, Sweep: "out1", Out: true, From: dest, Numbers: []string{n1, n2}}},
		leave(at(100*time.Millisecond), newTr, "o1", n1, SweepHeader+": out1\n"+identity),
		leave(at(200*time.Millisecond), legacy, "o2", n2, ""),
		Event{Time: at(time.Second), Kind: KindProbe, Source: SourceProbe, Probe: &ProbeResult{Probe: ProbeSweepCall, Sweep: "out1", Out: true, Number: n1, Code: 200}},
		Event{Time: at(time.Second), Kind: KindProbe, Source: SourceProbe, Probe: &ProbeResult{Probe: ProbeSweepCall, Sweep: "out1", Out: true, Number: n2, Code: 200}},
	)
	snap := s.Snapshot()
	if o := snap.Numbers[0].SweepOut; o.Verdict != SweepLeftNew || o.Attest != "A" || o.Trunk != "new" {
		t.Errorf("%s: %+v, want left_new with A", n1, o)
	}
	if o := snap.Numbers[1].SweepOut; o.Verdict != SweepLeftLegacy || o.Attest != "" {
		t.Errorf("%s: %+v, want left_legacy unsigned", n2, o)
	}
	if snap.Numbers[0].SweepIn.Verdict != "" {
		t.Errorf("an outbound check set SweepIn: %+v", snap.Numbers[0].SweepIn)
	}
	if run := snap.Sweeps[0]; !run.Out || run.New != 1 || run.Legacy != 1 || !run.Finished() {
		t.Errorf("run %+v", run)
	}
}

// TestSweepSuperseded: a second sweep calling a number the first still
// waits for takes it over; the first counts it as not called, so it
// still finishes (a `cutover sweep` waiting for it ends).
func TestSweepSuperseded(t *testing.T) {
	num := "+15550100001"
	s := NewState(sweepConfig(2))
	applyAll(s, sweepStartEvent(at(0), "first", num, "+15550100002"), sweepStartEvent(at(time.Second), "second", num),
		sweepCallEvent(at(2*time.Second), "first", num, 200), // the first's result for it comes too late to count
		sweepCallEvent(at(2*time.Second), "first", "+15550100002", 486),
		sweepCallEvent(at(3*time.Second), "second", num, 200),
		Event{Time: at(10 * time.Second), Kind: KindTick})
	snap := s.Snapshot()
	first, second := snap.Sweeps[0], snap.Sweeps[1]
	if first.Unplaced != 1 || first.Failed != 1 || !first.Finished() {
		t.Errorf("first %+v: want the number it lost counted not called, and finished", first)
	}
	if second.Never != 1 || !second.Finished() || snap.Numbers[0].SweepIn.Sweep != "second" {
		t.Errorf("second %+v, number %+v", second, snap.Numbers[0].SweepIn)
	}
}

// In transit the test call lands where the box sends it: an INVITE to
// the number sent towards the new trunk is landed_new, towards legacy
// landed_legacy (the same night's arrivals, mirrored).
func TestSweepVerdictsInTransit(t *testing.T) {
	cfg := sweepConfig(2)
	cfg.Topology = TopologyTransit
	s := NewState(cfg)
	n := func(i int) string { return fmt.Sprintf("+1555010%04d", i) }
	sent := func(when int64, dst netip.AddrPort, callID, num, id string) Event {
		return newDialog(t, callID, pbx, dst, sweepFrom, num).invite(when, SweepHeader+": "+id+"\n")
	}
	applyAll(s,
		sweepStartEvent(at(0), "sw1", n(1), n(2)),
		sent(at(100*time.Millisecond), newTr, "a1", n(1), "sw1"),
		sent(at(200*time.Millisecond), legacy, "a2", n(2), "sw1"),
		sweepCallEvent(at(time.Second), "sw1", n(1), 200),
		sweepCallEvent(at(1100*time.Millisecond), "sw1", n(2), 200),
	)
	snap := s.Snapshot()
	if v := snap.Numbers[0].SweepIn; v.Verdict != SweepLandedNew || v.Trunk != "new" {
		t.Errorf("sent to new: %+v", v)
	}
	if v := snap.Numbers[1].SweepIn; v.Verdict != SweepLandedLegacy || v.Trunk != "legacy" {
		t.Errorf("sent to legacy: %+v", v)
	}
}
