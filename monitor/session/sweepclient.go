package session

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/termsafe"
)

// SweepCommand is `cutover sweep`: a sweep through the control socket of
// the watch writing DB, its progress and a verdict table on Out.
type SweepCommand struct {
	File    *config.File
	DB      string // the watch's recording (default: the file's db)
	Request SweepRequest
	Yes     bool // do not ask
	Confirm func(title string) bool
	Out     io.Writer
}

// ErrNotAllNew: the sweep ended with a number not landed on new.
var ErrNotAllNew = errors.New("not every number landed on the new provider")

// Run plans the sweep from the file, asks y/N (unless Yes), has the watch
// run it, and prints its progress and every number's verdict. It returns
// ErrNotAllNew (wrapped, with the count) when any number did not land on
// new.
func (c SweepCommand) Run() error {
	db := cmp.Or(c.DB, c.File.DB)
	if db == "" {
		return errors.New("which watch? the file sets no db: give the watch's recording with --db")
	}
	if c.File.Probes.TestCallFrom == "" {
		return errors.New("a sweep calls from [probes] test_call_from, which the file does not set")
	}
	nums, err := SweepTargets(c.File.Cutover, c.Request.Target)
	if err != nil {
		return err
	}
	rate, conc := cmp.Or(c.Request.Rate, c.File.Probes.SweepRate), cmp.Or(c.Request.Concurrency, c.File.Probes.SweepConcurrency)
	title := SweepTitle(len(nums), rate, conc, c.File.Probes.TestCallFrom)
	if !c.Yes && (c.Confirm == nil || !c.Confirm(title)) {
		return errors.New("declined: nothing called")
	}
	cc, err := DialControl(db)
	if err != nil {
		return fmt.Errorf("no running watch on %s: %w", db, err)
	}
	defer cc.Close()
	req := c.Request
	req.Verb = SweepVerb
	b, _ := json.Marshal(req)
	if _, err := cc.c.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("asking the watch: %w", err)
	}
	return c.follow(bufio.NewReader(cc.c))
}

// SweepTitle is a sweep's y/N question (the screen's T asks the same).
func SweepTitle(n int, rate float64, conc int, from string) string {
	return fmt.Sprintf("a test-call sweep of %s at %g calls/s, %d at once, from %s", plural(n, "number"), rate, conc, from)
}

// follow prints the watch's replies until the sweep is done.
func (c SweepCommand) follow(rd *bufio.Reader) error {
	last := ""
	for {
		line, err := rd.ReadBytes('\n')
		if err != nil {
			return fmt.Errorf("the watch hung up before the sweep ended: %w", err)
		}
		var r sweepReply
		if err := json.Unmarshal(line, &r); err != nil {
			return fmt.Errorf("the watch answered %q", termsafe.Line(string(line)))
		}
		switch {
		case r.Error != "":
			return errors.New(termsafe.Line(r.Error))
		case r.Progress != nil:
			if p := SweepProgress(*r.Progress); p != last {
				fmt.Fprintln(c.Out, p)
				last = p
			}
		case r.Done != nil:
			fmt.Fprintln(c.Out, SweepProgress(*r.Done))
			return c.table(r.Results)
		}
	}
}

// SweepProgress is one line of a sweep's progress: n of N and the verdicts.
func SweepProgress(v monitor.SweepView) string {
	s := fmt.Sprintf("sweep %s: %d of %d  new %d  legacy %d  never arrived %d  failed %d",
		termsafe.Line(v.ID), v.Done(), v.Total, v.New, v.Legacy, v.Never, v.Failed)
	if v.Unplaced > 0 {
		s += fmt.Sprintf("  not called %d", v.Unplaced)
	}
	return s
}

// table prints each number's verdict and counts those not on new.
func (c SweepCommand) table(rows []SweepRow) error {
	fmt.Fprintf(c.Out, "\n%-16s %-14s %-12s %5s %8s\n", "NUMBER", "VERDICT", "TRUNK", "CODE", "PDD")
	bad := 0
	for _, r := range rows {
		v := string(r.Verdict)
		if v == "" {
			v = "not called"
		}
		if r.Verdict != monitor.SweepLandedNew {
			bad++
		}
		pdd := "-"
		if r.PDD > 0 {
			pdd = r.PDD.Round(time.Millisecond).String()
		}
		fmt.Fprintf(c.Out, "%-16s %-14s %-12s %5d %8s\n", r.Number, v, cmp.Or(termsafe.Line(r.Trunk), "-"), r.Code, pdd)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d numbers: %w", bad, len(rows), ErrNotAllNew)
	}
	fmt.Fprintf(c.Out, "all %d numbers landed on the new provider\n", len(rows))
	return nil
}
