package session

import (
	"fmt"

	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/monitor/config"
)

// failoverActuator builds the actuator of a failover target; a DNS target
// reads its TSIG secret from the environment here.
func failoverActuator(t config.FailoverTarget) (action.Actuator, error) {
	switch {
	case t.DNS != nil:
		secret, err := t.DNS.Secret()
		if err != nil {
			return nil, fmt.Errorf("failover target %s: %w", t.Name, err)
		}
		d := t.DNS
		return &action.DNSSRV{Server: d.Server, Zone: d.Zone, Name: d.Name, KeyName: d.KeyName, Secret: secret,
			Algorithm: d.Algorithm, LegacyTarget: d.LegacyTarget, NewTarget: d.NewTarget, Timeout: t.Timeout}, nil
	case t.Dispatcher != nil:
		d := t.Dispatcher
		return &action.KamDispatcher{URL: d.URL, Set: d.Set, Legacy: d.Legacy, New: d.New, Timeout: t.Timeout}, nil
	}
	return nil, fmt.Errorf("failover target %s has no actuator", t.Name)
}

func outboundActuator(o *config.OutboundBackend) (action.Actuator, error) {
	switch {
	case o == nil:
		return nil, fmt.Errorf("the file has no [actions.outbound]")
	case o.HTable != nil:
		return &action.KamHTable{URL: o.HTable.URL, Table: o.HTable.Table, Values: o.HTable.Values, Timeout: o.Timeout}, nil
	case o.HTTP != nil:
		h := o.HTTP
		return &action.HTTPCall{Method: h.Method, URL: h.URL, Headers: h.Headers, SecretHeaders: h.SecretHeaders, Body: h.Body,
			UndoMethod: h.UndoMethod, UndoURL: h.UndoURL, UndoBody: h.UndoBody, Operator: action.Operator(""), Timeout: o.Timeout}, nil
	}
	return nil, fmt.Errorf("[actions.outbound] has no back end")
}

func commandActuator(cmds []config.CommandSpec, name string) (action.Actuator, error) {
	for _, c := range cmds {
		if c.Name == name {
			return &action.Command{Name: c.Name, Program: c.Program, Args: c.Args, Timeout: c.Timeout}, nil
		}
	}
	return nil, fmt.Errorf("no [[actions.command]] named %q", name)
}
