package config

import (
	"cmp"
	"fmt"
	"time"

	"github.com/cutover/cutover/monitor"
)

// maxNoMediaAfter bounds no_media_after: a call that ended sooner stays
// in the fold's table of calls for 32 s after its BYE, and must still be
// known when it is judged.
const maxNoMediaAfter = 30 * time.Second

// mediaThresholds reads [thresholds]' media keys into t: the judgement of
// a call's media and the one_way_audio, no_media and mos_low rules. Zero
// (unset) keeps the default.
func (b *builder) mediaThresholds(r rawThresholds, t *monitor.Thresholds) {
	t.NoMediaAfter = b.duration("thresholds.no_media_after", r.NoMediaAfter, 0)
	if t.NoMediaAfter > maxNoMediaAfter {
		b.fail("thresholds.no_media_after", "want at most %s (RTP starts within seconds of the answer), got %q", maxNoMediaAfter, r.NoMediaAfter)
	}
	t.MediaMaxJitter = b.duration("thresholds.media_max_jitter", r.MediaMaxJitter, 0)
	t.MediaMaxLoss, t.OneWayRateMax, t.NoMediaRateMax = r.MediaMaxLoss, r.OneWayRateMax, r.NoMediaRateMax
	for _, f := range []struct {
		field string
		v     float64
	}{{"media_max_loss", r.MediaMaxLoss}, {"one_way_rate_max", r.OneWayRateMax}, {"no_media_rate_max", r.NoMediaRateMax}} {
		if f.v < 0 || f.v > 1 {
			b.fail("thresholds."+f.field, "want a share between 0 and 1, got %g", f.v)
		}
	}
	t.MOSMin = r.MOSMin
	if r.MOSMin != 0 && (r.MOSMin < 1 || r.MOSMin > 4.5) {
		b.fail("thresholds.mos_min", "want a MOS between 1 and 4.5, got %g", r.MOSMin)
	}
	t.MediaMinCalls = r.MediaMinCalls
	if r.MediaMinCalls < 0 {
		b.fail("thresholds.media_min_calls", "must not be negative, got %d", r.MediaMinCalls)
	}
}

// mediaSummary is `cutover check`'s line on how calls' media is judged.
func mediaSummary(t monitor.Thresholds) string {
	d := monitor.DefaultThresholds()
	mos := cmp.Or(t.MOSMin, d.MOSMin)
	return fmt.Sprintf("  media    judged %s after the answer; a stream is bad past %g %% loss, %s jitter or MOS %.2f\n"+
		"           trunk alerts: one_way_audio above %g %%, no_media above %g %% of ≥ %d judged calls in 5 min, mos_low under MOS %.2f\n",
		cmp.Or(t.NoMediaAfter, d.NoMediaAfter), 100*cmp.Or(t.MediaMaxLoss, d.MediaMaxLoss), cmp.Or(t.MediaMaxJitter, d.MediaMaxJitter), mos,
		100*cmp.Or(t.OneWayRateMax, d.OneWayRateMax), 100*cmp.Or(t.NoMediaRateMax, d.NoMediaRateMax), cmp.Or(t.MediaMinCalls, d.MediaMinCalls), mos)
}
