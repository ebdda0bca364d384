package action

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// KamHTable moves a number's (or range's) outbound route by setting its
// entry in a Kamailio htable over JSON-RPC (htable.sets, htable.get,
// htable.delete); fixtures/kamailio-outbound.cfg routes by that table.
type KamHTable struct {
	URL     string            // "http://127.0.0.1:5081/RPC"
	Table   string            // "outbound"
	Values  map[string]string // trunk name -> value written (e.g. its dispatcher set); missing: the trunk's name
	Timeout time.Duration
	HTTP    *http.Client
}

// htChange is an entry's change; nil is "no entry".
type htChange struct {
	Key    string
	Before *string
	After  *string
}

func (h *KamHTable) rpc() *jsonRPC { return &jsonRPC{URL: h.URL, HTTP: h.HTTP} }

// get reads an entry: nil when the table has no such key.
func (h *KamHTable) get(ctx context.Context, key string) (*string, error) {
	var res struct {
		Item struct {
			Value json.RawMessage `json:"value"`
		} `json:"item"`
	}
	err := h.rpc().call(ctx, "htable.get", []any{h.Table, key}, &res)
	if isRPCError(err, "Key name doesn't exist in htable.") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("htable %s: %w", h.Table, err)
	}
	v := strings.Trim(string(res.Item.Value), `"`) // a string, or an integer value
	return &v, nil
}

// rangeKey is the htable key of a number or a range written as a prefix
// with a trailing "*" ("+141555501*" -> "+141555501").
func rangeKey(target string) string { return strings.TrimSuffix(strings.TrimSpace(target), "*") }

// Plan reads the entry and says what it becomes.
func (h *KamHTable) Plan(ctx context.Context, req Request) (Plan, error) {
	if req.Type != Outbound {
		return Plan{}, fmt.Errorf("htable: cannot %s", req.Type)
	}
	key := rangeKey(req.Target)
	if key == "" || req.To == "" {
		return Plan{}, fmt.Errorf("htable: outbound needs a number or range and the trunk to move it to")
	}
	val := req.To
	if v, ok := h.Values[req.To]; ok {
		val = v
	}
	ctx, cancel := withTimeout(ctx, h.Timeout)
	defer cancel()
	cur, err := h.get(ctx, key)
	if err != nil {
		return Plan{}, err
	}
	return h.plan(req, htChange{Key: key, Before: cur, After: &val}), nil
}

func (h *KamHTable) plan(req Request, ch htChange) Plan {
	data, _ := json.Marshal(ch)
	return Plan{
		Request: req, Actuator: "kamhtable", Data: string(data),
		NoChange: entry(ch.Before) == entry(ch.After),
		Diff:     fmt.Sprintf("htable %s at %s\n- %s[%s] = %s\n+ %s[%s] = %s\n", h.Table, h.URL, h.Table, ch.Key, entry(ch.Before), h.Table, ch.Key, entry(ch.After)),
		Notes:    "the route applies to the next call Kamailio routes for the number; calls in progress stay where they are",
	}
}

func entry(v *string) string {
	if v == nil {
		return "(no entry)"
	}
	return fmt.Sprintf("%q", *v)
}

// Apply checks the entry is still what Plan read, writes it (or deletes
// it) and reads it back.
func (h *KamHTable) Apply(ctx context.Context, p Plan) (Result, error) {
	var ch htChange
	if err := json.Unmarshal([]byte(p.Data), &ch); err != nil {
		return Result{}, fmt.Errorf("htable: bad plan: %w", err)
	}
	ctx, cancel := withTimeout(ctx, h.Timeout)
	defer cancel()
	res := Result{Plan: p}
	cur, err := h.get(ctx, ch.Key)
	if err != nil {
		return res, err
	}
	if entry(cur) != entry(ch.Before) {
		return res, fmt.Errorf("htable: %s[%s] is %s, the plan read %s: %w", h.Table, ch.Key, entry(cur), entry(ch.Before), ErrChanged)
	}
	if !p.NoChange {
		if ch.After == nil {
			err = h.rpc().call(ctx, "htable.delete", []any{h.Table, ch.Key}, nil)
		} else {
			err = h.rpc().call(ctx, "htable.sets", []any{h.Table, ch.Key, *ch.After}, nil)
		}
		if err != nil {
			return res, fmt.Errorf("htable %s: %w%s", h.Table, err, h.nowHolds(ctx, ch.Key))
		}
		undo, _ := json.Marshal(htChange{Key: ch.Key, Before: ch.After, After: ch.Before})
		res.Undo = string(undo)
	}
	got, err := h.get(ctx, ch.Key)
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrUnverified, err)
	}
	res.ReadBack = fmt.Sprintf("%s[%s] = %s", h.Table, ch.Key, entry(got))
	if entry(got) != entry(ch.After) {
		return res, fmt.Errorf("htable: %w: %s", ErrUnverified, res.ReadBack)
	}
	return res, nil
}

// Undo plans putting the entry back (deleting it when there was none).
func (h *KamHTable) Undo(ctx context.Context, r Result) (Plan, error) {
	if r.Undo == "" {
		return Plan{}, ErrNoUndo
	}
	var ch htChange
	if err := json.Unmarshal([]byte(r.Undo), &ch); err != nil {
		return Plan{}, fmt.Errorf("htable: bad undo data: %w", err)
	}
	ctx, cancel := withTimeout(ctx, h.Timeout)
	defer cancel()
	cur, err := h.get(ctx, ch.Key)
	if err != nil {
		return Plan{}, err
	}
	if entry(cur) != entry(ch.Before) {
		return Plan{}, fmt.Errorf("htable: undo: %s[%s] is %s, the action left %s: %w", h.Table, ch.Key, entry(cur), entry(ch.Before), ErrChanged)
	}
	return h.plan(Request{Type: UndoType, Target: r.Plan.Request.Target}, ch), nil
}

// nowHolds reads the entry again after a failed call (one that timed out
// may still have been applied).
func (h *KamHTable) nowHolds(ctx context.Context, key string) string {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	got, err := h.get(rctx, key)
	if err != nil {
		return fmt.Sprintf("; the entry could not be read back either (%v): check it before acting again", err)
	}
	return fmt.Sprintf("; %s[%s] is now %s", h.Table, key, entry(got))
}
