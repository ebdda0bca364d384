package monitor_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
)

// kpiOrder checks what every window of every trunk and number must
// satisfy whatever the night: answered ≤ completed ≤ attempts, and the
// other counters inside theirs.
func kpiOrder(s monitor.Stats) error {
	switch {
	case s.Answered > s.Completed || s.Completed > s.Attempts:
		return fmt.Errorf("answered %d / completed %d / attempts %d", s.Answered, s.Completed, s.Attempts)
	case s.Answered+s.Failed != s.Completed:
		return fmt.Errorf("answered %d + failed %d != completed %d", s.Answered, s.Failed, s.Completed)
	case s.Effective > s.Completed || s.Effective < s.Answered:
		return fmt.Errorf("effective %d outside answered %d..completed %d", s.Effective, s.Answered, s.Completed)
	case s.Short > s.Answered:
		return fmt.Errorf("short %d > answered %d", s.Short, s.Answered)
	case s.PDDCount > s.Attempts:
		return fmt.Errorf("PDD of %d calls > attempts %d", s.PDDCount, s.Attempts)
	}
	return nil
}

// randomNight is a simulated night of a random seed, short and busy, so
// that many calls' answers and ends fall in a later minute (or 10-second
// slice) than their INVITE.
func randomNight(seed int64) sim.Options {
	o := sim.DefaultOptions()
	o.Seed, o.Numbers, o.Length, o.CallsPerNumberHour = seed, 40, 50*time.Minute, 40
	return o
}

// TestKPIsAgreeOverRandomNights: over random nights, at every minute of
// event time, every trunk's and number's window keeps answered ≤
// completed ≤ attempts (a call's outcome counts in the window of its
// start, not of its answer), and a settled minute's attempts, completed
// and answered summed over the trunks equal the same figures summed over
// the numbers (every simulated call is for a configured number on a
// configured trunk).
func TestKPIsAgreeOverRandomNights(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 15))
	for range 3 {
		o := randomNight(rng.Int64N(1 << 30))
		t.Run(fmt.Sprintf("seed%d", o.Seed), func(t *testing.T) {
			st := monitor.NewState(sim.Config(o))
			var minute int64
			bad, settled := 0, 0
			for night := sim.New(o); ; {
				ev, ok := night.Next()
				if !ok {
					break
				}
				if m := ev.Time / int64(time.Minute); m != minute && minute != 0 && bad < 5 {
					bad += checkWindows(t, st.Snapshot())
					b, n := checkSettled(t, st, (m-monitor.SettledMinutes-1)*int64(time.Minute))
					bad, settled = bad+b, settled+n
				}
				minute = ev.Time / int64(time.Minute)
				if ev.SIP != nil {
					ev.SIP.Decode(sipparse.Parse)
				}
				st.Apply(ev)
				st.Drain(nil)
			}
			if settled == 0 {
				t.Error("no settled minute held an attempt: the night compared nothing")
			}
		})
	}
}

func checkWindows(t *testing.T, snap *monitor.Snapshot) int {
	t.Helper()
	bad := 0
	clock := time.Unix(0, snap.Now).UTC().Format("15:04:05")
	for _, tr := range snap.Trunks {
		for w, s := range tr.Win {
			if err := kpiOrder(s); err != nil {
				t.Errorf("%s trunk %s, %v window: %v", clock, tr.Name, monitor.Windows[w], err)
				bad++
			}
		}
	}
	for _, n := range snap.Numbers {
		for w, s := range n.Win {
			if err := kpiOrder(s); err != nil {
				t.Errorf("%s number %s, %v window: %v", clock, n.E164, monitor.Windows[w], err)
				bad++
			}
		}
	}
	return bad
}

// checkSettled compares the minute from (settled: its calls are decided)
// summed over the trunks and over the numbers; it returns the problems
// found and the attempts compared.
func checkSettled(t *testing.T, st *monitor.State, from int64) (bad, attempts int) {
	t.Helper()
	if from <= 0 {
		return 0, 0
	}
	trunks, numbers := st.Period(from, from+int64(time.Minute))
	var tr, nu monitor.Stats
	for _, s := range trunks {
		tr.Attempts, tr.Completed, tr.Answered = tr.Attempts+s.Attempts, tr.Completed+s.Completed, tr.Answered+s.Answered
	}
	for _, s := range numbers {
		nu.Attempts, nu.Completed, nu.Answered = nu.Attempts+s.Attempts, nu.Completed+s.Completed, nu.Answered+s.Answered
	}
	if tr.Attempts != nu.Attempts || tr.Completed != nu.Completed || tr.Answered != nu.Answered {
		t.Errorf("minute %s: trunks attempts/completed/answered %d/%d/%d, numbers %d/%d/%d",
			time.Unix(0, from).UTC().Format("15:04"), tr.Attempts, tr.Completed, tr.Answered, nu.Attempts, nu.Completed, nu.Answered)
		return 1, tr.Attempts
	}
	return 0, tr.Attempts
}
