package main

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
	"github.com/cutover/cutover/store"
)

// sipCounts counts SIP messages: requests by method, responses by code.
type sipCounts struct {
	total    uint64
	requests map[string]int
	codes    map[int]int
}

func newCounts() sipCounts { return sipCounts{requests: map[string]int{}, codes: map[int]int{}} }

func (c sipCounts) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d messages;", c.total)
	for _, m := range slices.Sorted(maps.Keys(c.requests)) {
		fmt.Fprintf(&b, " %s×%d", m, c.requests[m])
	}
	b.WriteString(";")
	for _, code := range slices.Sorted(maps.Keys(c.codes)) {
		fmt.Fprintf(&b, " %d×%d", code, c.codes[code])
	}
	return b.String()
}

// labTshark runs `tshark -q -z sip,stat` on the capture, decoding the
// lab's ports as SIP, and parses its per-method and per-code counts.
func labTshark(t *testing.T, pcap string, ports ...int) (sipCounts, string) {
	t.Helper()
	args := []string{"-r", pcap, "-q", "-z", "sip,stat"}
	for _, p := range ports {
		args = append(args, "-d", fmt.Sprintf("udp.port==%d,sip", p))
	}
	out, err := exec.Command("tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	return parseSIPStat(string(out)), string(out)
}

// recorded is what the recording holds: every HEP-sourced SIP message,
// counted overall and per carrier (by the carrier's address: requests sent
// to it, responses it sent; its auto-answered OPTIONS left out, as sipp
// does not count them either).
type recorded struct {
	all        sipCounts
	toCarrier  map[netip.AddrPort]map[string]int // requests received by the carrier
	carrierSnt map[netip.AddrPort]map[string]int // responses it sent, by code
}

func recordedCounts(t *testing.T, db string, carriers ...netip.AddrPort) recorded {
	t.Helper()
	r, err := store.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec := recorded{all: newCounts(), toCarrier: map[netip.AddrPort]map[string]int{}, carrierSnt: map[netip.AddrPort]map[string]int{}}
	for _, c := range carriers {
		rec.toCarrier[c], rec.carrierSnt[c] = map[string]int{}, map[string]int{}
	}
	err = r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if ev.Kind != monitor.KindSIP || ev.Source != "hep" {
			return nil
		}
		info, err := sipparse.Parse(ev.SIP.Raw)
		if err != nil {
			return fmt.Errorf("recorded message does not parse: %w", err)
		}
		rec.all.total++
		if info.Request {
			rec.all.requests[info.Method]++
			if m, ok := rec.toCarrier[ev.SIP.Dst]; ok && info.Method != "OPTIONS" {
				m[info.Method]++
			}
			return nil
		}
		rec.all.codes[info.Code]++
		if m, ok := rec.carrierSnt[ev.SIP.Src]; ok && info.Method != "OPTIONS" {
			m[strconv.Itoa(info.Code)]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// sippCounts reads the last line of a sipp -trace_counts file: what the
// scenario received (requests, by method) and sent (responses, by code),
// retransmissions included since they are on the wire too.
func sippCounts(t *testing.T, dir, scenario string) (recv, sent map[string]int, attempts int) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, scenario+"_*_counts.csv"))
	if len(files) != 1 {
		t.Fatalf("sipp %s counts: %v", scenario, files)
	}
	ls := lines(files[0])
	if len(ls) < 2 {
		t.Fatalf("sipp %s counts: %d lines", scenario, len(ls))
	}
	head := strings.Split(ls[0], ";")
	vals := strings.Split(ls[len(ls)-1], ";")
	recv, sent = map[string]int{}, map[string]int{}
	dirOf := map[string]string{} // message index -> Sent or Recv
	for _, h := range head {
		if p := strings.Split(h, "_"); len(p) == 3 && (p[2] == "Sent" || p[2] == "Recv") {
			dirOf[p[0]] = p[2]
		}
	}
	for i, h := range head {
		p := strings.Split(h, "_")
		if len(p) != 3 || i >= len(vals) || (p[2] != "Sent" && p[2] != "Recv" && p[2] != "Retrans" && p[2] != "Unexp") {
			continue
		}
		n, _ := strconv.Atoi(strings.TrimSpace(vals[i]))
		if p[2] == "Unexp" { // counted at the step sipp was at, whatever the message was
			recv[unexpected] += n
			continue
		}
		if p[0] == "0" && p[2] == "Recv" {
			attempts = n
		}
		if dirOf[p[0]] == "Sent" {
			sent[p[1]] += n
		} else {
			recv[p[1]] += n
		}
	}
	return recv, sent, attempts
}

// unexpected is the key under which sippCounts counts the messages sipp's
// scenario did not expect (a ping or a late ACK mid-call). Their column
// names the step sipp waited at, not the message, so with any of them
// sipp's per-message counts are only a lower bound of the wire.
const unexpected = "unexpected"

// diffMaps lists the keys where two counts differ.
func diffMaps[K comparable](a, b map[K]int) []string {
	var out []string
	keys := map[K]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for k := range keys {
		if a[k] != b[k] {
			out = append(out, fmt.Sprintf("%v: %d vs %d", k, a[k], b[k]))
		}
	}
	slices.Sort(out)
	return out
}

func portArg(p int) string { return strconv.Itoa(p) }

// keepOnFailure copies the lab directory somewhere that survives the test.
func keepOnFailure(t *testing.T, dir string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		keep := filepath.Join(os.TempDir(), "cutover-lab-"+time.Now().Format("150405"))
		if err := exec.Command("cp", "-r", dir, keep).Run(); err == nil {
			t.Logf("lab files kept in %s", keep)
		}
	})
}
