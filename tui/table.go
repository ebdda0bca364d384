package tui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/cutover/cutover/monitor/termsafe"
)

// column is one column of a pane's table. Columns are shown in declaration
// order; when the pane is too narrow for all of them, the ones with the
// highest prio number are left out first. At most one column is flexible:
// it grows into whatever width is left, up to maxW.
type column struct {
	id    int
	title string
	w     int  // width (minimum width for the flexible column)
	maxW  int  // flexible column only: the most it grows to (0 = no limit)
	right bool // right-aligned (numbers)
	prio  int  // 0 = always shown
	flex  bool
}

const colGap = 1 // cells between columns

// chooseColumns picks the columns that fit in width and sizes the flexible
// one. The result keeps declaration order.
func chooseColumns(cols []column, width int) []column {
	keep := make([]bool, len(cols))
	used := -colGap
	for prio := 0; prio <= maxPrio(cols); prio++ {
		for i, c := range cols {
			if c.prio == prio && used+colGap+c.w <= width {
				keep[i] = true
				used += colGap + c.w
			}
		}
	}
	out := make([]column, 0, len(cols))
	for i, c := range cols {
		if !keep[i] {
			continue
		}
		if c.flex {
			grow := width - used
			if c.maxW > 0 {
				grow = min(grow, c.maxW-c.w)
			}
			c.w += max(grow, 0)
		}
		out = append(out, c)
	}
	return out
}

func maxPrio(cols []column) int {
	m := 0
	for _, c := range cols {
		m = max(m, c.prio)
	}
	return m
}

// cell is one rendered table cell: plain text and, optionally, a styled
// rendering of the same text (used unless the row is selected). The plain
// text is drawn through termsafe.Line; a styled rendering of text from the
// network is made with netCell, which sanitises before it styles.
type cell struct {
	text   string
	styled string
}

// netCell is a cell of text from the network (a reason phrase, a name, an
// answer) in style: its control characters are shown escaped, and the
// style's own SGR is kept.
func netCell(style lipgloss.Style, s string) cell {
	s = termsafe.Line(s)
	return cell{s, style.Render(s)}
}

// headerRow renders the column titles, marking the sorted column.
func headerRow(st *Styles, cols []column, width int, sortID int, mark string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", colGap))
		}
		t := c.title
		if c.id == sortID {
			t += mark
		}
		if c.right {
			b.WriteString(fitRight(t, c.w))
		} else {
			b.WriteString(fit(t, c.w))
		}
	}
	return st.ColHeader.Render(fit(b.String(), width))
}

// tableRow lays cells out under cols. A selected row is drawn in plain text
// on the selection background so it reads the same in any colour.
func tableRow(st *Styles, cols []column, cells []cell, width int, selected bool) string {
	var b strings.Builder
	b.Grow(width * 2)
	for i, c := range cols {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", colGap))
		}
		cl := cells[i]
		cl.text = termsafe.Line(cl.text)
		var s string
		if c.right {
			s = fitRight(cl.text, c.w)
		} else {
			s = fit(cl.text, c.w)
		}
		if !selected && cl.styled != "" {
			// Pad the styled text by the same amount as the plain text.
			pad := c.w - lipgloss.Width(cl.text)
			switch {
			case pad < 0:
				s = fit(cl.styled, c.w)
			case c.right:
				s = strings.Repeat(" ", pad) + cl.styled
			default:
				s = cl.styled + strings.Repeat(" ", pad)
			}
		}
		b.WriteString(s)
	}
	if selected {
		return st.Selected.Render(fit(b.String(), width))
	}
	return fit(b.String(), width)
}

// tableRows draws rows from..to-1 of a pane's table under cols, the row at
// cursor highlighted when the pane is focused; cellAt gives row i's cell
// in column c.
func tableRows(st *Styles, cols []column, width, from, to, cursor int, focused bool, cellAt func(i int, c column) cell) []string {
	return mixedRows(st, func(int) []column { return cols }, width, from, to, cursor, focused, cellAt)
}

// mixedRows is tableRows for a table whose rows differ in their columns
// (the operators' log: actions and notes): colsAt gives row i's.
func mixedRows(st *Styles, colsAt func(i int) []column, width, from, to, cursor int, focused bool, cellAt func(i int, c column) cell) []string {
	lines := make([]string, 0, max(to-from, 0))
	var cells []cell
	for i := from; i < to; i++ {
		cols := colsAt(i)
		cells = cells[:0]
		for _, c := range cols {
			cells = append(cells, cellAt(i, c))
		}
		lines = append(lines, tableRow(st, cols, cells, width, focused && i == cursor))
	}
	return lines
}

// scrollTo returns the first visible row so that cursor stays in a window
// of rows lines starting at offset.
func scrollTo(cursor, offset, rows int) int {
	if rows <= 0 {
		return cursor
	}
	if cursor < offset {
		return cursor
	}
	if cursor >= offset+rows {
		return cursor - rows + 1
	}
	return offset
}

// titleBar renders a pane's title line across the full width: the name and
// the pane's summary on the left, an optional note on the right.
func titleBar(st *Styles, name, summary, note string, width int, focused bool) string {
	name, summary, note = termsafe.Line(name), termsafe.Line(summary), termsafe.Line(note)
	style := st.Title
	marker := "  "
	if focused {
		style = st.TitleFocus
		marker = "▶ "
	}
	left := marker + name
	if summary != "" {
		left += "  " + summary
	}
	if note != "" {
		gap := width - lipgloss.Width(left) - lipgloss.Width(note) - 1
		if gap >= 2 {
			left += strings.Repeat(" ", gap) + note
		}
	}
	return style.Render(fit(left, width))
}
