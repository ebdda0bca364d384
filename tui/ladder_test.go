package tui

import (
	"context"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipmsg"
)

// TestFeedSaysItIsPaused: moving up in the feed stops it following, and
// its title says so, with the key that resumes, whole at 80 columns (it
// read "· scrolled (end follows)", cut off at 80 columns).
func TestFeedSaysItIsPaused(t *testing.T) {
	t.Parallel()
	each(t, Options{}, func(t *testing.T, m Model) {
		m = press(m, "tab", "up", "up")
		lineWith(t, screen(m), "SIP FEED", "⏸ paused +2 · end follows")
		m = press(m, "end")
		mustNotContain(t, screen(m), "paused")
	})
}

// fakeCalls is a CallReader holding one call, and the exports asked of it.
type fakeCalls struct {
	log     CallLog
	asked   []string
	exports []string
}

func (f *fakeCalls) Call(_ context.Context, id string, at int64) (CallLog, error) {
	f.asked = append(f.asked, id)
	return f.log, nil
}

func (f *fakeCalls) ExportCall(_ context.Context, id string, at int64) (string, int, error) {
	f.exports = append(f.exports, id)
	return "/tmp/night/call-" + id + ".pcap", len(f.log.Messages), nil
}

var (
	carrier = netip.MustParseAddrPort("203.0.113.20:5060")
	sbcAddr = netip.MustParseAddrPort("192.0.2.1:5060")
	pbxAddr = netip.MustParseAddrPort("192.0.2.10:5060")
)

// ladderCall is an inbound call through an SBC, as an SBC's mirror shows
// it: the carrier's leg on trunk new-b and the PBX's leg. The carrier's
// INVITE carries a header with escape sequences, and its 180 a reason
// phrase with one.
func ladderCall(bad string) CallLog {
	msg := func(ms int, src, dst netip.AddrPort, method string, code int, reason, extra string) CallMessage {
		start := method + " sip:+15551230003@" + dst.Addr().String() + " SIP/2.0"
		if code != 0 {
			start = "SIP/2.0 " + strconv.Itoa(code) + " " + reason
		}
		raw := start + "\r\nCall-ID: c1\r\nCSeq: 1 " + method + "\r\n" + extra + "Content-Length: 0\r\n\r\n"
		cm := CallMessage{Time: t0 - 4e9 + int64(ms)*1e6, SIP: &monitor.SIPMessage{Src: src, Dst: dst, Transport: "udp", Raw: []byte(raw),
			Info: &sipmsg.Info{Request: code == 0, Method: method, Code: code, Reason: reason, CallID: "c1"}}}
		if src == carrier {
			cm.SrcTrunk = "new-b"
		}
		if dst == carrier {
			cm.DstTrunk = "new-b"
		}
		return cm
	}
	return CallLog{Span: 5 * time.Minute, Messages: []CallMessage{
		msg(0, carrier, sbcAddr, "INVITE", 0, "", "X-Evil: "+bad+"\r\n"),
		msg(2, sbcAddr, carrier, "INVITE", 100, "Trying", ""),
		msg(3, sbcAddr, pbxAddr, "INVITE", 0, "", ""),
		msg(40, pbxAddr, sbcAddr, "INVITE", 180, "Ringing", ""),
		msg(42, sbcAddr, carrier, "INVITE", 180, "Ringing"+bad, ""),
		msg(2100, pbxAddr, sbcAddr, "INVITE", 200, "OK", ""),
		msg(2102, sbcAddr, carrier, "INVITE", 200, "OK", ""),
		msg(2150, carrier, sbcAddr, "ACK", 0, "", ""),
		msg(62150, carrier, sbcAddr, "BYE", 0, "", ""),
		msg(62152, sbcAddr, carrier, "BYE", 200, "OK", ""),
	}}
}

// TestLadderFromTheFeed: enter on a feed line reads its call from the
// recording and shows the ladder (parties named by trunk, arrows with
// time offsets, methods and codes) and the message itself; ↓ selects the
// next message, e exports the call and says where the pcap went, esc goes
// back. The hostile header and reason reach the screen escaped.
func TestLadderFromTheFeed(t *testing.T) {
	t.Parallel()
	const bad = "\x1b]0;pwned\x07\x1b[2J\u202e"
	allowed := screenSGRs(t)
	for _, s := range []struct{ w, h int }{{80, 24}, {200, 50}} {
		calls := &fakeCalls{log: ladderCall(bad)}
		m := newTestModel(t, Options{Calls: calls}, s.w, s.h)
		m = press(m, "tab", "up", "up", "up", "up", "up", "enter") // the feed's first line: c1's INVITE
		if m.mode != modeLadder || len(calls.asked) != 1 || calls.asked[0] != "c1" {
			t.Fatalf("%dx%d: mode %d, calls read %v", s.w, s.h, m.mode, calls.asked)
		}
		scr := screen(m)
		mustContain(t, scr, "CALL", "10 messages over +1:02.2", "new-b", "203.0.113.20:5060", "192.0.2.1:5060", "192.0.2.10:5060",
			"MESSAGE 1/10", "X-Evil:")
		// The carrier's INVITE: left to right from new-b's column, at +0.000s, selected.
		lineWith(t, scr, "▶", "+0.000s", "──▶")
		lineWith(t, scr, "+0.002s", "◀──") // 100 Trying back to the carrier
		lineWith(t, scr, "180 Ringing")    // the PBX's
		if bad := rawControls(m.View().Content, allowed); len(bad) > 0 {
			t.Fatalf("%dx%d: the network's text reaches the terminal raw: %v", s.w, s.h, bad)
		}
		m = press(m, "down")
		mustContain(t, screen(m), "MESSAGE 2/10", "SIP/2.0 100 Trying")
		m = press(m, "end") // the last message: the ladder scrolls to it
		lineWith(t, screen(m), "▶+1:02.2", "◀──")
		mustContain(t, screen(m), "MESSAGE 10/10", "SIP/2.0 200 OK", "CSeq: 1 BYE")
		m = press(m, "e")
		if len(calls.exports) != 1 || len(calls.asked) != 2 { // and read again: the ladder shows what the pcap holds
			t.Fatalf("e exported %v, read %v", calls.exports, calls.asked)
		}
		mustContain(t, screen(m), "MESSAGE 10/10") // the same message
		mustContain(t, screen(m), "call exported: 10 SIP messages → /tmp/night/call-c1.pcap")
		m.status.dismiss() // the status line moves on; the ladder keeps saying where the pcap went
		mustContain(t, screen(m), "call exported: 10 SIP messages → /tmp/night/call-c1.pcap")
		m = press(m, "enter") // read again: a live recording commits the newest messages a moment later
		if len(calls.asked) != 3 || m.mode != modeLadder {
			t.Fatalf("enter in the ladder: mode %d, calls read %v", m.mode, calls.asked)
		}
		mustContain(t, screen(m), "call exported: 10 SIP messages") // still said
		m = press(m, "esc")
		if m.mode != modeNormal || m.ladder != nil {
			t.Fatalf("esc: mode %d", m.mode)
		}
		mustContain(t, screen(m), "SIP FEED")
	}
}
