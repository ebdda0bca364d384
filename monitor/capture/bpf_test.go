package capture

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/cutover/cutover/fixtures/lab"
)

// udp5060 is `tcpdump -ddd 'udp port 5060'` on Ethernet (tcpdump 4.99).
const udp5060 = `20
40 0 0 12
21 0 6 34525
48 0 0 20
21 0 15 17
40 0 0 54
21 12 0 5060
40 0 0 56
21 10 11 5060
21 0 10 2048
48 0 0 23
21 0 8 17
40 0 0 20
69 6 0 8191
177 0 0 14
72 0 0 14
21 2 0 5060
72 0 0 16
21 0 1 5060
6 0 0 262144
6 0 0 0
`

func TestCompileFilterByTcpdump(t *testing.T) {
	lab.NeedTool(t, "tcpdump")
	prog, err := CompileFilter(context.Background(), "udp port 5060", layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := parseDDD(udp5060)
	if len(prog) != len(want) || prog[0] != want[0] || prog[len(prog)-1] != want[len(want)-1] {
		t.Errorf("compiled %v, want %v", prog, want)
	}
	// Raw IP links compile for raw IP: no Ethernet header to skip.
	raw, err := CompileFilter(context.Background(), "udp port 5060", layers.LinkTypeRaw)
	if err != nil || len(raw) == 0 || raw[0] == want[0] {
		t.Errorf("raw-IP program %v (%v): want one of its own", raw, err)
	}
	for _, bad := range []string{"udp port", "port 99999", "udp and (", "frobnicate 5060"} {
		_, err := CompileFilter(context.Background(), bad, layers.LinkTypeEthernet)
		if err == nil || !strings.Contains(err.Error(), "bad BPF filter") {
			t.Errorf("%q: err %v, want a bad BPF filter error", bad, err)
		}
	}
}

func TestCompileFilterTakesAProgram(t *testing.T) {
	t.Setenv("PATH", "") // no tcpdump: a compiled program needs none
	prog, err := CompileFilter(context.Background(), udp5060, layers.LinkTypeEthernet)
	if err != nil || len(prog) != 20 || prog[5] != (bpf.RawInstruction{Op: 21, Jt: 12, Jf: 0, K: 5060}) {
		t.Fatalf("program %v, %v", prog, err)
	}
	flat := strings.ReplaceAll(strings.TrimSpace(udp5060), "\n", ",") // as one line
	if p2, err := CompileFilter(context.Background(), flat, layers.LinkTypeEthernet); err != nil || len(p2) != 20 {
		t.Errorf("one-line program: %v, %v", p2, err)
	}
	if p, err := CompileFilter(context.Background(), "  ", layers.LinkTypeEthernet); p != nil || err != nil {
		t.Errorf("empty filter: %v, %v; want none", p, err)
	}
	for _, bad := range []string{"3\n6 0 0 0", "1\n6 0 0", "1\n6 0 x 0", "1\n6 0 256 0", "0\n6 0 0 0"} {
		if _, err := CompileFilter(context.Background(), bad, layers.LinkTypeEthernet); err == nil || !strings.Contains(err.Error(), "bad BPF program") {
			t.Errorf("%q: err %v, want a bad BPF program error", bad, err)
		}
	}
	if _, err := CompileFilter(context.Background(), "udp port 5060", layers.LinkTypeEthernet); !errors.Is(err, ErrNoTcpdump) {
		t.Errorf("an expression without tcpdump: %v, want ErrNoTcpdump", err)
	}
}

// TestWithoutOutgoing: the loopback prefix drops PACKET_OUTGOING and
// falls through to the program unchanged; with no program it accepts.
// (The kernel's side is TestLiveLoopbackReadsEachPacketOnce.)
func TestWithoutOutgoing(t *testing.T) {
	prog, _, _ := parseDDD(udp5060)
	full := withoutOutgoing(prog)
	if len(full) != len(prog)+3 || full[3] != prog[0] {
		t.Fatalf("prefix %v", full[:4])
	}
	head, ok := bpf.Disassemble(full[:3])
	if !ok || head[0] != (bpf.LoadExtension{Num: bpf.ExtType}) || head[1] != (bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: packetOutgoing, SkipTrue: 1}) || head[2] != (bpf.RetConstant{Val: 0}) {
		t.Errorf("prefix %v: want drop when the packet type is PACKET_OUTGOING", head)
	}
	if all := withoutOutgoing(nil); len(all) != 4 || all[3].K != MaxRecord {
		t.Errorf("no filter: %v, want the prefix then accept", all)
	}
}
