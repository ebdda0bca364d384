package session

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/store"
)

// A watch with [porting] polls the carrier and records each change of a
// port request's numbers as a port-state event from the porting source;
// the token it sends is nowhere in the recording's files.
func TestWatchRecordsPortingChanges(t *testing.T) {
	const token = "porting-token-5e6f7a8b9c"
	t.Setenv("CUTOVER_TEST_PORTING_TOKEN", token)
	var polls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token || r.URL.Query().Get("request_id") != "PR-7" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		status := "APPROVED"
		if polls.Add(1) > 1 {
			status = "COMPLETED"
		}
		io.WriteString(w, `{"request_id": "PR-7", "status": "`+status+`", "activated_at": "2026-11-24T02:23:41Z"}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	toml, db := filepath.Join(dir, "cutover.toml"), filepath.Join(dir, "night.db")
	doc := fmt.Sprintf(`name = "porting test"
[hep]
listen = %q
[[trunks]]
name = "legacy"
role = "legacy"
addrs = ["192.0.2.10"]
[[numbers]]
range = "+14155550101-+14155550102"
port_request_id = "PR-7"
[porting]
preset = "generic"
base_url = %q
bearer_env = "CUTOVER_TEST_PORTING_TOKEN"
interval = "1s"
`, freeAddr(t), srv.URL)
	if err := os.WriteFile(toml, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(toml)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	watched := make(chan error, 1)
	go func() {
		_, err := Watch{File: f, DB: db, Session: RunOptions{Headless: true}}.Run(ctx)
		watched <- err
	}()
	ports := func() []monitor.Event {
		rd, err := store.OpenReader(db)
		if err != nil {
			return nil
		}
		defer rd.Close()
		var evs []monitor.Event
		_ = rd.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
			if ev.Kind == monitor.KindPortState {
				evs = append(evs, ev)
			}
			return nil
		})
		return evs
	}
	lab.WaitFor(t, "both numbers completed in the recording", func() bool { return len(ports()) >= 4 })
	stop()
	if err := <-watched; err != nil {
		t.Fatalf("watch: %v", err)
	}
	evs := ports()
	if len(evs) != 4 {
		t.Fatalf("port events = %d, want 4: %+v", len(evs), evs)
	}
	for i, ev := range evs {
		want := []monitor.PortState{monitor.PortApproved, monitor.PortCompleted}[i/2]
		if ev.Source != monitor.SourcePorting || ev.Port.State != want || ev.Port.Request != "PR-7" || ev.Port.Status == "" {
			t.Errorf("event %d = %+v %+v", i, ev, *ev.Port)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "night.db*"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), token) {
			t.Errorf("%s holds the porting token", filepath.Base(name))
		}
	}
	if len(files) == 0 {
		t.Fatal("no recording files")
	}
}
