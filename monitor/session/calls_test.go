package session

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rec "github.com/cutover/cutover/fixtures/recording"
	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
	"github.com/cutover/cutover/store"
)

// answeredCall finds a call of the recording that was answered and hung
// up: its Call-ID and the time of its INVITE.
func answeredCall(t *testing.T, path string) (id string, at int64) {
	t.Helper()
	r, err := store.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	invites, answered := map[string]int64{}, map[string]bool{}
	err = r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if ev.Kind != monitor.KindSIP || ev.SIP.Decode(sipparse.Parse) != nil {
			return nil
		}
		in := ev.SIP.Info
		switch {
		case in.Request && in.Method == "INVITE" && in.ToTag == "":
			if _, ok := invites[in.CallID]; !ok {
				invites[in.CallID] = ev.Time
			}
		case !in.Request && in.Method == "INVITE" && in.Code == 200:
			answered[in.CallID] = true
		case in.Request && in.Method == "BYE" && answered[in.CallID]:
			id, at = in.CallID, invites[in.CallID]
			return errEnough
		}
		return nil
	})
	if id == "" {
		t.Fatalf("no answered call in the recording (%v)", err)
	}
	return id, at
}

// TestRecordedCallsReadsTheCallAndExportsIt: the ladder's reader returns a
// call's messages from the recording in order, INVITE to BYE, with the
// trunk of the carrier's side named, and only that call's, with its latest
// media report; its export
// writes the same messages to a pcap beside, named after the recording.
func TestRecordedCallsReadsTheCallAndExportsIt(t *testing.T) {
	o := sim.DefaultOptions()
	o.Numbers, o.Length = 20, 30*time.Minute
	dir := t.TempDir()
	path := rec.Demo(t, filepath.Join(dir, "night.db"), o)
	id, at := answeredCall(t, path)
	rc := RecordedCalls{Path: path}
	log, err := rc.Call(context.Background(), id, at)
	if err != nil {
		t.Fatal(err)
	}
	var methods []string
	trunks := 0
	for i, m := range log.Messages {
		if m.SIP.Info == nil || m.SIP.Info.CallID != id {
			t.Fatalf("message %d is not of call %s: %+v", i, id, m.SIP.Info)
		}
		if i > 0 && m.Time < log.Messages[i-1].Time {
			t.Fatalf("message %d out of order", i)
		}
		if m.SrcTrunk != "" || m.DstTrunk != "" {
			trunks++
		}
		methods = append(methods, m.SIP.Info.Method)
	}
	if len(methods) < 4 || methods[0] != "INVITE" || methods[len(methods)-1] != "BYE" || trunks != len(methods) {
		t.Fatalf("call %s: methods %v, %d of them on a named trunk", id, methods, trunks)
	}
	// The call's media: its latest report within the span (the simulated
	// night reports NoMediaAfter past the answer and after the BYE).
	if r := log.Media; r == nil || r.CallID != id || r.Answered == 0 || log.MediaAt < r.Answered || len(r.Streams) == 0 {
		t.Fatalf("call %s: media %+v at %d", id, r, log.MediaAt)
	}
	if bye := log.Messages[len(log.Messages)-1].Time; bye+int64(3*time.Second) < at+int64(CallSpan) && log.MediaAt < bye {
		t.Fatalf("call %s: the media report of %d is not the latest (BYE at %d)", id, log.MediaAt, bye)
	}
	p, n, err := rc.ExportCall(context.Background(), id, at)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, callPcapName(path, id)); p != want || n != len(log.Messages) {
		t.Fatalf("exported %d messages to %s, want %d to %s", n, p, len(log.Messages), want)
	}
	if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
		t.Fatalf("pcap: %v", err)
	}
	if _, _, err := rc.ExportCall(context.Background(), "no-such-call", at); err == nil {
		t.Fatal("exporting a call the recording does not hold succeeded")
	}
}

// TestCallPcapNameKeepsTheNetworkOutOfThePath: a Call-ID from the network
// cannot walk out of the directory or name a hidden file.
func TestCallPcapNameKeepsTheNetworkOutOfThePath(t *testing.T) {
	for id, want := range map[string]string{
		"abc@192.0.2.1":             "night-call-abc_192.0.2.1.pcap",
		"../../etc/passwd":          "night-call-.._.._etc_passwd.pcap",
		"x\x1b]0;t\x07/y":           "night-call-x__0_t__y.pcap",
		strings.Repeat("\x00", 100): "night-call-" + strings.Repeat("_", 40) + ".pcap",
	} {
		if got := callPcapName("/data/night.db", id); got != want {
			t.Errorf("%q: %q, want %q", id, got, want)
		}
	}
}
