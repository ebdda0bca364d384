package action

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"text/template"
	"time"
)

// HTTPCall moves an outbound route through a carrier's or contact
// centre's API: one request built from text/template (fields .Number,
// .Trunk, .Operator), headers, and secret headers whose values are read
// from environment variables when the request is sent (never shown, never
// recorded). The API's state cannot be read first: the dry run shows the
// request, the read-back is the API's answer, and the undo is the
// configured undo request, if any.
type HTTPCall struct {
	Method        string
	URL           string // template
	Headers       map[string]string
	SecretHeaders map[string]string // header -> environment variable
	Body          string            // template
	UndoMethod    string
	UndoURL       string // template; "" = cannot be undone
	UndoBody      string // template
	Operator      string
	Timeout       time.Duration
	HTTP          *http.Client
}

// httpReq is a rendered request (a plan's Data); Undo is the request
// that takes it back, if any.
type httpReq struct {
	Method, URL, Body string
	Undo              *httpReq `json:",omitempty"`
}

// maxHTTPReply is how much of an answer the audit keeps.
const maxHTTPReply = 4 << 10

func render(name, tpl string, data any) (string, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(tpl)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("http: %s template: %w", name, err)
	}
	return b.String(), nil
}

// Plan renders the request (and its undo).
func (h *HTTPCall) Plan(_ context.Context, req Request) (Plan, error) {
	if req.Type != Outbound {
		return Plan{}, fmt.Errorf("http: cannot %s", req.Type)
	}
	data := map[string]string{"Number": rangeKey(req.Target), "Trunk": req.To, "Operator": h.Operator}
	r := httpReq{Method: h.Method}
	var err error
	if r.URL, err = render("url", h.URL, data); err != nil {
		return Plan{}, err
	}
	if r.Body, err = render("body", h.Body, data); err != nil {
		return Plan{}, err
	}
	if h.UndoURL != "" {
		u := &httpReq{Method: h.UndoMethod}
		if u.URL, err = render("undo_url", h.UndoURL, data); err != nil {
			return Plan{}, err
		}
		if u.Body, err = render("undo_body", h.UndoBody, data); err != nil {
			return Plan{}, err
		}
		r.Undo = u
	}
	return h.plan(req, r), nil
}

func (h *HTTPCall) plan(req Request, r httpReq) Plan {
	d, _ := json.Marshal(r)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
	keys := make([]string, 0, len(h.Headers)+len(h.SecretHeaders))
	for k := range h.Headers {
		keys = append(keys, k)
	}
	for k := range h.SecretHeaders {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if env, ok := h.SecretHeaders[k]; ok {
			fmt.Fprintf(&b, "%s: (secret from $%s)\n", k, env)
		} else {
			fmt.Fprintf(&b, "%s: %s\n", k, h.Headers[k])
		}
	}
	if r.Body != "" {
		b.WriteString("\n" + strings.TrimRight(r.Body, "\n") + "\n")
	}
	notes := "the API's current state cannot be read first; its answer is the read-back"
	if r.Undo == nil {
		notes += "; no undo request is configured"
	}
	return Plan{Request: req, Actuator: "httpcall", Data: string(d), Diff: b.String(), Notes: notes}
}

// Apply sends the request; a 2xx answer is success. What it returns is
// stored, so the secret header values are redacted from all of it.
func (h *HTTPCall) Apply(ctx context.Context, p Plan) (Result, error) {
	var sec secrets
	res, err := h.apply(ctx, p, &sec)
	return sec.result(res), sec.err(err)
}

func (h *HTTPCall) apply(ctx context.Context, p Plan, sec *secrets) (Result, error) {
	var r httpReq
	if err := json.Unmarshal([]byte(p.Data), &r); err != nil {
		return Result{}, fmt.Errorf("http: bad plan: %w", err)
	}
	ctx, cancel := withTimeout(ctx, h.Timeout)
	defer cancel()
	res := Result{Plan: p}
	hr, err := http.NewRequestWithContext(ctx, r.Method, r.URL, strings.NewReader(r.Body))
	if err != nil {
		return res, fmt.Errorf("http: %w", err)
	}
	for k, v := range h.Headers {
		hr.Header.Set(k, v)
	}
	for k, env := range h.SecretHeaders {
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return res, fmt.Errorf("http: environment variable %s (header %s) is not set; nothing was sent", env, k)
		}
		sec.add(env, v)
		hr.Header.Set(k, v)
	}
	hc := h.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return res, fmt.Errorf("http: %s %s: %w", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	// A little more than is kept is read, so that a secret across the
	// end of what is kept is cut whole (Apply redacts the rest).
	body, _ := io.ReadAll(io.LimitReader(resp.Body, int64(maxHTTPReply+sec.longest())))
	body = body[:sec.cut(body, maxHTTPReply)]
	res.ReadBack = strings.TrimSpace(resp.Status + "\n" + string(bytes.TrimSpace(body)))
	if resp.StatusCode/100 != 2 {
		return res, fmt.Errorf("http: %s %s: %s: %w", r.Method, r.URL, resp.Status, ErrRefused)
	}
	if r.Undo != nil {
		back := *r.Undo
		back.Undo = &httpReq{Method: r.Method, URL: r.URL, Body: r.Body}
		u, _ := json.Marshal(back)
		res.Undo = string(u)
	}
	return res, nil
}

// Undo plans the configured undo request.
func (h *HTTPCall) Undo(_ context.Context, r Result) (Plan, error) {
	if r.Undo == "" {
		return Plan{}, ErrNoUndo
	}
	var u httpReq
	if err := json.Unmarshal([]byte(r.Undo), &u); err != nil {
		return Plan{}, fmt.Errorf("http: bad undo data: %w", err)
	}
	return h.plan(Request{Type: UndoType, Target: r.Plan.Request.Target}, u), nil
}
