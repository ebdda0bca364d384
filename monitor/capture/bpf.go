package capture

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/cutover/cutover/monitor/termsafe"
)

// ErrNoTcpdump means a --bpf expression needs tcpdump to compile it and
// tcpdump is not on PATH.
var ErrNoTcpdump = errors.New("compiling a BPF expression needs tcpdump on PATH (Debian package tcpdump); or give the program it compiles, `tcpdump -ddd EXPR` on another box with the same link type")

// CompileFilter turns a live capture's filter into a classic BPF program
// for a link of type lt. expr is either a tcpdump expression ("udp port
// 5060 or udp portrange 10000-20000"), compiled by `tcpdump -ddd` reading
// an empty capture of that link type (so nothing is opened and no
// privilege is needed), or a program tcpdump already compiled: the lines
// `tcpdump -ddd` prints (a count, then "code jt jf k" per instruction).
// An empty expr is no filter (nil).
func CompileFilter(ctx context.Context, expr string, lt layers.LinkType) ([]bpf.RawInstruction, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil, nil
	}
	if prog, ok, err := parseDDD(expr); ok {
		return prog, err
	}
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		return nil, ErrNoTcpdump
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tcpdump, "-r", "-", "-ddd", expr)
	cmd.Stdin = bytes.NewReader(emptyPcap(lt))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		why := lastLine(stderr.String())
		if why == "" {
			why = err.Error()
		}
		return nil, fmt.Errorf("bad BPF filter %q: %s", termsafe.Line(expr), termsafe.Line(why))
	}
	prog, ok, err := parseDDD(string(out))
	if !ok || err != nil {
		return nil, fmt.Errorf("bad BPF filter %q: tcpdump -ddd printed no program: %v", termsafe.Line(expr), err)
	}
	return prog, nil
}

// emptyPcap is a pcap file header (no packets) of link type lt.
func emptyPcap(lt layers.LinkType) []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b[0:], magicMicro)
	binary.LittleEndian.PutUint16(b[4:], 2)
	binary.LittleEndian.PutUint16(b[6:], 4)
	binary.LittleEndian.PutUint32(b[16:], MaxRecord)
	binary.LittleEndian.PutUint32(b[20:], uint32(lt))
	return b
}

func lastLine(s string) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(ls[len(ls)-1])
}

// maxBPF is the kernel's limit on a classic BPF program (BPF_MAXINSNS).
const maxBPF = 4096

// parseDDD reads a program in tcpdump -ddd's form. ok is false when s does
// not look like one at all (not a count followed by more lines): it is
// an expression then. A program that starts like one but is malformed is an
// error.
func parseDDD(s string) (prog []bpf.RawInstruction, ok bool, err error) {
	lines := strings.FieldsFunc(strings.TrimSpace(s), func(r rune) bool { return r == '\n' || r == ',' })
	if len(lines) < 2 { // a count and its instructions
		return nil, false, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil {
		return nil, false, nil
	}
	if n < 1 || n > maxBPF || len(lines)-1 != n {
		return nil, true, fmt.Errorf("bad BPF program: it says %d instructions and has %d (at most %d)", n, len(lines)-1, maxBPF)
	}
	prog = make([]bpf.RawInstruction, n)
	for i, l := range lines[1:] {
		f := strings.Fields(l)
		var v [4]uint64
		if len(f) != 4 {
			return nil, true, fmt.Errorf("bad BPF program: instruction %d is %q, want \"code jt jf k\"", i+1, termsafe.Line(l))
		}
		for j, bits := range []int{16, 8, 8, 32} {
			if v[j], err = strconv.ParseUint(f[j], 10, bits); err != nil {
				return nil, true, fmt.Errorf("bad BPF program: instruction %d is %q, want \"code jt jf k\"", i+1, termsafe.Line(l))
			}
		}
		prog[i] = bpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])}
	}
	return prog, true, nil
}

// packetOutgoing is the kernel's PACKET_OUTGOING packet type.
const packetOutgoing = 4

// withoutOutgoing prefixes prog with "drop a packet the host sends": on a
// loopback interface every packet passes an AF_PACKET socket twice, once
// going out (PACKET_OUTGOING) and once coming in, and tcpdump (libpcap)
// keeps only the second. The prefix jumps nowhere into prog, and prog's
// jumps are relative, so prog runs unchanged after it. A nil prog
// accepts every packet.
func withoutOutgoing(prog []bpf.RawInstruction) []bpf.RawInstruction {
	head, _ := bpf.Assemble([]bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: packetOutgoing, SkipTrue: 1},
		bpf.RetConstant{Val: 0},
	})
	if len(prog) == 0 {
		tail, _ := bpf.Assemble([]bpf.Instruction{bpf.RetConstant{Val: MaxRecord}})
		return append(head, tail...)
	}
	return append(head, prog...)
}
