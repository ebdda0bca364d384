package mediatrack

import (
	"strconv"
	"testing"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

func TestScanSIP(t *testing.T) {
	sdp := sdpBody("10.0.0.1", 4000)
	cases := []struct {
		name, raw        string
		ok, request, tag bool
		method, callID   string
		from             string
		code             int
		sdp              string
	}{
		{name: "INVITE with SDP",
			raw: "INVITE sip:a@b SIP/2.0\r\nFrom: \"A\" <sip:a@x;transport=udp>;tag=t1\r\nTo: <sip:b@y>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: " + strconv.Itoa(len(sdp)) + "\r\n\r\n" + sdp,
			ok:  true, request: true, method: "INVITE", callID: "c1", from: "t1", sdp: sdp},
		{name: "compact headers, response",
			raw: "SIP/2.0 200 OK\r\nf: <sip:a@x>;tag=t2\r\nt: <sip:b@y>;tag=u\r\ni: c2\r\nCSeq: 7 INVITE\r\nc: Application/SDP; charset=utf-8\r\nl: " + strconv.Itoa(len(sdp)) + "\r\n\r\n" + sdp + "trailing junk",
			ok:  true, code: 200, method: "INVITE", callID: "c2", from: "t2", tag: true, sdp: sdp},
		{name: "multipart with ISUP",
			raw: "INVITE sip:a@b SIP/2.0\r\nFrom: <sip:a@x>;tag=t3\r\nTo: <sip:b@y>\r\nCall-ID: c3\r\nCSeq: 1 INVITE\r\nContent-Type: multipart/mixed;boundary=\"unique-boundary-1\"\r\n\r\n" +
				"--unique-boundary-1\r\nContent-Type: application/isup;version=itu-t92+\r\n\r\n\x01\x00\x49\r\n" +
				"--unique-boundary-1\r\nContent-Type: application/sdp\r\n\r\n" + sdp + "\r\n--unique-boundary-1--\r\n",
			ok: true, request: true, method: "INVITE", callID: "c3", from: "t3", sdp: sdp},
		{name: "a body that is not SDP",
			raw: "INVITE sip:a@b SIP/2.0\r\nFrom: <sip:a@x>;tag=t4\r\nTo: <sip:b@y>\r\nCall-ID: c4\r\nCSeq: 1 INVITE\r\nContent-Type: text/plain\r\n\r\n" + sdp,
			ok:  true, request: true, method: "INVITE", callID: "c4", from: "t4"},
		{name: "OPTIONS is not scanned",
			raw: "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: c5\r\nCSeq: 1 OPTIONS\r\n\r\n"},
		{name: "no Call-ID",
			raw: "BYE sip:a@b SIP/2.0\r\nCSeq: 1 BYE\r\n\r\n"},
		{name: "not SIP", raw: "\x80\x00binary"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, ok := scanSIP([]byte(c.raw))
			if ok != c.ok {
				t.Fatalf("ok %v, want %v", ok, c.ok)
			}
			if !ok {
				return
			}
			if v.request != c.request || string(v.method) != c.method || string(v.callID) != c.callID || string(v.fromTag) != c.from || v.code != c.code || v.toTag != c.tag {
				t.Errorf("got request %v method %q call %q from tag %q code %d to tag %v", v.request, v.method, v.callID, v.fromTag, v.code, v.toTag)
			}
			if string(v.sdp) != c.sdp {
				t.Errorf("sdp %q, want %q", v.sdp, c.sdp)
			}
		})
	}
}

// TestViewOfInfo: a message the fold's parser has read is taken from its
// Info, its SDP found by the Content- headers alone, and the view is the
// one scanSIP reads of the whole message.
func TestViewOfInfo(t *testing.T) {
	sdp := sdpBody("10.0.0.1", 4000)
	cases := []struct{ name, raw string }{
		{"INVITE with SDP", "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=t1\r\nTo: <sip:b@y>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: " + strconv.Itoa(len(sdp)) + "\r\n\r\n" + sdp},
		{"200 to BYE", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\nFrom: <sip:a@x>;tag=t1\r\nTo: <sip:b@y>;tag=u\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"},
		{"180 without body", "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:a@x>;tag=t1\r\nt: <sip:b@y>;tag=u\r\ni: c1\r\nCSeq: 1 INVITE\r\nl: 0\r\n\r\n"},
		{"ACK in the dialog", "ACK sip:b@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK3\r\nFrom: <sip:a@x>;tag=t1\r\nTo: <sip:b@y>;tag=u\r\nCall-ID: c1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"},
		{"SDP type, empty body", "BYE sip:b@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK4\r\nFrom: <sip:a@x>;tag=t1\r\nTo: <sip:b@y>;tag=u\r\nCall-ID: c1\r\nCSeq: 3 BYE\r\nContent-Type: Application/SDP\r\nContent-Length: 0\r\n\r\n"},
		{"compact type, cut to its length", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=t1\r\nTo: <sip:b@y>;tag=u\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nc: application/sdp\r\nl: " + strconv.Itoa(len(sdp)) + "\r\n\r\n" + sdp + "junk"},
		{"last Content-Type wins", "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=t1\r\nTo: <sip:b@y>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Type: text/plain\r\n\r\n" + sdp},
		{"SDP body, no type", "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=t1\r\nTo: <sip:b@y>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n\r\n" + sdp},
		{"OPTIONS", "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK5\r\nFrom: <sip:a@x>;tag=t1\r\nTo: <sip:b@y>\r\nCall-ID: c5\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := []byte(c.raw)
			m := &monitor.SIPMessage{Raw: raw}
			if err := m.Decode(sipparse.Parse); err != nil {
				t.Fatal(err)
			}
			want, wantOK := scanSIP(raw)
			got, ok := viewOf(m)
			if ok != wantOK || got.request != want.request || got.method != want.method || got.code != want.code ||
				got.callID != want.callID || got.fromTag != want.fromTag || got.toTag != want.toTag || string(got.sdp) != string(want.sdp) || (got.sdp == nil) != (want.sdp == nil) {
				t.Errorf("viewOf %+v %v, scanSIP %+v %v", got, ok, want, wantOK)
			}
		})
	}
}
