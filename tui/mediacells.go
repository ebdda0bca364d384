package tui

import (
	"strconv"

	"github.com/cutover/cutover/monitor"
)

// The media columns of the trunks and numbers panes and the detail views
// (issue 16): the share of judged calls with audio one way only or none,
// and the MOS of the calls whose media ended (mean, 5th percentile). A
// window in which no call was judged shows "—", never 0 %. Red marks a
// figure past the config's thresholds (monitor.Thresholds: OneWayRateMax,
// NoMediaRateMax, MOSMin), the ones the media alerts open on.

// oneWayCell is the one-way share of m's judged calls.
func (c *shared) oneWayCell(m *monitor.MediaMix) cell {
	return c.st.limitCell(m.OneWayRate(), c.lim.OneWayRateMax)
}

// noMediaCell is the no-media share of m's judged calls.
func (c *shared) noMediaCell(m *monitor.MediaMix) cell {
	return c.st.limitCell(m.NoMediaRate(), c.lim.NoMediaRateMax)
}

// limitCell is a share, red past limit; "—" when unknown (r < 0). Only
// trouble is styled: a screen of numbers renders these cells every frame.
func (s *Styles) limitCell(r, limit float64) cell {
	t := pct(r)
	if r > limit {
		return cell{t, s.Bad.Render(t)}
	}
	return cell{text: t}
}

// mosMeanCell is the mean MOS of m's calls, two decimals.
func (c *shared) mosMeanCell(m *monitor.MediaMix) cell {
	return c.mosCell(m.MOSCount, m.MOSMean(), 2)
}

// mosP5Cell is the 5th percentile of m's MOS, to its 0.1 bin.
func (c *shared) mosP5Cell(m *monitor.MediaMix) cell {
	return c.mosCell(m.MOSCount, m.MOSP5(), 1)
}

func (c *shared) mosCell(n int, mos float64, prec int) cell {
	if n == 0 {
		return cell{text: "—"}
	}
	t := strconv.FormatFloat(mos, 'f', prec, 64)
	if mos < c.lim.MOSMin {
		return cell{t, c.st.Bad.Render(t)}
	}
	return cell{text: t}
}

// mosKey orders by MOS, the worst first under a highest-first sort; a
// window without MOS last.
func mosKey(m *monitor.MediaMix) float64 {
	if m.MOSCount == 0 {
		return -1
	}
	return 5 - m.MOSMean()
}
