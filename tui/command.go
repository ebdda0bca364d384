package tui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/cutover/cutover/monitor/termsafe"
)

// The `:` command line, as k9s has: a command typed in the footer, tab
// completing its name (and the failover target of :failover and
// :restore). Each command runs the same code as its key; none has a path
// of its own.

// commands are the command line's names, in the order tab offers them.
var commands = []string{"failover", "restore", "sweep", "filter", "goto", "export", "help", "q"}

// commandHelp is the footer's hint while a command is typed.
const commandHelp = "   tab complete · enter run · esc cancel"

// completeCommand completes what is typed: the command's name, then (for
// :failover and :restore) a target. One candidate is taken whole; with
// several, the text grows to their common prefix and they are listed.
func (p *prompt) completeCommand() {
	text := strings.TrimLeft(p.in.value(), " ")
	name, arg, hasArg := strings.Cut(text, " ")
	words, typed, prefix := commands, name, ""
	if hasArg {
		if name != reqFailover && name != reqRestore {
			p.cands = nil
			return
		}
		words, typed, prefix = p.targets, strings.TrimLeft(arg, " "), name+" "
	}
	var cands []string
	for _, w := range words {
		if strings.HasPrefix(w, typed) {
			cands = append(cands, w)
		}
	}
	p.cands = nil
	switch len(cands) {
	case 0:
		return
	case 1:
		p.in.set(prefix + cands[0] + " ")
		return
	}
	p.cands = cands
	p.in.set(prefix + commonPrefix(cands))
}

// commonPrefix is the longest prefix every word shares.
func commonPrefix(words []string) string {
	pre := words[0]
	for _, w := range words[1:] {
		n := 0
		for n < len(pre) && n < len(w) && pre[n] == w[n] {
			n++
		}
		pre = pre[:n]
	}
	return pre
}

// commandHint is the footer's hint: the candidates of the last tab, or
// how to use the line.
func (p *prompt) commandHint() string {
	if len(p.cands) > 0 {
		return "   " + termsafe.Line(strings.Join(p.cands, " "))
	}
	return commandHelp
}

// openCommand opens the command line, with the Actor's targets to
// complete.
func (m *Model) openCommand() {
	m.openPrompt(promptCommand)
	if m.o.Actor != nil {
		m.prompt.targets = m.o.Actor.Targets()
	}
}

// runCommand runs a command line through its key's code.
func (m *Model) runCommand(line string) tea.Cmd {
	name, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	arg = strings.TrimSpace(arg)
	fail := func(why string) tea.Cmd { m.setStatus(":"+name+": "+why, false); return nil }
	switch name {
	case reqFailover, reqRestore:
		if m.o.Actor == nil {
			return fail(cmp.Or(m.o.NoActions, "no actions here"))
		}
		if arg != "" && !slices.Contains(m.o.Actor.Targets(), arg) {
			return fail("no failover target " + strconv.Quote(termsafe.Line(arg)) + " (tab lists them)")
		}
		return m.failoverOn(name, arg)
	case "sweep":
		if m.o.Sweeper == nil {
			return fail("sweeps need a live watch with a prober")
		}
		return m.sweepKey()
	case "filter":
		m.commandFilter(arg)
	case "goto":
		if m.o.Seeker == nil {
			return fail("only in a replay of a recording")
		}
		if arg == "" {
			return fail("go to when? :goto 02:15")
		}
		return m.submitPrompt(promptTime, arg)
	case "export":
		return m.commandExport()
	case "help":
		m.under, m.mode = m.mode, modeHelp
		m.helpv.done = false
	case "q", "quit":
		return tea.Quit
	default:
		m.setStatus("unknown command :"+termsafe.Line(name)+" (tab completes: "+strings.Join(commands, " ")+")", false)
	}
	return nil
}

// commandFilter sets the focused pane's filter, or the numbers' when the
// focused pane has none, as typing it after / and enter would.
func (m *Model) commandFilter(text string) {
	f, ok := m.focused().(filterable)
	if !ok || m.showBoard {
		m.focus, f = focusNumbers, m.numbers
	}
	m.filter.open(f)
	m.filter.in.set(text)
	f.setFilter(text)
	m.filter.keep(text)
}

// commandExport exports a call to pcap: the open ladder's (e), else the
// call of the feed line under the feed's cursor.
func (m *Model) commandExport() tea.Cmd {
	switch {
	case m.o.Calls == nil:
		m.setStatus(":export: no recording to read the call from", false)
		return nil
	case m.ladder != nil:
		return m.exportCall()
	}
	l, ok := m.feed.selected()
	if !ok || l.CallID == "" {
		m.setStatus(":export: no call under the feed's cursor", false)
		return nil
	}
	return m.exportLine(l)
}
