package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
)

const mediaBase = "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"10.0.0.1\"]\n[thresholds]\n"

func TestMediaThresholdKeys(t *testing.T) {
	f, err := Parse("c.toml", []byte(mediaBase+"no_media_after = \"8s\"\nmedia_max_loss = 0.03\nmedia_max_jitter = \"40ms\"\n"+
		"mos_min = 3.6\none_way_rate_max = 0.2\nno_media_rate_max = 0.15\nmedia_min_calls = 10\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := monitor.Thresholds{NoMediaAfter: 8 * time.Second, MediaMaxLoss: 0.03, MediaMaxJitter: 40 * time.Millisecond,
		MOSMin: 3.6, OneWayRateMax: 0.2, NoMediaRateMax: 0.15, MediaMinCalls: 10}
	if got := f.Cutover.Thresholds; got != want {
		t.Fatalf("thresholds = %+v, want %+v", got, want)
	}
	if sum := f.Summary(); !strings.Contains(sum, "  media    judged 8s after the answer; a stream is bad past 3 % loss, 40ms jitter or MOS 3.60\n"+
		"           trunk alerts: one_way_audio above 20 %, no_media above 15 % of ≥ 10 judged calls in 5 min, mos_low under MOS 3.60\n") {
		t.Errorf("check's summary:\n%s", sum)
	}
	f, err = Parse("c.toml", []byte(mediaBase))
	if err != nil {
		t.Fatal(err)
	}
	if sum := f.Summary(); !strings.Contains(sum, "  media    judged 5s after the answer; a stream is bad past 5 % loss, 30ms jitter or MOS 3.50\n"+
		"           trunk alerts: one_way_audio above 10 %, no_media above 10 % of ≥ 5 judged calls in 5 min, mos_low under MOS 3.50\n") {
		t.Errorf("check's summary without media keys shows other defaults:\n%s", sum)
	}
}

func TestMediaThresholdsRefused(t *testing.T) {
	for _, c := range []struct{ doc, field, msg string }{
		{"media_max_loss = 1.5\n", "thresholds.media_max_loss", "between 0 and 1"},
		{"one_way_rate_max = -0.1\n", "thresholds.one_way_rate_max", "between 0 and 1"},
		{"no_media_rate_max = 2.0\n", "thresholds.no_media_rate_max", "between 0 and 1"},
		{"no_media_after = \"-5s\"\n", "thresholds.no_media_after", "duration"},
		{"no_media_after = \"2m\"\n", "thresholds.no_media_after", "at most 30s"},
		{"media_max_jitter = \"lots\"\n", "thresholds.media_max_jitter", "duration"},
		{"mos_min = 5\n", "thresholds.mos_min", "between 1 and 4.5"},
		{"media_min_calls = -1\n", "thresholds.media_min_calls", "negative"},
		{"mos_minimum = 3\n", "thresholds.mos_minimum", "unknown key"},
	} {
		_, err := Parse("c.toml", []byte(mediaBase+c.doc))
		var ce *Error
		if !errors.As(err, &ce) || ce.File != "c.toml" || ce.Line != 7 || ce.Field != c.field || !strings.Contains(ce.Msg, c.msg) {
			t.Errorf("%q: %v, want c.toml:7 %s ~%q", c.doc, err, c.field, c.msg)
		}
	}
}
