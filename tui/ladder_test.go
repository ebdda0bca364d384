package tui

import (
	"testing"
)

// TestFeedSaysItIsPaused: moving up in the feed stops it following, and
// its title says so, with the key that resumes, whole at 80 columns (it
// read "· scrolled (end follows)", cut off at 80 columns).
func TestFeedSaysItIsPaused(t *testing.T) {
	t.Parallel()
	each(t, Options{}, func(t *testing.T, m Model) {
		m = press(m, "tab", "up", "up")
		lineWith(t, screen(m), "SIP FEED", "⏸ paused (+2) — end: follow")
		m = press(m, "end")
		mustNotContain(t, screen(m), "paused")
	})
}
