package tui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// helpView is the full help (`?`): every binding of the one KeyMap that
// applies where it was opened, and a legend of the colours. The title
// stays put; the rest scrolls when the screen is short.
type helpView struct {
	c     *shared
	h     *help.Model // the root's help: its styles and width
	vp    viewport.Model
	title string
	done  bool // ? or esc: closed
}

func newHelpView(c *shared, h *help.Model) *helpView {
	return &helpView{c: c, h: h, vp: newViewport()}
}

// Update scrolls the help; ? and esc close it. Other keys do nothing.
func (v *helpView) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if key.Matches(k, v.c.keys.Help, v.c.keys.Back) {
		v.done = true
		return nil
	}
	scrollKey(v.c.keys, k, &v.vp, true)
	return nil
}

// refresh lays the help out for a body of w×h: the bindings enabled now.
func (v *helpView) refresh(w, h int) {
	lines := v.lines(w)
	v.title = lines[0]
	setLines(&v.vp, lines[1:], w, h-1)
}

// view is the body: the title, then the scrolled help.
func (v *helpView) view() []string {
	return append([]string{v.title}, viewLines(v.vp)...)
}

// lines is the whole help, the title first.
func (v *helpView) lines(w int) []string {
	st := v.c.st
	lines := []string{titleBar(st, "HELP", "keys", "? or esc closes", w, true), ""}
	lines = append(lines, strings.Split(v.h.FullHelpView(v.c.keys.FullHelp()), "\n")...)
	lines = append(lines, "",
		st.ColHeader.Render("SIP feed  ")+st.Muted.Render("1xx")+" "+st.OK.Render("2xx")+" "+
			st.Info.Render("3xx")+" "+st.Warn.Render("4xx")+" "+st.Codec.Render("488")+" "+st.Bad.Render("5xx/6xx")+
			st.Muted.Render("   trunk → from the trunk, trunk ← sent to it"),
		st.ColHeader.Render("share bar ")+st.Legacy.Render("█ legacy")+"  "+st.New.Render("█ new")+
			st.Muted.Render("  (inbound attempts that landed on each side; % is new)"),
		st.ColHeader.Render("windows   ")+st.Muted.Render("w cycles 1m/5m/15m for every pane; the detail view shows all three"),
		st.ColHeader.Render("drop      ")+st.Muted.Render("answered calls that ended within the short-call threshold"),
		st.ColHeader.Render("media     ")+st.Muted.Render("1way / nomed: share of judged calls with RTP one way only / none"),
		st.ColHeader.Render("          ")+st.Muted.Render("MOS mean, p5 its 5th percentile; — none judged; ")+st.Bad.Render("red")+
			st.Muted.Render(" past limits"),
	)
	return lines
}
