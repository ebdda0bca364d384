package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// KamDispatcher fails over by setting the states of destinations in a
// Kamailio dispatcher set over JSON-RPC (dispatcher.set_state), and reads
// them back with dispatcher.list.
//
// Failover disables ('d') the new provider's destinations and activates
// ('a') the legacy ones; Restore activates the new provider's and leaves
// the legacy ones active as the fallback (the set's algorithm, by
// priority, prefers the new). 'd', not 'i': with OPTIONS probing on, an
// inactive destination comes back by itself as soon as it answers.
//
// Kamailio has no compare-and-set: Apply reads the states again just
// before it sets them and refuses when they are not the ones Plan read.
type KamDispatcher struct {
	URL     string   // "http://127.0.0.1:5081/RPC"
	Set     int      // dispatcher set id
	Legacy  []string // destination URIs of the legacy provider
	New     []string // destination URIs of the new provider
	Timeout time.Duration
	HTTP    *http.Client
}

// dsChange is one destination's state change: Before is its FLAGS as
// listed ("AP", "IX", "DX"), After the state set ("a", "d", "ip").
type dsChange struct {
	URI    string
	Before string
	After  string
}

type dsPlan struct {
	Set     int
	Changes []dsChange
}

func (k *KamDispatcher) rpc() *jsonRPC { return &jsonRPC{URL: k.URL, HTTP: k.HTTP} }

// list reads the FLAGS of every destination of the set.
func (k *KamDispatcher) list(ctx context.Context) (map[string]string, error) {
	var res struct {
		Records []struct {
			Set struct {
				ID      int `json:"ID"`
				Targets []struct {
					Dest struct {
						URI   string `json:"URI"`
						Flags string `json:"FLAGS"`
					} `json:"DEST"`
				} `json:"TARGETS"`
			} `json:"SET"`
		} `json:"RECORDS"`
	}
	if err := k.rpc().call(ctx, "dispatcher.list", nil, &res); err != nil {
		return nil, fmt.Errorf("dispatcher: %w", err)
	}
	out := map[string]string{}
	for _, r := range res.Records {
		if r.Set.ID != k.Set {
			continue
		}
		for _, t := range r.Set.Targets {
			out[t.Dest.URI] = t.Dest.Flags
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dispatcher: set %d has no destinations at %s", k.Set, k.URL)
	}
	return out, nil
}

// Plan reads the set and says which destinations change state.
func (k *KamDispatcher) Plan(ctx context.Context, req Request) (Plan, error) {
	if req.Priorities != nil {
		return Plan{}, errors.New("dispatcher: priorities apply to DNS SRV failover targets only")
	}
	want := map[string]string{}
	switch req.Type {
	case Failover:
		for _, u := range k.New {
			want[u] = "d"
		}
		for _, u := range k.Legacy {
			want[u] = "a"
		}
	case Restore:
		for _, u := range append(append([]string{}, k.New...), k.Legacy...) {
			want[u] = "a"
		}
	default:
		return Plan{}, fmt.Errorf("dispatcher: cannot %s", req.Type)
	}
	ctx, cancel := withTimeout(ctx, k.Timeout)
	defer cancel()
	cur, err := k.list(ctx)
	if err != nil {
		return Plan{}, err
	}
	p := dsPlan{Set: k.Set}
	for _, u := range append(append([]string{}, k.New...), k.Legacy...) {
		flags, ok := cur[u]
		if !ok {
			return Plan{}, fmt.Errorf("dispatcher: set %d has no destination %s", k.Set, u)
		}
		p.Changes = append(p.Changes, dsChange{URI: u, Before: flags, After: want[u]})
	}
	return k.plan(req, p), nil
}

func (k *KamDispatcher) plan(req Request, p dsPlan) Plan {
	data, _ := json.Marshal(p)
	pl := Plan{Request: req, Actuator: "kamdispatcher", Data: string(data), NoChange: true}
	var b strings.Builder
	fmt.Fprintf(&b, "dispatcher set %d at %s\n", p.Set, k.URL)
	for _, c := range p.Changes {
		if sameState(c.Before, c.After) {
			fmt.Fprintf(&b, "  %s %s (unchanged)\n", c.URI, stateName(c.Before))
			continue
		}
		pl.NoChange = false
		fmt.Fprintf(&b, "- %s %s\n+ %s %s\n", c.URI, stateName(c.Before), c.URI, stateName(c.After))
	}
	pl.Diff = b.String()
	pl.Notes = "dispatcher states apply to the next request Kamailio routes; calls in progress stay where they are"
	return pl
}

// sameState compares the state letter of listed FLAGS or a set_state value.
func sameState(a, b string) bool {
	return a != "" && b != "" && strings.EqualFold(a[:1], b[:1])
}

func stateName(flags string) string {
	if flags == "" {
		return "unknown"
	}
	name := map[byte]string{'a': "active", 'i': "inactive", 'd': "disabled", 't': "trying"}[strings.ToLower(flags)[0]]
	if name == "" {
		name = "state " + flags
	}
	if len(flags) > 1 && strings.ContainsAny(flags[1:], "Pp") {
		name += ", probing"
	}
	return name
}
