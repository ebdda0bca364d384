package mediatrack

import (
	"net/netip"
	"strings"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// call is one Call-ID's media state.
type call struct {
	id        string
	seq       uint64 // creation order: ties in the schedule go by it
	callerTag string // the From tag of the initial INVITE

	answered int64 // the 2xx to the INVITE (0: not yet)
	// expected is when media became expected both ways: the answer, or,
	// for a call answered on hold, the SDP that took it off hold. It is the
	// report's Answered, so a call on hold is never judged one-way.
	expected int64
	dirs     [2]sideDir // the latest audio direction of the caller (0) and the callee (1)

	ended     int64 // BYE, CANCEL or a failure response (0: not ended)
	failedEnd bool  // ended by a failure response: a later 2xx (another fork) revives it
	finalAt   int64 // when the final report is due (0: not yet known)

	lastActive int64 // the latest packet or SIP message
	lastPacket int64 // the latest RTP packet or external figure
	lastReport int64 // the latest report's event time
	nextReport int64 // the next periodic report (0: media not flowing)
	deadline   int64 // the report at expected+NoMediaAfter (0: none pending)
	reported   bool

	streams []*stream
	slots   []slot
	slot2   [2]slot // slots' first array: an offer's and an answer's sender

	hidx int   // index in the schedule, -1 when not in it
	due  int64 // the time it is scheduled at
	gone bool  // its final report is out
}

// sideDir is one side's SDP direction for audio.
type sideDir struct {
	set bool
	dir media.Direction
}

// stream is one 5-tuple and SSRC of a call: tracked from packets, or
// figures from elsewhere (origin set).
type stream struct {
	src, dst netip.AddrPort
	ssrc     uint32
	forward  bool
	st       media.Stream
	origin   string      // "" for packets seen here; else MediaFromRTCP etc.
	ext      media.Stats // the latest external figures
}

// slot is the addresses one sender's SDP named on one SIP hop: the
// sender's next SDP on that hop replaces them (a re-INVITE that moves the
// media).
type slot struct {
	hop        [2]netip.AddrPort
	fromCaller bool
	dests      []netip.AddrPort
}

func (c *call) active(at int64) { c.lastActive = max(c.lastActive, at) }

// stream finds the packet stream of the 5-tuple src→dst and SSRC: one
// port may send two sources (a voice and an RFC 4733 event stream), and a
// relay keeps the SSRC on both legs (never key by the SSRC alone).
func (c *call) stream(src, dst netip.AddrPort, ssrc uint32) *stream {
	for _, s := range c.streams {
		if s.dst == dst && s.src == src && s.ssrc == ssrc && s.origin == "" {
			return s
		}
	}
	return nil
}

// external finds the external stream of the 5-tuple and origin.
func (c *call) external(src, dst netip.AddrPort, origin string) *stream {
	for _, s := range c.streams {
		if s.dst == dst && s.src == src && s.origin == origin {
			return s
		}
	}
	return nil
}

// slot returns the slot of SDPs sent by the caller (or callee) over the
// hop between a and b, making it; nil past maxSlots.
func (c *call) slot(a, b netip.AddrPort, fromCaller bool) *slot {
	hop := [2]netip.AddrPort{a, b}
	if b.Addr().Less(a.Addr()) || (a.Addr() == b.Addr() && b.Port() < a.Port()) {
		hop = [2]netip.AddrPort{b, a}
	}
	for i := range c.slots {
		if c.slots[i].hop == hop && c.slots[i].fromCaller == fromCaller {
			return &c.slots[i]
		}
	}
	if len(c.slots) >= maxSlots {
		return nil
	}
	if c.slots == nil {
		c.slots = c.slot2[:0]
	}
	c.slots = append(c.slots, slot{hop: hop, fromCaller: fromCaller})
	return &c.slots[len(c.slots)-1]
}

// held reports whether a side's latest SDP says audio does not flow both
// ways (sendonly, recvonly, inactive or port 0): a call on hold.
func (c *call) held() bool {
	for _, d := range c.dirs {
		if d.set && d.dir != media.SendRecv {
			return true
		}
	}
	return false
}

// SIP takes one SIP message seen at event time at: its SDP (which names
// where its sender receives), the INVITE's answer, and the BYE or CANCEL
// (or failure) that ends the call. Messages of dialogs other than INVITE
// that carry no SDP are ignored and keep no state.
func (t *Tracker) SIP(at int64, m *monitor.SIPMessage) {
	if m == nil {
		return
	}
	v, ok := viewOf(m)
	if !ok {
		return
	}
	invite := v.method == "INVITE"
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.calls[v.callID]
	if c == nil {
		if (!invite && v.sdp == nil) || t.done.has(v.callID) {
			return
		}
		c = t.newCall(at, v.callID)
	}
	c.active(at)
	if v.request && invite && !v.toTag && c.callerTag == "" {
		c.callerTag = v.fromTag
	}
	// A request of the caller, or a response to one, carries its From tag.
	fromCaller := c.callerTag == "" || v.fromTag == c.callerTag
	if v.sdp != nil {
		t.applySDP(c, at, m, v.sdp, v.request == fromCaller)
	}
	switch {
	case v.request && (v.method == "BYE" || v.method == "CANCEL"):
		t.end(c, at, false)
	case !v.request && invite && v.code >= 200 && v.code < 300:
		if c.answered == 0 {
			c.answered = at
		}
		if c.failedEnd { // another fork's failure came first
			c.ended, c.finalAt, c.failedEnd = 0, 0, false
		}
		t.expect(c, at)
	case !v.request && invite && v.code >= 300 && c.answered == 0:
		t.end(c, at, true)
	}
}

// applySDP maps the addresses an SDP names to c. senderIsCaller: the SDP
// came from the caller's side, so RTP sent to it flows callee to caller.
func (t *Tracker) applySDP(c *call, at int64, m *monitor.SIPMessage, body []byte, senderIsCaller bool) {
	sess := &t.sdp // the tracker's, reused: only the codecs are kept
	if err := media.ParseSDPInto(body, sess); err != nil {
		t.stats.BadSDP++
		return
	}
	sl := c.slot(m.Src, m.Dst, senderIsCaller)
	if sl == nil {
		return
	}
	t.unmap(c, sl)
	if sl.dests == nil { // an RTP and an RTCP address a medium, at most
		sl.dests = make([]netip.AddrPort, 0, 2*len(sess.Media))
	}
	side := 1
	if senderIsCaller {
		side = 0
	}
	audio := false
	for i := range sess.Media {
		md := &sess.Media[i]
		if !audio && md.Type == "audio" {
			audio = true
			dir := md.Dir
			if md.Port == 0 {
				dir = media.Inactive
			}
			c.dirs[side] = sideDir{set: true, dir: dir}
		}
		if !md.Addr.IsValid() || md.Port == 0 || md.Dir == media.Inactive || !strings.Contains(strings.ToUpper(md.Proto), "RTP") {
			continue // rejected, stopped, or not RTP: nothing will be matched
		}
		t.mapDest(sl, md.RTPDest(), dest{c: c, forward: !senderIsCaller, codecs: md.Codecs})
		if r := md.RTCPDest(); r != md.RTPDest() && r.Port() != 0 {
			t.mapDest(sl, r, dest{c: c, forward: !senderIsCaller})
		}
	}
	t.expect(c, at)
}

// mapDest names a as d.c's. A destination another call named (a relay
// reuses its ports quickly; a UAS answers every call with one port) now
// belongs to d.c: the latest SDP wins, but the entry is marked shared
// while the other call lives, and Packet then asks the source.
func (t *Tracker) mapDest(sl *slot, a netip.AddrPort, d dest) {
	if old, ok := t.dests[a]; ok && old.c != d.c && !old.c.gone {
		d.shared = true
	}
	t.dests[a] = d
	sl.dests = append(sl.dests, a)
}

// unmap releases the addresses sl named that are still c's.
func (t *Tracker) unmap(c *call, sl *slot) {
	for _, a := range sl.dests {
		if d, ok := t.dests[a]; ok && d.c == c {
			delete(t.dests, a)
		}
	}
	sl.dests = sl.dests[:0]
}

// expect starts the no-media clock once c is answered and off hold.
func (t *Tracker) expect(c *call, at int64) {
	if c.answered == 0 || c.expected != 0 || c.held() || c.finalAt != 0 {
		return
	}
	c.expected = at
	c.deadline = at + int64(t.o.NoMediaAfter)
	t.reschedule(c)
}

// end marks c ended at at: its final report is due EndGrace later.
func (t *Tracker) end(c *call, at int64, failed bool) {
	if c.ended != 0 {
		return
	}
	c.ended, c.failedEnd = at, failed
	c.finalAt = at + int64(t.o.EndGrace)
	t.reschedule(c)
}
