package tui

// Playback speeds: +/- double and halve between minSpeed and maxSpeed;
// one step above maxSpeed is 0, as fast as possible.
const (
	minSpeed = 1.0 / 8
	maxSpeed = 4096
)

// faster doubles the speed; beyond maxSpeed it is 0 (as fast as possible).
func faster(s float64) float64 {
	switch {
	case s == 0:
		return 0
	case s*2 > maxSpeed:
		return 0
	case s < minSpeed:
		return minSpeed
	}
	return s * 2
}

// slower halves the speed, down to minSpeed; from "as fast as possible" it
// steps down to maxSpeed.
func slower(s float64) float64 {
	switch {
	case s == 0:
		return maxSpeed
	case s/2 < minSpeed:
		return minSpeed
	}
	return s / 2
}

// setShowActions puts the actions pane in the alerts' place (on) or takes
// it away; stacked, it hides the feed too, so focus leaves the feed for it.
func (m *Model) setShowActions(on bool) {
	m.showActions = on
	if m.lay.width > 0 {
		m.resize(m.lay.width, m.lay.height)
	}
	if on && !m.lay.wide && m.focus == focusFeed {
		m.focus = focusAlerts
	}
}

// moveFocus moves to the next (dir 1) or previous (-1) pane on screen: on
// a narrow screen the actions pane takes the feed's place too.
func (m *Model) moveFocus(dir int) {
	for {
		m.focus = (m.focus + focus(dir) + numFocus) % numFocus
		if m.focus != focusFeed || !m.showActions || m.lay.wide {
			return
		}
	}
}
