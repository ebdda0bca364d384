package tui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Theme is the semantic palette the screen is drawn with. Every colour on
// screen comes from one of these roles; Styles are built from it once.
type Theme struct {
	Text    color.Color // ordinary text
	Muted   color.Color // secondary text, 1xx responses, closed alerts
	Accent  color.Color // focused pane, cutover name
	OK      color.Color // up, registered, 2xx, good KPIs
	Warn    color.Color // 4xx, degraded KPIs, warning alerts
	Bad     color.Color // down, 5xx/6xx, dropped events, critical alerts
	Info    color.Color // 3xx, info alerts
	Legacy  color.Color // the legacy provider's side
	New     color.Color // the new provider's side
	Replay  color.Color // the REPLAY badge
	Demo    color.Color // the DEMO badge
	Codec   color.Color // 488 Not Acceptable Here: the codec mismatch of a bad cutover
	Ink     color.Color // text drawn on a coloured background
	Panel   color.Color // title bar of an unfocused pane
	Select  color.Color // background of the row under the cursor
	Trough  color.Color // empty part of bars
	HelpKey color.Color // keys in the help
}

// DefaultTheme is a palette for dark terminals, readable at 2 a.m. on a
// bridge: saturated only where something needs attention.
func DefaultTheme() Theme {
	return Theme{
		Text:    lipgloss.Color("#D0D0D0"),
		Muted:   lipgloss.Color("#7A7A7A"),
		Accent:  lipgloss.Color("#87AFFF"),
		OK:      lipgloss.Color("#5FD75F"),
		Warn:    lipgloss.Color("#FFD75F"),
		Bad:     lipgloss.Color("#FF5F5F"),
		Info:    lipgloss.Color("#5FD7D7"),
		Legacy:  lipgloss.Color("#FFAF5F"),
		New:     lipgloss.Color("#5FAFFF"),
		Replay:  lipgloss.Color("#D787D7"),
		Demo:    lipgloss.Color("#5FD7D7"),
		Codec:   lipgloss.Color("#FF5FFF"),
		Ink:     lipgloss.Color("#101010"),
		Panel:   lipgloss.Color("#3A3A3A"),
		Select:  lipgloss.Color("#2F3F5F"),
		Trough:  lipgloss.Color("#444444"),
		HelpKey: lipgloss.Color("#87AFFF"),
	}
}

// Styles are the lipgloss styles every pane draws with, built once from a
// Theme by NewStyles and shared read-only.
type Styles struct {
	Text, Muted, Bold lipgloss.Style
	OK, Warn, Bad     lipgloss.Style
	Info, Accent      lipgloss.Style
	Legacy, New       lipgloss.Style

	Brand       lipgloss.Style // "cutover" in the header
	Live        lipgloss.Style // LIVE badge
	Replay      lipgloss.Style // REPLAY badge
	Demo        lipgloss.Style // DEMO badge
	Ended       lipgloss.Style // the source ended
	Codec       lipgloss.Style // 488 in the feed and code mixes
	Alarm       lipgloss.Style // a counter that must be seen (dropped > 0, store error)
	Title       lipgloss.Style // title bar of an unfocused pane
	TitleFocus  lipgloss.Style // title bar of the focused pane
	ColHeader   lipgloss.Style // table column headers
	Selected    lipgloss.Style // the row under the cursor
	Trough      lipgloss.Style // the empty part of a bar
	SevCritical lipgloss.Style
	SevWarning  lipgloss.Style
	SevInfo     lipgloss.Style
	FixKey      lipgloss.Style // the key that fixes an alert, beside its severity
	Dialog      lipgloss.Style // the action dialog's box

	Help help.Styles
}

// NewStyles builds the styles for a theme.
func NewStyles(t Theme) *Styles {
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	badge := func(c color.Color) lipgloss.Style {
		return lipgloss.NewStyle().Foreground(t.Ink).Background(c).Bold(true)
	}
	s := &Styles{
		Text:        fg(t.Text),
		Muted:       fg(t.Muted),
		Bold:        fg(t.Text).Bold(true),
		OK:          fg(t.OK),
		Warn:        fg(t.Warn),
		Bad:         fg(t.Bad).Bold(true),
		Info:        fg(t.Info),
		Accent:      fg(t.Accent),
		Legacy:      fg(t.Legacy),
		New:         fg(t.New),
		Brand:       fg(t.Accent).Bold(true),
		Live:        badge(t.OK),
		Replay:      badge(t.Replay),
		Demo:        badge(t.Demo),
		Ended:       badge(t.Warn),
		Codec:       fg(t.Codec).Bold(true),
		Alarm:       badge(t.Bad),
		Title:       lipgloss.NewStyle().Foreground(t.Text).Background(t.Panel).Bold(true),
		TitleFocus:  badge(t.Accent),
		ColHeader:   fg(t.Muted).Bold(true),
		Selected:    lipgloss.NewStyle().Foreground(t.Text).Background(t.Select).Bold(true),
		Trough:      fg(t.Trough),
		SevCritical: badge(t.Bad),
		SevWarning:  badge(t.Warn),
		SevInfo:     badge(t.Info),
		FixKey:      fg(t.HelpKey).Bold(true),
		Dialog:      lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(t.Warn).Padding(0, 1),
	}
	key := fg(t.HelpKey).Bold(true)
	desc := fg(t.Muted)
	sep := fg(t.Trough)
	s.Help = help.Styles{
		Ellipsis: sep, ShortKey: key, ShortDesc: desc, ShortSeparator: sep,
		FullKey: key, FullDesc: desc, FullSeparator: sep,
	}
	return s
}

// codeStyle is the colour of a SIP response class; requests (code 0) are
// plain text.
func (s *Styles) codeStyle(code int) lipgloss.Style {
	switch {
	case code == 0:
		return s.Text
	case code < 200:
		return s.Muted
	case code < 300:
		return s.OK
	case code < 400:
		return s.Info
	case code == 488:
		return s.Codec
	case code < 500:
		return s.Warn
	default:
		return s.Bad
	}
}

// rateStyle colours a success ratio (ASR, NER): good, degraded or bad.
func (s *Styles) rateStyle(r float64) lipgloss.Style {
	switch {
	case r < 0:
		return s.Muted
	case r >= rateGood:
		return s.OK
	case r >= rateFair:
		return s.Warn
	default:
		return s.Bad
	}
}

// dropStyle colours a short-call (drop) rate.
func (s *Styles) dropStyle(r float64) lipgloss.Style {
	switch {
	case r < 0:
		return s.Muted
	case r >= dropBad:
		return s.Bad
	case r >= dropWarn:
		return s.Warn
	default:
		return s.Text
	}
}

// Thresholds for colouring KPIs. They only colour the screen; the alert
// rules that matter live in the monitor.
const (
	rateGood = 0.80
	rateFair = 0.50
	dropWarn = 0.05
	dropBad  = 0.15
)
