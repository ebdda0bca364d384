package tui

import (
	"fmt"
	"io"
	"os"
	"time"

	"charm.land/bubbles/v2/progress"
	"github.com/charmbracelet/x/term"
)

// ProgressLine shows how far a long job has got on stderr: a bar with rate
// and ETA redrawn in place on a terminal, a plain line every few seconds
// otherwise (a log file, CI).
type ProgressLine struct {
	w     io.Writer
	tty   bool
	bar   progress.Model
	total int64 // bytes of input, 0 when unknown
	start time.Time
	done  chan struct{}
	quit  chan struct{}
}

// NewProgressLine is a progress line on w for total bytes of input (0:
// unknown); plain forces the plain lines even on a terminal.
func NewProgressLine(w io.Writer, total int64, plain bool) *ProgressLine {
	tty := false
	if f, ok := w.(*os.File); ok && !plain {
		tty = term.IsTerminal(f.Fd())
	}
	return &ProgressLine{
		w: w, tty: tty, total: total, start: time.Now(),
		bar:  progress.New(progress.WithWidth(30), progress.WithoutPercentage()),
		done: make(chan struct{}), quit: make(chan struct{}),
	}
}

// Run redraws until Stop; read and items report the bytes read and the
// items (messages) produced so far.
func (p *ProgressLine) Run(read func() int64, items func() uint64) {
	defer close(p.done)
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-p.quit:
			if p.tty {
				fmt.Fprint(p.w, "\r\x1b[K")
			}
			return
		case <-tick.C:
			line := p.line(read(), items(), time.Since(p.start))
			if p.tty {
				fmt.Fprint(p.w, "\r\x1b[K"+line)
			} else {
				fmt.Fprintln(p.w, line)
			}
		}
	}
}

// Stop ends Run and clears the bar.
func (p *ProgressLine) Stop() {
	close(p.quit)
	<-p.done
}

func (p *ProgressLine) line(read int64, items uint64, elapsed time.Duration) string {
	rate := float64(items) / max(elapsed.Seconds(), 1e-3)
	frac, eta := 0.0, "?"
	if p.total > 0 {
		frac = min(float64(read)/float64(p.total), 1)
		if frac > 0 {
			eta = (time.Duration(float64(elapsed)/frac) - elapsed).Round(time.Second).String()
		}
	}
	text := fmt.Sprintf("%5.1f%%  %d msgs  %.0f msgs/s  %s/%s  ETA %s",
		frac*100, items, rate, mib(read), mib(p.total), eta)
	if p.tty {
		return p.bar.ViewAs(frac) + " " + text
	}
	return "import: " + text
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
