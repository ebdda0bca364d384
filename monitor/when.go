package monitor

import (
	"fmt"
	"strings"
	"time"
)

// ParseTime reads a time a person types about a recording that starts at
// ref (Unix ns): RFC 3339 ("2026-11-24T02:15:00Z"), "2026-11-24 02:15[:05]",
// or a time of day "02:15[:05]" in UTC, taken on ref's day (the next day
// if that is before ref: nights cross midnight).
func ParseTime(s string, ref int64) (int64, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UnixNano(), nil
		}
	}
	for _, layout := range []string{"15:04:05", "15:04"} {
		t, err := time.ParseInLocation(layout, s, time.UTC)
		if err != nil {
			continue
		}
		day := time.Unix(0, ref).UTC().Truncate(24 * time.Hour)
		at := day.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second)
		if at.UnixNano() < ref-int64(time.Hour) {
			at = at.Add(24 * time.Hour)
		}
		return at.UnixNano(), nil
	}
	return 0, fmt.Errorf("time %q: want HH:MM[:SS] (UTC, on the recording's night) or YYYY-MM-DD HH:MM[:SS] or RFC 3339", s)
}
