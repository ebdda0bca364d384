package action

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestHTTPCall(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(b))
		mu.Unlock()
		if strings.Contains(r.URL.Path, "forbidden") {
			http.Error(w, "not your number", http.StatusForbidden)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	t.Setenv("CARRIER_TOKEN", "Bearer s3cret")
	h := &HTTPCall{
		Method: "PUT", URL: srv.URL + "/routes/{{.Number}}", Body: `{"trunk":"{{.Trunk}}","by":"{{.Operator}}"}`,
		Headers: map[string]string{"Content-Type": "application/json"}, SecretHeaders: map[string]string{"Authorization": "CARRIER_TOKEN"},
		UndoMethod: "DELETE", UndoURL: srv.URL + "/routes/{{.Number}}", Operator: "dana",
	}
	ctx := context.Background()
	p, err := h.Plan(ctx, Request{Type: Outbound, Target: "+14155550101", To: "new"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Diff, "PUT "+srv.URL+"/routes/+14155550101\n") || !strings.Contains(p.Diff, "Authorization: (secret from $CARRIER_TOKEN)") ||
		strings.Contains(p.Diff+p.Data, "s3cret") || !strings.Contains(p.Diff, `{"trunk":"new","by":"dana"}`) {
		t.Fatalf("plan:\n%s\n%s", p.Diff, p.Data)
	}
	res, err := h.Apply(ctx, p)
	if err != nil || res.ReadBack != "200 OK\n{\"ok\":true}" || strings.Contains(res.Undo, "s3cret") {
		t.Fatalf("apply: %+v %v", res, err)
	}
	u, err := h.Undo(ctx, res)
	if err != nil || !strings.HasPrefix(u.Diff, "DELETE ") {
		t.Fatalf("undo plan: %+v %v", u, err)
	}
	if _, err := h.Apply(ctx, u); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	want := []string{`PUT /routes/+14155550101 Bearer s3cret {"trunk":"new","by":"dana"}`, "DELETE /routes/+14155550101 Bearer s3cret "}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("server saw:\n%s", strings.Join(got, "\n"))
	}
	mu.Unlock()

	h.URL = srv.URL + "/forbidden/{{.Number}}"
	p, _ = h.Plan(ctx, Request{Type: Outbound, Target: "+14155550101", To: "new"})
	if res, err := h.Apply(ctx, p); !errors.Is(err, ErrRefused) || !strings.Contains(res.ReadBack, "not your number") || res.Undo != "" {
		t.Fatalf("refused: %+v %v", res, err)
	}
	t.Setenv("CARRIER_TOKEN", "")
	if _, err := h.Apply(ctx, p); err == nil || !strings.Contains(err.Error(), "CARRIER_TOKEN") {
		t.Fatalf("no secret: %v", err)
	}
}
