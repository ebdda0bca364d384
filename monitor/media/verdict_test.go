package media

import (
	"strings"
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	ans := time.Unix(1_800_000_000, 0)
	th := DefaultThresholds()
	good := func(first time.Duration) Stats {
		return Stats{SSRC: 1, Codec: "PCMU", Packets: 500, Expected: 500, First: ans.Add(first), Last: ans.Add(10 * time.Second)}
	}
	lossy := good(0)
	lossy.Packets, lossy.Lost = 450, 50
	jittery := good(0)
	jittery.Jitter = 45 * time.Millisecond
	// G.729 with 4 % random loss and 25 ms jitter: under the loss and jitter
	// limits, but Ie,eff = 11 + 84·4/23 = 25.6, Id = 1.92, R = 65.7, MOS 3.39.
	poor := good(0)
	poor.Codec = "G729"
	poor.Packets, poor.Lost, poor.Gaps, poor.Jitter = 480, 20, 20, 25*time.Millisecond

	for _, c := range []struct {
		name   string
		call   CallMedia
		now    time.Duration
		want   Verdict
		reason string
	}{
		{"unanswered", CallMedia{Forward: []Stats{good(0)}}, 0, VerdictUnanswered, "not answered"},
		{"silent so far", CallMedia{Answered: ans}, 2 * time.Second, VerdictPending, "waiting"},
		{"no media", CallMedia{Answered: ans}, 5 * time.Second, VerdictNoMedia, "no RTP either way"},
		{"media too late", CallMedia{Answered: ans, Forward: []Stats{good(6 * time.Second)}, Reverse: []Stats{good(7 * time.Second)}}, 8 * time.Second, VerdictNoMedia, "within 5s"},
		{"one way so far", CallMedia{Answered: ans, Forward: []Stats{good(0)}}, time.Second, VerdictPending, "one way"},
		{"one-way forward", CallMedia{Answered: ans, Forward: []Stats{good(0)}, Reverse: []Stats{{}}}, 6 * time.Second, VerdictOneWay, "caller to callee"},
		{"one-way reverse", CallMedia{Answered: ans, Reverse: []Stats{good(time.Second)}}, 6 * time.Second, VerdictOneWay, "callee to caller"},
		{"healthy", CallMedia{Answered: ans, Forward: []Stats{good(0)}, Reverse: []Stats{good(time.Second)}}, 20 * time.Second, VerdictOK, ""},
		{"healthy early", CallMedia{Answered: ans, Forward: []Stats{good(0)}, Reverse: []Stats{good(0)}}, time.Second, VerdictOK, ""},
		{"loss", CallMedia{Answered: ans, Forward: []Stats{good(0)}, Reverse: []Stats{lossy}}, 20 * time.Second, VerdictBadStream, "lost 10.0%"},
		{"jitter", CallMedia{Answered: ans, Forward: []Stats{jittery}, Reverse: []Stats{good(0)}}, 20 * time.Second, VerdictBadStream, "jitter 45ms"},
		{"mos", CallMedia{Answered: ans, Forward: []Stats{poor}, Reverse: []Stats{good(0)}}, 20 * time.Second, VerdictBadStream, "MOS 3.39"},
		{"re-INVITE second stream", CallMedia{Answered: ans, Forward: []Stats{good(0), lossy}, Reverse: []Stats{good(0)}}, 20 * time.Second, VerdictBadStream, "lost"},
	} {
		got := Judge(c.call, ans.Add(c.now), th)
		if got.Verdict != c.want || !strings.Contains(got.Reason, c.reason) {
			t.Errorf("%s: got %v %q, want %v containing %q", c.name, got.Verdict, got.Reason, c.want, c.reason)
		}
	}
}

func TestJudgeWorstMOS(t *testing.T) {
	ans := time.Unix(0, 0)
	a := Stats{Codec: "PCMU", Packets: 100, Expected: 100, First: ans}
	b := a
	b.Packets, b.Lost, b.Gaps = 95, 5, 5
	got := Judge(CallMedia{Answered: ans, Forward: []Stats{a}, Reverse: []Stats{b}}, ans, DefaultThresholds())
	if want := MOS(b, 0); got.MOS != want || want >= MOS(a, 0) {
		t.Errorf("worst MOS = %v, want %v", got.MOS, want)
	}
}
