package monitor

import (
	"fmt"
	"testing"
	"time"
)

// The SBC's own OPTIONS to a trunk, seen on the wire where no prober
// runs: three that go unanswered in a row open options_down, one alone
// does not, and two answered in a row close it.
func TestWireOptionsDownOpensAndCloses(t *testing.T) {
	s := NewState(testConfig())
	seq := 0
	ping := func(when time.Duration, answer int) {
		seq++
		head := fmt.Sprintf("Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-w%d\nFrom: <sip:ping@192.0.2.10>;tag=p\n"+
			"To: <sip:198.51.100.10>%%s\nCall-ID: wire%d\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n", seq, seq)
		s.Apply(sipEvent(t, at(when), pbx, legacy, "OPTIONS sip:198.51.100.10 SIP/2.0\n"+fmt.Sprintf(head, "")))
		if answer > 0 {
			s.Apply(sipEvent(t, at(when+20*time.Millisecond), legacy, pbx, fmt.Sprintf("SIP/2.0 %d X\n", answer)+fmt.Sprintf(head, ";tag=q")))
		}
	}
	open := func() bool { return openAlerts(s)["options_down:legacy"] }
	ping(0, 0)
	ping(45*time.Second, 200) // one lost (judged at 40 s), then an answer: not down
	ping(60*time.Second, 0)
	ping(90*time.Second, 0)
	s.Apply(Event{Time: at(150 * time.Second), Kind: KindTick})
	if open() {
		t.Fatal("options_down after two failures in a row")
	}
	ping(150*time.Second, 503)
	if !open() {
		t.Fatal("no options_down after three failures in a row (two timeouts, a 503)")
	}
	ping(180*time.Second, 200)
	if !open() {
		t.Fatal("options_down closed on the first answer")
	}
	ping(210*time.Second, 200)
	if open() {
		t.Fatal("options_down still open after two answers in a row")
	}
}
