package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor"
)

// echoAPI answers with the request's headers, as APIs (and their error
// pages) do: /json as Go's encoder writes them, /php with "/" escaped,
// /status in a 403's reason phrase, /cut across the end of what Apply
// keeps of an answer.
func echoAPI(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := json.Marshal(map[string]any{"headers": r.Header})
		switch {
		case strings.HasPrefix(r.URL.Path, "/json/"):
			_, _ = w.Write(b)
		case strings.HasPrefix(r.URL.Path, "/php/"):
			_, _ = w.Write([]byte(strings.ReplaceAll(string(b), "/", `\/`)))
		case strings.HasPrefix(r.URL.Path, "/cut/"): // the secret across the end of what is kept
			_, _ = w.Write([]byte(strings.Repeat("x", maxHTTPReply-len("Bearer s3cr")) + r.Header.Get("Authorization") + "\n" + strings.Repeat("y", 100)))
		case strings.HasPrefix(r.URL.Path, "/status/"):
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 403 Forbidden for %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", r.Header.Get("Authorization"))
			_ = buf.Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Secret header values come from the environment and must never be
// stored: not in the read-back, the error, the undo data, nor the audit
// record an API's echo of them would reach.
func TestHTTPCallStoresNoSecretTheAPIEchoes(t *testing.T) {
	srv := echoAPI(t)
	const token = "Bearer s3cr&t/T0k+en="
	t.Setenv("CARRIER_TOKEN", token)
	t.Setenv("CARRIER_KEY", "k3y-0f-the-api")
	for _, path := range []string{"/json/", "/php/", "/status/", "/cut/"} {
		t.Run(strings.Trim(path, "/"), func(t *testing.T) {
			h := &HTTPCall{Method: "PUT", URL: srv.URL + path + "{{.Number}}", Body: `{"trunk":"{{.Trunk}}"}`,
				SecretHeaders: map[string]string{"Authorization": "CARRIER_TOKEN", "X-Api-Key": "CARRIER_KEY"},
				UndoMethod:    "DELETE", UndoURL: srv.URL + path + "{{.Number}}"}
			ctx := context.Background()
			p, err := h.Plan(ctx, Request{Type: Outbound, Target: "+14155550101", To: "new"})
			if err != nil {
				t.Fatal(err)
			}
			res, err := h.Apply(ctx, p)
			if path == "/status/" {
				if !errors.Is(err, ErrRefused) {
					t.Fatalf("want a refusal, got %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			var stored []monitor.Event
			a := &Audit{Operator: "dana", Record: func(ev monitor.Event) error { stored = append(stored, ev); return nil }}
			tr, _ := a.Requested(Outbound, "+14155550101", p)
			_ = tr.Finished(res, err, UndoRef{Actuator: "httpcall"})
			rec, _ := json.Marshal(stored)
			errText := ""
			if err != nil {
				errText = err.Error()
			}
			all := res.ReadBack + "\n" + res.Notes + "\n" + res.Undo + "\n" + errText + "\n" + string(rec)
			for _, leak := range []string{"s3cr", "T0k", "k3y-0f", `s3cr\u0026t`, `t\/T0k`} {
				if strings.Contains(all, leak) {
					t.Fatalf("%q is stored:\nread-back %s\nerror %s\nrecord %s", leak, res.ReadBack, errText, rec)
				}
			}
			if path != "/cut/" && !strings.Contains(res.ReadBack+errText, "<redacted $CARRIER_TOKEN>") {
				t.Fatalf("want the echo kept with the secret marked redacted:\nread-back %s\nerror %s", res.ReadBack, errText)
			}
		})
	}
}
