package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/probe"
	"github.com/cutover/cutover/monitor/sipmsg"
)

// SweepVerb is the control socket's verb that starts a test-call sweep
// in the running watch (`cutover sweep`).
const SweepVerb = "sweep"

// SweepRequest asks a watch for a sweep: Target is "" (every number of
// the file), a number, a PREFIX*, a RANGE (FIRST-LAST) or a port request
// id; Rate and Concurrency 0 take [probes]'.
type SweepRequest struct {
	Verb        string
	Target      string  `json:",omitempty"`
	Rate        float64 `json:",omitempty"`
	Concurrency int     `json:",omitempty"`
	Out         bool    `json:",omitempty"` // the outbound check: calls from the numbers through the SBC
}

// sweepReply is one line the watch sends back: progress while the sweep
// runs, then Done with every number's result, or Error.
type sweepReply struct {
	Progress *monitor.SweepView `json:",omitempty"`
	Done     *monitor.SweepView `json:",omitempty"`
	Results  []SweepRow         `json:",omitempty"`
	Error    string             `json:",omitempty"`
}

// SweepRow is one number's result at the end of a sweep.
type SweepRow struct {
	Number string
	monitor.SweepResult
}

// Sweeper starts sweeps in a running watch: from the screen (T) and
// from the control socket. Its sweeps stop with the watch's sources.
type Sweeper struct {
	f      *config.File
	prober *probe.Prober
	latest func() *monitor.Snapshot

	mu  sync.Mutex
	ctx context.Context // the sources' (nil until they run)
	wg  sync.WaitGroup
}

// NewSweeper sweeps with prober; latest is the fold's newest snapshot.
func NewSweeper(f *config.File, prober *probe.Prober, latest func() *monitor.Snapshot) *Sweeper {
	return &Sweeper{f: f, prober: prober, latest: latest}
}

// run binds sweeps to the sources' ctx and returns a wait for the sweeps
// under way (their end is recorded before the pipeline closes).
func (sw *Sweeper) run(ctx context.Context) (wait func()) {
	sw.mu.Lock()
	sw.ctx = ctx
	sw.mu.Unlock()
	return sw.wg.Wait
}

// Plan resolves a request: its numbers and rate, concurrency and caller.
func (sw *Sweeper) Plan(req SweepRequest) (probe.SweepSpec, error) {
	if err := sw.prober.CanSweep(req.Out); err != nil {
		return probe.SweepSpec{}, err
	}
	switch {
	case req.Rate < 0 || req.Rate > config.MaxSweepRate:
		return probe.SweepSpec{}, fmt.Errorf("sweep: want a rate between 0 and %g calls/s, got %g", config.MaxSweepRate, req.Rate)
	case req.Concurrency < 0 || req.Concurrency > config.MaxSweepConcurrency:
		return probe.SweepSpec{}, fmt.Errorf("sweep: want between 1 and %d calls at once, got %d", config.MaxSweepConcurrency, req.Concurrency)
	}
	nums, err := SweepTargets(sw.f.Cutover, req.Target)
	if err != nil {
		return probe.SweepSpec{}, err
	}
	return sw.prober.Resolve(probe.SweepSpec{Numbers: nums, Rate: req.Rate, Concurrency: req.Concurrency, Out: req.Out}), nil
}

// From is the sweeps' caller, [probes] test_call_from.
func (sw *Sweeper) From() string { return sw.f.Probes.TestCallFrom }

// Start runs a planned sweep in the background; stop (with the watch's
// sources, or when ctx ends) cancels the calls not yet placed.
func (sw *Sweeper) Start(ctx context.Context, spec probe.SweepSpec) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.ctx == nil || sw.ctx.Err() != nil {
		return errors.New("sweep: the watch's probes are not running")
	}
	sctx, cancel := context.WithCancel(sw.ctx)
	stop := context.AfterFunc(ctx, cancel)
	sw.wg.Go(func() {
		defer cancel()
		defer stop()
		_ = sw.prober.Sweep(sctx, spec)
	})
	return nil
}

// SweepTargets resolves a sweep's target against the file: "" is every
// number, FIRST-LAST a range of them, else a number, PREFIX* or request.
func SweepTargets(c monitor.Config, target string) ([]string, error) {
	target = strings.TrimSpace(target)
	var nums []string
	if first, last, ok := strings.Cut(target, "-"); ok && !strings.HasSuffix(target, "*") && !isRequest(c, target) {
		lo, hi := sipmsg.NormalizeE164(first, c.DefaultCountry), sipmsg.NormalizeE164(last, c.DefaultCountry)
		if lo == "" || hi == "" || len(lo) != len(hi) || lo > hi {
			return nil, fmt.Errorf("sweep: %q is not a range FIRST-LAST of numbers", target)
		}
		for _, n := range c.Numbers {
			if len(n.E164) == len(lo) && n.E164 >= lo && n.E164 <= hi {
				nums = append(nums, n.E164)
			}
		}
	} else if target == "" {
		for _, n := range c.Numbers {
			nums = append(nums, n.E164)
		}
	} else {
		ps, err := portTargets(c, target)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			nums = append(nums, p.Number)
		}
	}
	if len(nums) == 0 {
		return nil, fmt.Errorf("sweep: no number of the cutover file is in %q", target)
	}
	return nums, nil
}

// sweepProgressEvery is how often the watch tells `cutover sweep` how far
// its sweep is; sweepStartLimit how long it waits for the sweep's start
// to be folded before it says the sweep did not start.
const (
	sweepProgressEvery = 250 * time.Millisecond
	sweepStartLimit    = 10 * time.Second
)

// serveSweep runs a sweep for a control connection, writing its progress
// and, at the end, every number's result to w. The client hanging up
// stops the sweep.
func (sw *Sweeper) serveSweep(ctx context.Context, req SweepRequest, w io.Writer) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // the client hung up, or the sweep is done
	enc := json.NewEncoder(w)
	spec, err := sw.Plan(req)
	if err == nil {
		err = sw.Start(ctx, spec)
	}
	if err != nil {
		_ = enc.Encode(sweepReply{Error: err.Error()})
		return
	}
	tick := time.NewTicker(sweepProgressEvery)
	defer tick.Stop()
	startBy := time.Now().Add(sweepStartLimit)
	for {
		select {
		case <-ctx.Done():
			_ = enc.Encode(sweepReply{Error: "the watch stopped: " + ctx.Err().Error()})
			return
		case <-tick.C:
		}
		snap := sw.latest()
		v := sweepOf(snap, spec.ID)
		if v == nil && time.Now().After(startBy) {
			_ = enc.Encode(sweepReply{Error: "the sweep did not start: are the watch's probes running? (see its log)"})
			return
		}
		if v == nil {
			continue // its start not folded yet
		}
		if v.Finished() {
			_ = enc.Encode(sweepReply{Done: v, Results: sweepRows(snap, spec)})
			return
		}
		if enc.Encode(sweepReply{Progress: v}) != nil {
			return // the client hung up: the sweep stops
		}
	}
}

func sweepOf(snap *monitor.Snapshot, id string) *monitor.SweepView {
	if snap == nil {
		return nil
	}
	for i := range snap.Sweeps {
		if snap.Sweeps[i].ID == id {
			return &snap.Sweeps[i]
		}
	}
	return nil
}

// sweepRows is each number of spec with its result in this sweep (an
// empty verdict: not called).
func sweepRows(snap *monitor.Snapshot, spec probe.SweepSpec) []SweepRow {
	by := make(map[string]monitor.SweepResult, len(snap.Numbers))
	for _, n := range snap.Numbers {
		r := n.SweepIn
		if spec.Out {
			r = n.SweepOut
		}
		if r.Sweep == spec.ID {
			by[n.E164] = r
		}
	}
	rows := make([]SweepRow, len(spec.Numbers))
	for i, n := range spec.Numbers {
		rows[i] = SweepRow{Number: n, SweepResult: by[n]}
	}
	return rows
}

// SweepTitle is the screen's y/N question for a sweep of nums (tui.Sweeper).
func (sw *Sweeper) SweepTitle(nums []string) (string, error) {
	if err := sw.prober.CanSweep(false); err != nil {
		return "", err
	}
	s := sw.prober.Resolve(probe.SweepSpec{ID: "-", Numbers: nums})
	return SweepTitle(len(nums), s.Rate, s.Concurrency, sw.f.Probes.TestCallFrom), nil
}

// StartSweep starts a sweep of nums from the screen (tui.Sweeper): it
// runs until done or the watch stops.
func (sw *Sweeper) StartSweep(nums []string) (string, error) {
	s := sw.prober.Resolve(probe.SweepSpec{Numbers: nums})
	return s.ID, sw.Start(context.Background(), s)
}
