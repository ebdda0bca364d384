package session

import (
	"fmt"
	"time"

	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/monitor/config"
)

// The demo's action keys act on the simulated night: its SBC is the
// night's Routes, so a failover or an outbound correction really moves
// the next calls the night starts, and the fold verifies it from them.
// Nothing outside the process changes.

// demoTarget is the demo's one failover target.
const demoTarget = "demo-sbc"

// demoVerify is when a demo action counts as verified, in event time: at
// the default 60× a window is a quarter of a minute of wall time. A
// split-brain number makes about 13 outbound calls an hour, so two of
// them within 15 minutes is the usual case, not luck.
const (
	demoVerifyWindow = 15 * time.Minute
	demoVerifyCalls  = 2
)

// demoFile is the cutover file the demo would have: the night's trunks,
// one failover target and an outbound back end, both the simulated SBC.
func demoFile(cfg monitor.Config) *config.File {
	f := &config.File{
		Path:    "the demo (simulated)",
		Cutover: cfg,
		Actions: config.Actions{
			VerifyWindow: demoVerifyWindow,
			VerifyCalls:  demoVerifyCalls,
			Failover:     []config.FailoverTarget{{Name: demoTarget, Direction: monitor.DirOut}},
			Outbound:     &config.OutboundBackend{Backend: "simulated"},
		},
	}
	for _, t := range cfg.Trunks {
		f.Trunks = append(f.Trunks, config.TrunkSetup{Name: t.Name})
	}
	return f
}

// demoActor is the screen's actor for the demo: the watch's, with the
// simulated SBC's actuators, stamping actions with the night's clock and
// recording through publish.
func demoActor(cfg monitor.Config, routes *sim.Routes, clock func() int64, publish func(monitor.Event) error) *ScreenActor {
	a := NewScreenActor(demoFile(cfg), "", publish)
	a.run.audit.Now = func() time.Time { return time.Unix(0, clock()) }
	a.run.actuators = func(ref action.UndoRef) (action.Actuator, error) {
		switch ref.Actuator {
		case "failover":
			return &sim.FailoverSBC{Routes: routes}, nil
		case "outbound":
			return &sim.OutboundSBC{Routes: routes}, nil
		}
		return nil, fmt.Errorf("the demo's simulated SBC has no %s actuator", ref.Actuator)
	}
	return a
}
