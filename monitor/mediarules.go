package monitor

import (
	"fmt"
	"strconv"
	"time"
)

// The media rules: one_way_audio and no_media on a trunk (a share of its
// judged calls over 5 min) and on a number (a count over 15 min), mos_low
// on a trunk (the mean MOS of its calls ended in 5 min).

const (
	// numberMediaMin one-way (or no-media) calls of a number in 15 min
	// open its alert; it closes under half of them.
	numberMediaMin = 2
	// mosRecovery is how far above MOSMin a trunk's mean MOS must climb
	// before an open mos_low closes.
	mosRecovery = 0.2
)

// mediaShareText is the hysteresis of one_way_audio or no_media.
func mediaShareText(what string, rateMax float64, th Thresholds) string {
	left := "none"
	if h := halfUp(numberMediaMin); h > 1 {
		left = "under " + strconv.Itoa(h)
	}
	return fmt.Sprintf("opens above %s %s of ≥ %d judged calls in 5 min on a trunk (critical), or at ≥ %d %s calls in 15 min on a number (warning); "+
		"closes at ≤ %s or under %d judged on a trunk, with %s in 15 min on a number",
		percent(rateMax), what, th.MediaMinCalls, numberMediaMin, what, percent(rateMax/2), halfUp(th.MediaMinCalls), left)
}

// mediaRules evaluates the media rules of a call's trunk and, when the
// call was just judged, of its number, at event time t.
func (s *State) mediaRules(t int64, mc *mediaCall, judged bool) {
	if mc.Trunk >= 0 && mc.Trunk < len(s.c.Trunks) {
		five := s.c.Trunks[mc.Trunk].W.sum(t, 5*time.Minute)
		s.trunkMedia(t, mc.Trunk, &five.Media)
	}
	if judged && mc.Number >= 0 && mc.Number < len(s.c.Numbers) {
		s.numberMedia(t, mc.Number)
	}
}

// trunkMedia evaluates a trunk's media rules on its last 5 minutes.
func (s *State) trunkMedia(t int64, tr int, m *MediaMix) {
	th := s.c.Cfg.Thresholds
	name := s.trunkName(tr)
	s.shareRule(t, RuleOneWayAudio, name, m.OneWay, m.Judged, th.OneWayRateMax, "had one-way audio")
	s.shareRule(t, RuleNoMedia, name, m.NoMedia, m.Judged, th.NoMediaRateMax, "had no media")

	s.floorRule(t, floor{rule: RuleMOSLow, subject: name, sev: SevWarning,
		v: m.MOSMean(), min: th.MOSMin, recovery: mosRecovery, n: m.MOSCount, minN: th.MediaMinCalls, show: mosText,
		head: func(shown string) string {
			return fmt.Sprintf("mean MOS %s of %d calls ended in 5 min", shown, m.MOSCount)
		},
		few: func(half int) string {
			return fmt.Sprintf("%d calls with a MOS ended in 5 min, under %d: too few to judge", m.MOSCount, half)
		}})
}

// shareRule opens rule on a trunk while n of its judged calls in 5 min
// are above rateMax, and closes it at or below half of it (or under half
// the calls).
func (s *State) shareRule(t int64, rule Rule, name string, n, judged int, rateMax float64, what string) {
	th := s.c.Cfg.Thresholds
	rate := ratio(n, judged)
	_, open := s.c.Alerts[alertKey(rule, name)]
	cond := judged >= th.MediaMinCalls && above(rate, rateMax)
	if open {
		cond = judged >= halfUp(th.MediaMinCalls) && above(rate, rateMax/2)
	}
	s.setAlert(t, cond, rule, name, SevCritical, func() string {
		if above(rate, rateMax) {
			return fmt.Sprintf("%d of %d calls judged in 5 min %s (%s, above %s)", n, judged, what, pct(rate, rateMax), pct(rateMax))
		}
		return fmt.Sprintf("%d of %d calls judged in 5 min %s (%s): recovering, closes at %s",
			n, judged, what, pct(rate, rateMax, rateMax/2), pct(rateMax/2))
	}, func() string {
		if judged < halfUp(th.MediaMinCalls) {
			return fmt.Sprintf("%d calls judged in 5 min, under %d: too few to judge", judged, halfUp(th.MediaMinCalls))
		}
		return fmt.Sprintf("%d of %d calls judged in 5 min %s (%s), at or below %s", n, judged, what, pct(rate, rateMax/2), pct(rateMax/2))
	})
}

// numberMedia evaluates a number's one_way_audio and no_media on its
// last 15 minutes: a count, since a number has few calls.
func (s *State) numberMedia(t int64, num int) {
	n := &s.c.Numbers[num]
	m := n.W.sum(t, 15*time.Minute).Media
	for _, r := range [...]struct {
		rule  Rule
		count int
		what  string
	}{{RuleOneWayAudio, m.OneWay, "one-way audio"}, {RuleNoMedia, m.NoMedia, "no media"}} {
		_, open := s.c.Alerts[alertKey(r.rule, n.E164)]
		cond := r.count >= numberMediaMin || open && r.count >= halfUp(numberMediaMin)
		s.setAlert(t, cond, r.rule, n.E164, SevWarning, func() string {
			return fmt.Sprintf("%d of %d calls judged in 15 min had %s", r.count, m.Judged, r.what)
		}, func() string {
			return fmt.Sprintf("%d calls with %s in 15 min, under %d", r.count, r.what, halfUp(numberMediaMin))
		})
	}
}

// above reports whether rate v is above threshold th.
func above(v, th float64) bool { return v > th+rateEps }

// mosText prints a MOS to two decimals, or more while it would read as
// one of the thresholds ths it is not equal to ("MOS 3.50, below 3.50").
func mosText(v float64, ths ...float64) string {
	for dec := 2; ; dec++ {
		s := strconv.FormatFloat(v, 'f', dec, 64)
		if dec == 4 {
			return s
		}
		clash := false
		for _, th := range ths {
			same := v-th < rateEps && th-v < rateEps
			clash = clash || !same && s == strconv.FormatFloat(th, 'f', dec, 64)
		}
		if !clash {
			return s
		}
	}
}
