//go:build linux

package capture

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/cutover/cutover/monitor/termsafe"
)

// The ring: TPACKET_V3 blocks of 512 KiB (a block is handed over when
// full or after blockTimeout), 64 of them unless LiveOptions.RingMiB says
// (32 MiB: about a second of 100,000 packets/s of SIP and RTP); reads
// wake every pollTimeout to see whether the capture should stop.
const (
	ringBlocks   = 64
	blocksPerMiB = 2
	blockTimeout = 20 * time.Millisecond
	pollTimeout  = 200 * time.Millisecond
)

// ErrNeedNetRaw means the kernel refused the AF_PACKET socket: capturing
// from an interface needs the CAP_NET_RAW capability.
var ErrNeedNetRaw = errors.New("capturing from an interface needs CAP_NET_RAW (run as root, or `setcap cap_net_raw+ep` on the binary)")

// OpenLive opens a capture on o.Iface with o.BPF in the kernel. On a
// loopback interface the copy of each packet going out is dropped in
// the kernel (see withoutOutgoing), so every packet is read once, as
// tcpdump reads it. Serve reads it.
func OpenLive(ctx context.Context, o LiveOptions) (*Live, error) {
	name := termsafe.Line(o.Iface)
	iface, err := net.InterfaceByName(o.Iface)
	if err != nil {
		return nil, fmt.Errorf("capture: no network interface %q here (`ip link` lists them)", name)
	}
	lt, err := linkTypeOf(o.Iface)
	if err != nil {
		return nil, err
	}
	prog, err := CompileFilter(ctx, o.BPF, lt)
	if err != nil {
		return nil, fmt.Errorf("capture on %s: %w", name, err)
	}
	if iface.Flags&net.FlagLoopback != 0 {
		prog = withoutOutgoing(prog)
	}
	tp, err := afpacket.NewTPacket(afpacket.OptInterface(o.Iface), afpacket.TPacketVersion3,
		afpacket.OptNumBlocks(cmp.Or(o.RingMiB*blocksPerMiB, ringBlocks)), afpacket.OptBlockTimeout(blockTimeout), afpacket.OptPollTimeout(pollTimeout))
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, fmt.Errorf("capture on %s: %w: %w", name, ErrNeedNetRaw, err)
		}
		return nil, fmt.Errorf("capture on %s: %w", name, err)
	}
	r := &afRing{tp: tp}
	if len(prog) > 0 {
		if err := tp.SetBPF(prog); err != nil {
			tp.Close()
			return nil, fmt.Errorf("capture on %s: the kernel refused the BPF filter %q: %w", name, termsafe.Line(o.BPF), err)
		}
		// The ring took every packet from its bind until the filter was
		// attached: those frames, and the kernel's counts of them, are
		// passed over. The time is taken after the filter is on (taken
		// before, a frame let in while the goroutine waited for the
		// syscall was newer than it, and read: another program's SIP).
		if base, err := r.stats(); err == nil {
			r.base = base
		}
		r.since = time.Now()
	}
	l := &Live{name: "iface " + name, ring: r, state: "capturing"}
	l.rd = newReader(o.Options)
	l.rd.src, l.rd.link = liveSource{l}, lt
	return l, nil
}

// Link types by the interface's ARPHRD_ type (/sys/class/net/NAME/type):
// what AF_PACKET's raw socket puts before the network header.
var linkTypes = map[int]layers.LinkType{
	1:     layers.LinkTypeEthernet, // ARPHRD_ETHER
	772:   layers.LinkTypeEthernet, // ARPHRD_LOOPBACK: a zeroed Ethernet header
	519:   layers.LinkTypeRaw,      // ARPHRD_RAWIP
	65534: layers.LinkTypeRaw,      // ARPHRD_NONE (tun, wireguard)
}

func linkTypeOf(iface string) (layers.LinkType, error) {
	b, err := os.ReadFile("/sys/class/net/" + iface + "/type")
	if err != nil || strings.ContainsAny(iface, "/") {
		return 0, fmt.Errorf("capture: the link type of %q is unknown (no /sys/class/net/%s/type)", termsafe.Line(iface), termsafe.Line(iface))
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	lt, ok := linkTypes[n]
	if !ok {
		return 0, fmt.Errorf("capture on %s: its link type (ARPHRD %d) is not one cutover reads: Ethernet, loopback or raw IP", termsafe.Line(iface), n)
	}
	return lt, nil
}

// afRing is gopacket's AF_PACKET ring.
type afRing struct {
	tp    *afpacket.TPacket
	since time.Time   // frames before this were not filtered
	base  kernelStats // the kernel's counts when the filter was attached
}

func (r *afRing) read() ([]byte, gopacket.CaptureInfo, error) {
	for {
		data, ci, err := r.tp.ZeroCopyReadPacketData()
		switch {
		case errors.Is(err, afpacket.ErrTimeout):
			return nil, ci, errRingIdle
		case err == nil && ci.Timestamp.Before(r.since): // passed over: the ring is not idle
			continue
		}
		return data, ci, err
	}
}

func (r *afRing) stats() (kernelStats, error) {
	_, v3, err := r.tp.SocketStats()
	return kernelStats{packets: uint64(v3.Packets()) - r.base.packets, drops: uint64(v3.Drops()) - r.base.drops,
		freezes: uint64(v3.QueueFreezes()) - r.base.freezes}, err
}

func (r *afRing) close() { r.tp.Close() }
