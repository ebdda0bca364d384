package media

import (
	"math"
	"testing"
	"time"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestMOSFromR(t *testing.T) {
	for _, c := range []struct{ r, mos float64 }{
		{93.2, 4.41}, // 1 + 3.262 + 93.2·33.2·6.8·7e-6 = 4.4093
		{90, 4.34},
		{80, 4.02},
		{70, 3.60},
		{60, 3.10},
		{50, 2.58}, // 1 + 1.75 − 0.175
		{-5, 1},
		{0, 1},
		{100, 4.5},
		{120, 4.5},
	} {
		if got := MOSFromR(c.r); !near(got, c.mos, 0.005) {
			t.Errorf("MOSFromR(%v) = %.4f, want %.2f", c.r, got, c.mos)
		}
	}
}

func TestEModelR(t *testing.T) {
	g711 := CodecImpairment("PCMU")
	g729 := CodecImpairment("g729")
	for _, c := range []struct {
		name string
		e    EModel
		r    float64
	}{
		{"clean G.711", EModel{Impairment: g711}, 93.2},
		// Ie,eff = 95·1/(1 + 25.1) = 3.6398
		{"G.711 1% random", EModel{Impairment: g711, LossPct: 1, BurstR: 1}, 93.2 - 95.0/26.1},
		// Ie,eff = 95·5/(5/2 + 25.1) = 17.210
		{"G.711 5% bursty", EModel{Impairment: g711, LossPct: 5, BurstR: 2}, 93.2 - 95*5/27.6},
		{"G.711 no PLC 1%", EModel{Impairment: CodecImpairment("x-unknown"), LossPct: 1, BurstR: 1}, 93.2 - 95.0/5.3},
		{"clean G.729", EModel{Impairment: g729}, 82.2},
		// Ie,eff = 11 + 84·2/(2 + 19) = 19
		{"G.729 2%", EModel{Impairment: g729, LossPct: 2}, 93.2 - 19},
		{"delay 100 ms", EModel{Impairment: g711, Delay: 100 * time.Millisecond}, 93.2 - 2.4},
		// Id = 0.024·300 + 0.11·(300 − 177.3) = 20.697
		{"delay 300 ms", EModel{Impairment: g711, Delay: 300 * time.Millisecond}, 93.2 - 20.697},
		{"all lost", EModel{Impairment: g711, LossPct: 100, BurstR: 1}, 93.2 - 9500/125.1},
	} {
		if got := c.e.R(); !near(got, c.r, 1e-9) {
			t.Errorf("%s: R = %.4f, want %.4f", c.name, got, c.r)
		}
	}
}

func TestStreamMOS(t *testing.T) {
	clean := Stats{Codec: "PCMA", Packets: 1000, Expected: 1000}
	// d = 2·0 + 20 + 10 = 30 ms: Id = 0.72, R = 92.48.
	if got, want := MOS(clean, 0), MOSFromR(93.2-0.72); !near(got, want, 1e-9) {
		t.Errorf("clean MOS = %v, want %v", got, want)
	}
	// 10 % loss in 100 single-packet gaps is random: BurstR = 1·0.9 → 1.
	lossy := Stats{Codec: "PCMA", Packets: 900, Expected: 1000, Lost: 100, Gaps: 100, Jitter: 10 * time.Millisecond}
	e := StreamModel(lossy, 0)
	if e.BurstR != 1 || e.LossPct != 10 || e.Delay != 50*time.Millisecond {
		t.Errorf("model = %+v", e)
	}
	// The same loss in 10 runs of 10: BurstR = 10·0.9 = 9.
	bursty := lossy
	bursty.Gaps = 10
	if got := BurstRatio(bursty); !near(got, 9, 1e-9) {
		t.Errorf("BurstRatio = %v, want 9", got)
	}
	if MOS(bursty, 0) >= MOS(lossy, 0) {
		t.Error("bursty loss must score lower than random loss")
	}
	if got := MOS(Stats{}, 0); got != 0 {
		t.Errorf("MOS without packets = %v, want 0", got)
	}
}
