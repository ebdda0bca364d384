package monitor

import (
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// normalNight is a quarter of an hour of ordinary traffic after start:
// answered, busy and ringing-then-cancelled calls on both trunks, for
// both numbers, each with its whole dialog.
func normalNight(t *testing.T, start int64) []Event {
	var evs []Event
	for i := range 60 {
		when := start + int64(i)*int64(15*time.Second)
		ms := func(d time.Duration) int64 { return when + int64(d) }
		tr, num := newTr, testNum
		if i%3 == 0 {
			tr = legacy
		}
		if i%2 == 0 {
			num = "+15550100002"
		}
		d := newDialog(t, fmt.Sprintf("normal-%d", i), tr, pbx, "+12125550100", num)
		evs = append(evs, d.invite(ms(0), ""), d.reply(ms(100*time.Millisecond), 100, "Trying"),
			d.reply(ms(2*time.Second), 180, "Ringing"))
		switch i % 4 {
		case 0, 1:
			evs = append(evs, d.reply(ms(5*time.Second), 200, "OK"), d.bye(ms(5*time.Second+time.Duration(i%5)*time.Second)))
		case 2:
			evs = append(evs, d.reply(ms(4*time.Second), 486, "Busy Here"))
		case 3: // rings for two and a half minutes, then the caller gives up
			evs = append(evs, d.reply(ms(150*time.Second), 487, "Request Terminated"))
		}
	}
	sortEvents(evs)
	return evs
}

func sortEvents(evs []Event) {
	for i := 1; i < len(evs); i++ { // insertion sort: stable, nearly sorted already
		for j := i; j > 0 && evs[j].Time < evs[j-1].Time; j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
}

// scan is n INVITEs from addresses that match no trunk (a SIP scanner
// walking extensions), none of them ever answered, 1,000 a second.
func scan(t *testing.T, start int64, n int) []Event {
	evs := make([]Event, n)
	for i := range evs {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{45, 134, byte(i >> 8), byte(i)}), uint16(5060+i%1000))
		d := newDialog(t, fmt.Sprintf("%08x-scan-%d@45.134.0.1", i*2654435761, i), src, pbx, "100", fmt.Sprint(1000+i%9000))
		evs[i] = d.invite(start+int64(i)*int64(time.Millisecond), "User-Agent: friendly-scanner\n")
	}
	return evs
}

// Issue 14 item 11: 90,000 unanswered INVITEs from addresses that match
// no trunk were all kept for four hours (a checkpoint grew from 21 KB to
// 3.4 MB). Now they age out and, in a burst, the table of calls from no
// trunk is capped: the checkpoint stays small, the calls on the trunks
// are counted exactly as without the scan, and the evictions are counted.
// Before the fix the checkpoint after the scan was 5.6 MB.
func TestScannerInvitesKeepTheCheckpointSmall(t *testing.T) {
	start := at(0)
	scanned := scan(t, start, 90_000) // 90 s of scanning
	normal := normalNight(t, start+int64(2*time.Minute))

	quiet := NewState(testConfig())
	applyAll(quiet, normal...)
	base, err := quiet.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}

	s := NewState(testConfig())
	applyAll(s, scanned...)
	afterScan, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	applyAll(s, normal...)
	blob, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("checkpoint: %d bytes without the scan, %d right after it, %d after the normal traffic", len(base), len(afterScan), len(blob))
	const bound = 256 << 10
	if len(afterScan) > bound || len(blob) > bound {
		t.Fatalf("checkpoint %d bytes after the scan, %d after the traffic: want at most %d", len(afterScan), len(blob), bound)
	}

	got, want := s.Snapshot(), quiet.Snapshot()
	if !reflect.DeepEqual(got.Trunks, want.Trunks) {
		t.Errorf("trunks after the scan:\n%+v\nwithout it:\n%+v", got.Trunks, want.Trunks)
	}
	if !reflect.DeepEqual(got.Numbers, want.Numbers) {
		t.Errorf("numbers after the scan:\n%+v\nwithout it:\n%+v", got.Numbers, want.Numbers)
	}
	if a := want.Trunks[1].Win[Win15m]; a.Attempts < 30 || a.Answered < 15 || a.Failed < 15 {
		t.Errorf("the normal traffic itself: %+v", a)
	}
	if got.CallsEvicted == 0 || want.CallsEvicted != 0 {
		t.Errorf("evictions: %d with the scan, %d without", got.CallsEvicted, want.CallsEvicted)
	}
	t.Logf("%d calls evicted", got.CallsEvicted)
}

// An INVITE with no final response is forgotten callPending after its
// last sign of life; a provisional response keeps it (Timer C restarts).
// Calls from no trunk, however many, never push out a call on a trunk.
func TestPendingCallsAgeOutAndStraysNeverEvictTrunkCalls(t *testing.T) {
	s := NewState(testConfig())
	silent := newDialog(t, "silent", newTr, pbx, "+12125550100", testNum)
	ringing := newDialog(t, "ringing", newTr, pbx, "+12125550101", testNum)
	applyAll(s, silent.invite(at(0), ""), ringing.invite(at(0), ""),
		ringing.reply(at(3*time.Minute), 180, "Ringing"))
	applyAll(s, scan(t, at(3*time.Minute+time.Second), 3*maxStrayCalls)...)
	applyAll(s, silent.reply(at(5*time.Minute), 200, "OK"), ringing.reply(at(5*time.Minute), 200, "OK"))
	st := s.Snapshot().Trunks[1].Win[Win15m]
	if st.Attempts != 2 || st.Answered != 1 || st.Completed != 1 {
		t.Fatalf("after 5 min: %+v; want the ringing call answered, the silent one forgotten", st)
	}
	if n := s.strayCalls(); n > maxStrayCalls {
		t.Fatalf("%d stray calls kept, cap %d", n, maxStrayCalls)
	}
	if got := s.Snapshot().CallsEvicted; got < 2*maxStrayCalls {
		t.Fatalf("%d evictions counted after %d strays", got, 3*maxStrayCalls)
	}
	back := NewState(testConfig()) // a restore counts its strays again
	blob, _ := s.MarshalBinary()
	if err := back.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	if back.strayCalls() != s.strayCalls() {
		t.Fatalf("strays after a restore: %d, before: %d", back.strayCalls(), s.strayCalls())
	}
}
