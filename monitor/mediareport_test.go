package monitor

import (
	"math"
	"testing"
)

func TestMediaMixPercentileAndRates(t *testing.T) {
	var m MediaMix
	if m.MOSP5() != 0 || m.MOSMean() != 0 || m.OneWayRate() != -1 {
		t.Fatalf("empty mix: p5 %v mean %v one-way %v", m.MOSP5(), m.MOSMean(), m.OneWayRate())
	}
	for range 19 {
		m.AddMOS(4.31)
	}
	m.AddMOS(1.55)
	if p5 := m.MOSP5(); math.Abs(p5-1.5) > 1e-9 {
		t.Errorf("p5 of 19 × 4.31 and one 1.55: %v, want 1.5", p5)
	}
	m.AddMOS(4.4)
	if p5 := m.MOSP5(); math.Abs(p5-4.3) > 1e-9 {
		t.Errorf("p5 of 21 calls, one bad: %v, want 4.3 (the bad one is under 5 %%)", p5)
	}
	if got := MOSBin(9); got != mosBins-1 {
		t.Errorf("MOS 9 in bin %d", got)
	}
	if got := MOSBin(-1); got != 0 {
		t.Errorf("MOS -1 in bin %d", got)
	}
	m.Judged, m.OneWay = 4, 1
	if m.OneWayRate() != 0.25 {
		t.Errorf("one-way rate %v", m.OneWayRate())
	}
}
