package sipmsg

import "testing"

func TestNormalizeE164(t *testing.T) {
	for _, c := range []struct{ user, cc, want string }{
		{"+15551230001", "1", "+15551230001"},
		{"5551230001", "1", "+15551230001"},
		{"15551230001;npdi", "1", "+15551230001"},
		{"(555) 123-0001", "1", "+15551230001"},
		{"0044201234567", "1", "+44201234567"},
		{"0201234567", "44", "+44201234567"},
		{"alice", "1", ""},
		{"123", "1", ""},
	} {
		if got := NormalizeE164(c.user, c.cc); got != c.want {
			t.Errorf("NormalizeE164(%q, %q) = %q, want %q", c.user, c.cc, got, c.want)
		}
	}
}
