package capture

import (
	"net/netip"
	"slices"
)

// Bounds of IP reassembly: a hostile or broken capture cannot make the
// importer hold more than maxPendingDatagrams * maxDatagram bytes.
const (
	maxPendingDatagrams = 256
	maxDatagram         = 65535
	fragTimeout         = 30e9 // ns a datagram may wait for its missing fragments
)

type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
}

type fragPiece struct {
	off  int
	data []byte
}

type fragDatagram struct {
	first  int64 // capture time of the first fragment
	total  int   // length of the whole payload, once the last fragment is seen (-1 before)
	size   int   // bytes held
	pieces []fragPiece
}

// defragger reassembles fragmented IPv4 and IPv6 datagrams.
type defragger struct {
	pending map[fragKey]*fragDatagram
	dropped uint64 // datagrams given up (timeout, overflow, overlap, too big)
}

func newDefragger() *defragger {
	return &defragger{pending: make(map[fragKey]*fragDatagram)}
}

// add takes one fragment (its payload is copied) and returns the whole
// transport payload when the datagram is complete.
func (d *defragger) add(ts int64, p *packet) ([]byte, bool) {
	k := fragKey{src: p.src, dst: p.dst, id: p.fragID, proto: p.proto}
	dg := d.pending[k]
	if dg == nil {
		if len(d.pending) >= maxPendingDatagrams {
			d.expire(ts, true)
		}
		dg = &fragDatagram{first: ts, total: -1}
		d.pending[k] = dg
	}
	end := p.fragOff + len(p.ip)
	if end > maxDatagram || dg.size+len(p.ip) > maxDatagram {
		delete(d.pending, k)
		d.dropped++
		return nil, false
	}
	if !p.fragMore {
		dg.total = end
	}
	dg.pieces = append(dg.pieces, fragPiece{off: p.fragOff, data: append([]byte(nil), p.ip...)})
	dg.size += len(p.ip)
	if dg.total < 0 {
		return nil, false
	}
	out, ok := dg.assemble()
	if ok {
		delete(d.pending, k)
	}
	return out, ok
}

// assemble joins the pieces when they cover [0, total) without a hole.
func (dg *fragDatagram) assemble() ([]byte, bool) {
	slices.SortFunc(dg.pieces, func(a, b fragPiece) int { return a.off - b.off })
	covered := 0
	for _, pc := range dg.pieces {
		if pc.off > covered {
			return nil, false
		}
		covered = max(covered, pc.off+len(pc.data))
	}
	if covered < dg.total {
		return nil, false
	}
	out := make([]byte, dg.total)
	for _, pc := range dg.pieces { // later pieces overwrite overlaps, as most stacks do
		if pc.off < dg.total {
			copy(out[pc.off:], pc.data)
		}
	}
	return out, true
}

// expire drops datagrams older than fragTimeout before ts; with force it
// drops the oldest one even if it is not that old (the table is full).
func (d *defragger) expire(ts int64, force bool) {
	var oldest fragKey
	var oldestT int64 = -1
	for k, dg := range d.pending {
		if ts-dg.first > fragTimeout {
			delete(d.pending, k)
			d.dropped++
			continue
		}
		if oldestT < 0 || dg.first < oldestT {
			oldest, oldestT = k, dg.first
		}
	}
	if force && len(d.pending) >= maxPendingDatagrams && oldestT >= 0 {
		delete(d.pending, oldest)
		d.dropped++
	}
}
