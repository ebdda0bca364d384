package session

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/monitor/termsafe"
)

// TestActEscapesPeerAnswers: `cutover act` prints what an actuator's peer
// answered (a dry run, a read-back, an error) with every C0/C1/bidi code
// point shown escaped, never raw.
func TestActEscapesPeerAnswers(t *testing.T) {
	var bad strings.Builder
	for _, r := range termsafe.Controls() {
		bad.WriteRune(r)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": 1, "error": map[string]any{"code": 403, "message": "denied " + bad.String()}})
	}))
	defer srv.Close()
	toml, db := actSetup(t, srv.URL+"/RPC")
	f, err := config.Load(toml)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = Act{File: f, Verb: "outbound", Args: []string{"+14155550101"}, Yes: true, Out: &buf,
		Options: StepOptions{To: "new", DB: db}}.Run(context.Background())
	if err == nil {
		t.Fatal("a refused plan did not fail")
	}
	out := buf.String()
	for _, r := range out {
		if r != '\n' && termsafe.IsControl(r) {
			t.Fatalf("act prints U+%04X raw:\n%q", r, out)
		}
	}
	if want := "denied " + termsafe.Line(bad.String()); !strings.Contains(out, want) {
		t.Fatalf("act does not show the answer %q:\n%s", want, out)
	}
}
