package monitor

import (
	"strconv"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor/sipparse"
)

// Hand-computed: 4 inbound calls on the new trunk to one number.
// call 1 answered (PDD 2s), lasts 60s; call 2 answered, BYE after 1s (short);
// call 3 486 busy (user side: effective for NER); call 4 503 (network failure).
// ASR = 2/4, NER = 3/4, short = 1, drop rate = 1/2, PDD mean = 2s (only call 1 rang).
func TestFoldKPIsHandComputed(t *testing.T) {
	s := NewState(testConfig())
	c1 := newDialog(t, "c1", newTr, pbx, "+12125550100", "+15550100001")
	c2 := newDialog(t, "c2", newTr, pbx, "+12125550101", "15550100001")
	c3 := newDialog(t, "c3", newTr, pbx, "+12125550102", "5550100001")
	c4 := newDialog(t, "c4", newTr, pbx, "+12125550103", "+1-555-010-0001")
	applyAll(s,
		c1.invite(at(0), ""), c1.reply(at(100*time.Millisecond), 100, "Trying"),
		c1.reply(at(2*time.Second), 180, "Ringing"), c1.reply(at(5*time.Second), 200, "OK"),
		c2.invite(at(6*time.Second), ""), c2.reply(at(7*time.Second), 200, "OK"),
		c2.bye(at(8*time.Second)),
		c3.invite(at(10*time.Second), ""), c3.reply(at(11*time.Second), 486, "Busy Here"),
		c4.invite(at(12*time.Second), ""), c4.reply(at(13*time.Second), 503, "Service Unavailable"),
		c1.bye(at(65*time.Second)),
	)
	snap := s.Snapshot()
	n := snap.Numbers[0]
	if n.E164 != testNum {
		t.Fatalf("first number = %q", n.E164)
	}
	st := n.Win[Win15m]
	want := Stats{Attempts: 4, Completed: 4, Answered: 2, Failed: 2, Effective: 3, Short: 1, New: 4}
	if st.Attempts != want.Attempts || st.Completed != want.Completed || st.Answered != want.Answered ||
		st.Failed != want.Failed || st.Effective != want.Effective || st.Short != want.Short || st.New != want.New || st.Legacy != 0 {
		t.Fatalf("stats = %+v, want %+v", st, want)
	}
	if st.ASR() != 0.5 || st.NER() != 0.75 || st.DropRate() != 0.5 {
		t.Fatalf("ASR %v NER %v drop %v", st.ASR(), st.NER(), st.DropRate())
	}
	if st.PDD() != 2*time.Second {
		t.Fatalf("PDD = %v, want 2s", st.PDD())
	}
	if len(st.Codes) != 3 || st.Codes[0] != (CodeCount{200, 2}) {
		t.Fatalf("codes = %v", st.Codes)
	}
	tr := snap.Trunks[1]
	if tr.Name != "new" || tr.Win[Win15m].Attempts != 4 || tr.Win[Win15m].Answered != 2 {
		t.Fatalf("trunk new = %+v", tr.Win[Win15m])
	}
	if snap.Trunks[0].Win[Win15m].Attempts != 0 {
		t.Fatalf("legacy trunk counted calls: %+v", snap.Trunks[0].Win[Win15m])
	}
	if n.Serving != "new" || n.ServingRole != RoleNew {
		t.Fatalf("serving = %q %q", n.Serving, n.ServingRole)
	}
}

// Retransmitted INVITEs and final responses, and an auth retry with a
// higher CSeq, are one attempt with one outcome.
func TestFoldRetransmissionsCountOnce(t *testing.T) {
	s := NewState(testConfig())
	d := newDialog(t, "r1", pbx, newTr, "+15550100001", "+12125550100")
	applyAll(s,
		d.invite(at(0), ""), d.invite(at(500*time.Millisecond), ""), d.invite(at(1500*time.Millisecond), ""),
		d.reply(at(2*time.Second), 407, "Proxy Authentication Required"),
	)
	d.cseq = 2
	applyAll(s,
		d.invite(at(3*time.Second), ""),
		d.reply(at(4*time.Second), 488, "Not Acceptable Here"),
		d.reply(at(4500*time.Millisecond), 488, "Not Acceptable Here"),
		d.reply(at(5500*time.Millisecond), 488, "Not Acceptable Here"),
	)
	st := s.Snapshot().Trunks[1].Win[Win5m]
	if st.Attempts != 1 || st.Completed != 1 || st.Failed != 1 || st.Effective != 0 {
		t.Fatalf("stats = %+v", st)
	}
	if len(st.Codes) != 1 || st.Codes[0] != (CodeCount{488, 1}) {
		t.Fatalf("codes = %v (407 challenge and retransmitted 488s must not count)", st.Codes)
	}
	// outbound call: the number is taken from From, attestation "none"
	if n := s.Snapshot().Numbers[0].Win[Win5m]; n.Attempts != 1 || n.Attest.None != 1 || n.New != 0 {
		t.Fatalf("number stats = %+v", n)
	}
}

func TestFoldWindowsSlide(t *testing.T) {
	s := NewState(testConfig())
	d := newDialog(t, "w1", legacy, pbx, "+12125550100", "+15550100001")
	applyAll(s, d.invite(at(0), ""), d.reply(at(time.Second), 486, "Busy Here"))
	s.Apply(Event{Time: at(2 * time.Minute), Kind: KindTick})
	snap := s.Snapshot()
	tr := snap.Trunks[0]
	if tr.Win[Win1m].Attempts != 0 || tr.Win[Win5m].Attempts != 1 || tr.Win[Win15m].Attempts != 1 {
		t.Fatalf("windows after 2 min: 1m=%d 5m=%d 15m=%d", tr.Win[Win1m].Attempts, tr.Win[Win5m].Attempts, tr.Win[Win15m].Attempts)
	}
	if snap.Numbers[0].Win[Win15m].Legacy != 1 {
		t.Fatalf("legacy arrivals = %d", snap.Numbers[0].Win[Win15m].Legacy)
	}
	s.Apply(Event{Time: at(16 * time.Minute), Kind: KindTick})
	if got := s.Snapshot().Trunks[0].Win[Win15m].Attempts; got != 0 {
		t.Fatalf("15 min window after 16 min still holds %d attempts", got)
	}
	if spark := s.Snapshot().Trunks[0].Spark; len(spark) != SparkMinutes || spark[SparkMinutes-17] != 1 {
		t.Fatalf("spark = %v", spark)
	}
}

func TestFoldMalformedCounted(t *testing.T) {
	s := NewState(testConfig())
	m := &SIPMessage{Src: legacy, Dst: pbx, Raw: []byte("\x02\x00HEP3 garbage")}
	if err := m.Decode(sipparse.Parse); err == nil {
		t.Fatal("garbage decoded as SIP")
	}
	s.Apply(Event{Time: at(0), Kind: KindSIP, SIP: m})
	snap := s.Snapshot()
	if snap.Malformed != 1 || snap.SIP != 1 || len(snap.Feed) != 1 {
		t.Fatalf("malformed=%d sip=%d feed=%d", snap.Malformed, snap.SIP, len(snap.Feed))
	}
}

func TestFoldRegistrationAndOptions(t *testing.T) {
	s := NewState(testConfig())
	reg := func(when int64, cseq int, code int, extra string) {
		text := "REGISTER sip:203.0.113.20 SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-r\nFrom: <sip:acct@203.0.113.20>;tag=a\nTo: <sip:acct@203.0.113.20>\nCall-ID: reg1\nCSeq: " + strconv.Itoa(cseq) + " REGISTER\nContent-Length: 0\n\n"
		s.Apply(sipEvent(t, when, pbx, newTr, text))
		resp := "SIP/2.0 " + strconv.Itoa(code) + " X\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-r\nFrom: <sip:acct@203.0.113.20>;tag=a\nTo: <sip:acct@203.0.113.20>;tag=b\nCall-ID: reg1\nCSeq: " + strconv.Itoa(cseq) + " REGISTER\n" + extra + "Content-Length: 0\n\n"
		s.Apply(sipEvent(t, when+int64(10*time.Millisecond), newTr, pbx, resp))
	}
	reg(at(0), 1, 401, "WWW-Authenticate: Digest realm=\"x\", nonce=\"n\"\n")
	if got := s.Snapshot().Trunks[1].Registration; got != RegChallenged {
		t.Fatalf("after 401: %q", got)
	}
	reg(at(time.Second), 2, 200, "Contact: <sip:acct@192.0.2.10>;expires=300\n")
	tr := s.Snapshot().Trunks[1]
	if tr.Registration != RegRegistered || tr.RegExpiresAt != at(time.Second+10*time.Millisecond+300*time.Second) {
		t.Fatalf("after 200: %q expires %d", tr.Registration, tr.RegExpiresAt)
	}
	reg(at(2*time.Second), 3, 401, "")
	if got := s.Snapshot().Trunks[1].Registration; got != RegRegistered {
		t.Fatalf("a refresh challenge flipped a live registration to %q", got)
	}
	if openAlerts(s)["registration:new"] {
		t.Fatal("registration alert open on a registered trunk")
	}
	reg(at(3*time.Second), 4, 403, "")
	if tr := s.Snapshot().Trunks[1]; tr.Registration != RegFailed || tr.RegCode != 403 {
		t.Fatalf("after 403: %q %d", tr.Registration, tr.RegCode)
	}
	if !openAlerts(s)["registration:new"] {
		t.Fatal("no registration alert after 403")
	}
	reg(at(4*time.Second), 5, 200, "Expires: 300\n")
	if openAlerts(s)["registration:new"] {
		t.Fatal("registration alert still open after 200")
	}

	opt := "OPTIONS sip:198.51.100.10 SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-o\nFrom: <sip:ping@192.0.2.10>;tag=p\nTo: <sip:198.51.100.10>\nCall-ID: opt1\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"
	s.Apply(sipEvent(t, at(5*time.Second), pbx, legacy, opt))
	s.Apply(sipEvent(t, at(5*time.Second+7*time.Millisecond), legacy, pbx,
		"SIP/2.0 200 OK\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-o\nFrom: <sip:ping@192.0.2.10>;tag=p\nTo: <sip:198.51.100.10>;tag=q\nCall-ID: opt1\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"))
	if tr := s.Snapshot().Trunks[0]; tr.OptionsUp != 1 || tr.OptionsRTT != 7*time.Millisecond {
		t.Fatalf("options: up=%d rtt=%v", tr.OptionsUp, tr.OptionsRTT)
	}
	s.Apply(sipEvent(t, at(6*time.Second), pbx, legacy, crlf(opt[:0])+"OPTIONS sip:198.51.100.10 SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-o2\nFrom: <sip:ping@192.0.2.10>;tag=p\nTo: <sip:198.51.100.10>\nCall-ID: opt2\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"))
	s.Apply(Event{Time: at(time.Minute), Kind: KindTick})
	if tr := s.Snapshot().Trunks[0]; tr.OptionsUp != -1 || tr.OptionsCode != 408 {
		t.Fatalf("unanswered OPTIONS: up=%d code=%d", tr.OptionsUp, tr.OptionsCode)
	}
}
