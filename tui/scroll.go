package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// newViewport is a bubbles viewport for a view that scrolls (the detail,
// the help, the dialog's dry run). Its own key map is off: the screen's
// KeyMap drives it through scrollKey.
func newViewport() viewport.Model {
	vp := viewport.New()
	vp.KeyMap = viewport.KeyMap{}
	return vp
}

// scrollKey scrolls vp by a navigation key of the KeyMap (↑/↓ a line,
// page up/down a page, and with edges first/last); false if k is not one.
func scrollKey(keys *KeyMap, k tea.KeyPressMsg, vp *viewport.Model, edges bool) bool {
	switch {
	case key.Matches(k, keys.Up):
		vp.ScrollUp(1)
	case key.Matches(k, keys.Down):
		vp.ScrollDown(1)
	case key.Matches(k, keys.PageUp):
		vp.PageUp()
	case key.Matches(k, keys.PageDown):
		vp.PageDown()
	case edges && key.Matches(k, keys.Top):
		vp.GotoTop()
	case edges && key.Matches(k, keys.Bottom):
		vp.GotoBottom()
	default:
		return false
	}
	return true
}

// setLines gives vp lines cut or padded to its width w, so that it shows
// them as they are (a line wider than the viewport would be cut without
// the ellipsis the panes use).
func setLines(vp *viewport.Model, lines []string, w, h int) {
	fitted := make([]string, len(lines))
	for i, l := range lines {
		fitted[i] = fit(l, w)
	}
	vp.SetWidth(w)
	vp.SetHeight(max(h, 0))
	vp.SetContentLines(fitted)
}

// viewLines is what vp shows, one string a line.
func viewLines(vp viewport.Model) []string {
	if vp.Height() <= 0 || vp.TotalLineCount() == 0 {
		return nil
	}
	return strings.Split(vp.View(), "\n")
}
