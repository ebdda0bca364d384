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
	"github.com/cutover/cutover/monitor/probe"
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

// ErrNotAllNew: the sweep ended with a number not landed on new (the
// outbound check: not left by new).
var ErrNotAllNew = errors.New("not every number is on the new provider")

// Run plans the sweep from the file, asks y/N (unless Yes), has the watch
// run it, and prints its progress and every number's verdict. It returns
// ErrNotAllNew (wrapped, with the count) when any number did not land on
// new.
func (c SweepCommand) Run() error {
	db := cmp.Or(c.DB, c.File.DB)
	if db == "" {
		return errors.New("which watch? the file sets no db: give the watch's recording with --db")
	}
	p := c.File.Probes
	switch {
	case c.Request.Out && (p.SBCURI == "" || p.OutboundCheckTo == ""):
		return probe.ErrNoOutboundCheck
	case !c.Request.Out && p.TestCallFrom == "":
		return probe.ErrNoCaller
	}
	nums, err := SweepTargets(c.File.Cutover, c.Request.Target)
	if err != nil {
		return err
	}
	rate, conc := cmp.Or(c.Request.Rate, p.SweepRate), cmp.Or(c.Request.Concurrency, p.SweepConcurrency)
	title := SweepTitle(len(nums), rate, conc, p.TestCallFrom)
	if c.Request.Out {
		title = fmt.Sprintf("an outbound check of %s at %g calls/s, %d at once: from each to %s through %s",
			plural(len(nums), "number"), rate, conc, p.OutboundCheckTo, p.SBCURI)
	}
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
			return c.table(r.Results, c.Request.Out)
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

// table prints each number's verdict and counts those not on new (out:
// not left by new), and for the outbound check the attestation.
func (c SweepCommand) table(rows []SweepRow, out bool) error {
	good, attest := monitor.SweepLandedNew, ""
	if out {
		good, attest = monitor.SweepLeftNew, "  ATTEST"
	}
	fmt.Fprintf(c.Out, "\n%-16s %-14s %-12s %5s %8s%s\n", "NUMBER", "VERDICT", "TRUNK", "CODE", "PDD", attest)
	bad := 0
	for _, r := range rows {
		v := string(r.Verdict)
		if v == "" {
			v = "not called"
		}
		if r.Verdict != good {
			bad++
		}
		pdd := "-"
		if r.PDD > 0 {
			pdd = r.PDD.Round(time.Millisecond).String()
		}
		a := ""
		if out {
			a = "  " + cmp.Or(termsafe.Line(r.Attest), "unsigned")
		}
		fmt.Fprintf(c.Out, "%-16s %-14s %-12s %5d %8s%s\n", r.Number, v, cmp.Or(termsafe.Line(r.Trunk), "-"), r.Code, pdd, a)
	}
	switch {
	case bad > 0:
		return fmt.Errorf("%d of %d numbers: %w", bad, len(rows), ErrNotAllNew)
	case out:
		fmt.Fprintf(c.Out, "all %d numbers left by the new provider\n", len(rows))
	default:
		fmt.Fprintf(c.Out, "all %d numbers landed on the new provider\n", len(rows))
	}
	return nil
}
