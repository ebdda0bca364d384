package monitor

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	ref := time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC).UnixNano()
	want := time.Date(2026, 11, 24, 2, 15, 5, 0, time.UTC).UnixNano()
	for _, s := range []string{"02:15:05", "2026-11-24 02:15:05", "2026-11-24T02:15:05Z", " 02:15:05 "} {
		if got, err := ParseTime(s, ref); err != nil || got != want {
			t.Errorf("%q: %v %v", s, time.Unix(0, got).UTC(), err)
		}
	}
	late := time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC).UnixNano() // a night that crosses midnight
	if got, _ := ParseTime("00:30", late); got != time.Date(2026, 11, 24, 0, 30, 0, 0, time.UTC).UnixNano() {
		t.Errorf("00:30 after a 22:00 start: %v", time.Unix(0, got).UTC())
	}
	if _, err := ParseTime("half past two", ref); err == nil {
		t.Error("nonsense accepted")
	}
}
