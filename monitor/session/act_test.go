package session

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/store"
)

// fakeHTable answers Kamailio's htable JSON-RPC methods from a map.
type fakeHTable struct {
	mu sync.Mutex
	m  map[string]string
}

func (f *fakeHTable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Method string   `json:"method"`
		Params []string `json:"params"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	defer f.mu.Unlock()
	reply := func(v any) { _ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": 1, "result": v}) }
	switch req.Method {
	case "htable.get":
		v, ok := f.m[req.Params[1]]
		if !ok {
			_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": 1, "error": map[string]any{"code": 500, "message": "Key name doesn't exist in htable."}})
			return
		}
		reply(map[string]any{"item": map[string]any{"name": req.Params[1], "value": v}})
	case "htable.sets":
		f.m[req.Params[1]] = req.Params[2]
		reply("Ok. Key set to new value.")
	case "htable.delete":
		delete(f.m, req.Params[1])
		reply("Ok. Key deleted.")
	}
}

func (f *fakeHTable) get(k string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[k]
	return v, ok
}

const actToml = `name = "act test"
[[trunks]]
name = "legacy"
role = "legacy"
addrs = ["192.0.2.10"]
[[trunks]]
name = "new"
role = "new"
addrs = ["203.0.113.10"]
[actions.outbound]
backend = "htable"
  [actions.outbound.htable]
  url = "%s"
  table = "outbound"
  values = { legacy = "1", new = "2" }
[[actions.command]]
name = "hello"
program = "/bin/echo"
args = ["hello", "night"]
`

func actSetup(t *testing.T, url string) (toml, db string) {
	dir := t.TempDir()
	toml, db = filepath.Join(dir, "cutover.toml"), filepath.Join(dir, "night.db")
	if err := os.WriteFile(toml, []byte(fmt.Sprintf(actToml, url)), 0o644); err != nil {
		t.Fatal(err)
	}
	return toml, db
}

// actRunCmd acts as `cutover act ARGS` does with stdin as the operator's
// answers: its exit status (0 done, 1 failed, refused or declined, 2
// usage) and what it printed.
func actRunCmd(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	fs := flag.NewFlagSet("act", flag.ContinueOnError)
	fs.SetOutput(&out)
	cfg, db, operator, to := fs.String("c", "", ""), fs.String("db", "", ""), fs.String("operator", "", ""), fs.String("to", "", "")
	yes, dry := fs.Bool("yes", false, ""), fs.Bool("dry-run", false, "")
	var pos []string
	for rest := args; ; rest = rest[1:] {
		if err := fs.Parse(rest); err != nil {
			return 2, out.String()
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
	}
	if len(pos) == 0 || *cfg == "" {
		return 2, out.String()
	}
	f, err := config.Load(*cfg)
	if err != nil {
		return 1, err.Error()
	}
	in := bufio.NewReader(strings.NewReader(stdin))
	err = Act{File: f, Verb: pos[0], Args: pos[1:], Operator: *operator, Yes: *yes, DryRun: *dry, Out: &out,
		Options: StepOptions{To: *to, DB: *db},
		Confirm: func(title, word string) bool { // the CLI's y/N, or the word to type
			if word != "" {
				fmt.Fprintf(&out, "type %s to apply %s: ", word, title)
				line, _ := in.ReadString('\n')
				return strings.TrimSpace(line) == word
			}
			fmt.Fprintf(&out, "apply %s? [y/N] ", title)
			line, _ := in.ReadString('\n')
			ans := strings.ToLower(strings.TrimSpace(line))
			return ans == "y" || ans == "yes"
		},
	}.Run(context.Background())
	switch {
	case errors.Is(err, ErrUsage):
		return 2, out.String() + err.Error()
	case err != nil:
		return 1, out.String() + err.Error()
	}
	return 0, out.String()
}

func TestActOutboundUndoAudited(t *testing.T) {
	fake := &fakeHTable{m: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	toml, db := actSetup(t, srv.URL+"/RPC")

	code, out := actRunCmd(t, "", "outbound", "+14155550101", "--to", "new", "-c", toml, "--db", db, "--dry-run")
	if _, set := fake.get("+14155550101"); code != 0 || set || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run: %d %s", code, out)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("a dry run created the recording")
	}
	code, out = actRunCmd(t, "n\n", "outbound", "+14155550101", "--to", "new", "-c", toml, "--db", db)
	if _, set := fake.get("+14155550101"); code != 1 || set || !strings.Contains(out, "[y/N]") || !strings.Contains(out, "declined") {
		t.Fatalf("declined: %d %s", code, out)
	}
	code, out = actRunCmd(t, "", "outbound", "+14155550101", "-c", toml, "--to", "new", "--db", db, "--yes", "--operator", "Dana")
	if v, _ := fake.get("+14155550101"); code != 0 || v != "2" {
		t.Fatalf("outbound: %d %q\n%s", code, v, out)
	}
	rows, steps := lab.RecordedActions(t, db)
	if len(rows) != 2 || len(steps) != 5 {
		t.Fatalf("rows %+v\nsteps %+v", rows, steps)
	}
	declined, done := rows[0], rows[1]
	if declined.State != monitor.ActionDeclined || declined.Error != "" {
		t.Errorf("declined = %+v", declined)
	}
	if done.State != monitor.ActionDone || !strings.HasPrefix(done.Operator, "Dana (") || !strings.Contains(done.DryRun, `+ outbound[+14155550101] = "2"`) ||
		done.Undo == "" || !strings.Contains(done.Result, `outbound[+14155550101] = "2"`) || done.Type != "outbound" {
		t.Errorf("done = %+v", done)
	}
	if got := []monitor.ActionState{steps[2].State, steps[3].State, steps[4].State}; got[0] != monitor.ActionRequested || got[1] != monitor.ActionRunning || got[2] != monitor.ActionDone {
		t.Errorf("steps = %v", got)
	}

	code, out = actRunCmd(t, "", "undo", done.ID, "-c", toml, "--db", db, "--yes")
	if _, set := fake.get("+14155550101"); code != 0 || set {
		t.Fatalf("undo: %d\n%s", code, out)
	}
	rows, _ = lab.RecordedActions(t, db)
	if len(rows) != 3 || rows[1].State != monitor.ActionUndone || rows[2].Type != "undo" || rows[2].State != monitor.ActionDone {
		t.Fatalf("after undo: %+v", rows)
	}
	if code, out = actRunCmd(t, "", "undo", done.ID, "-c", toml, "--db", db, "--yes"); code != 1 || !strings.Contains(out, "already undone") {
		t.Fatalf("undo twice: %d %s", code, out)
	}
}

func TestActErrorsAudited(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/RPC"
	srv.Close() // a dead endpoint
	toml, db := actSetup(t, url)
	code, out := actRunCmd(t, "", "outbound", "+14155550101", "--to", "new", "-c", toml, "--db", db, "--yes")
	if code != 1 || !strings.Contains(out, "connection refused") {
		t.Fatalf("dead endpoint: %d %s", code, out)
	}
	rows, _ := lab.RecordedActions(t, db)
	if len(rows) != 1 || rows[0].State != monitor.ActionFailed || !strings.Contains(rows[0].Error, "connection refused") {
		t.Fatalf("audit: %+v", rows)
	}
	code, out = actRunCmd(t, "", "command", "hello", "-c", toml, "--db", db, "--yes")
	if code != 0 || !strings.Contains(out, "hello night") {
		t.Fatalf("command: %d %s", code, out)
	}
	rows, _ = lab.RecordedActions(t, db)
	if len(rows) != 2 || rows[1].Result != "hello night" || rows[1].Undo != "" {
		t.Fatalf("command audit: %+v", rows[1])
	}
	for _, args := range [][]string{{}, {"outbound", "+1415", "-c", toml}, {"teleport", "-c", toml}} {
		if code, out := actRunCmd(t, "", args...); code != 2 {
			t.Errorf("%v: %d %s", args, code, out)
		}
	}
	if code, out := actRunCmd(t, "", "outbound", "+1415", "--to", "nowhere", "-c", toml, "--db", db); code != 1 || !strings.Contains(out, "not a trunk") {
		t.Errorf("unknown trunk: %d %s", code, out)
	}
}

// A recording a running watch is writing is refused before anything is
// planned or changed.
func TestActRefusesLiveRecording(t *testing.T) {
	fake := &fakeHTable{m: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	toml, db := actSetup(t, srv.URL+"/RPC")
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.BeginCutover(monitor.Config{Name: "watching"}, "live", time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	w := store.NewWriter(st, store.WriterOptions{})
	if err := w.Append([]monitor.Event{{Time: time.Now().UnixNano(), Kind: monitor.KindTick, Source: monitor.SourceClock}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	code, out := actRunCmd(t, "", "outbound", "+14155550101", "--to", "new", "-c", toml, "--db", db, "--yes")
	if _, set := fake.get("+14155550101"); code != 1 || set || !strings.Contains(out, "being written by a running cutover watch") {
		t.Fatalf("live recording: %d %v\n%s", code, set, out)
	}
}

// A watch that verified (or gave up verifying) an action by traffic
// recorded it as verified or unverified: act undo takes it, and the undo
// is the action's last word in the recording.
func TestActUndoVerifiedAction(t *testing.T) {
	for _, st := range []monitor.ActionState{monitor.ActionVerified, monitor.ActionUnverified} {
		t.Run(string(st), func(t *testing.T) {
			fake := &fakeHTable{m: map[string]string{}}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			toml, db := actSetup(t, srv.URL+"/RPC")
			if code, out := actRunCmd(t, "", "outbound", "+14155550101", "--to", "new", "-c", toml, "--db", db, "--yes"); code != 0 {
				t.Fatalf("outbound: %d\n%s", code, out)
			}
			rows, _ := lab.RecordedActions(t, db)
			rec := rows[0].ActionRecord
			rec.State, rec.Result = st, rec.Result+"\nverified: 3 calls on new"
			s, err := store.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			w := store.NewWriter(s, store.WriterOptions{})
			ev := monitor.Event{Time: time.Now().Add(-time.Minute).UnixNano(), Kind: monitor.KindAction, Source: monitor.SourceVerify, Action: &rec}
			if err := errors.Join(w.Append([]monitor.Event{ev}), w.Close(), s.Close()); err != nil {
				t.Fatal(err)
			}
			if rows, _ = lab.RecordedActions(t, db); rows[0].State != st {
				t.Fatalf("recorded %s, want %s", rows[0].State, st)
			}
			if code, out := actRunCmd(t, "", "undo", rec.ID, "-c", toml, "--db", db, "--yes"); code != 0 {
				t.Fatalf("undo: %d\n%s", code, out)
			}
			if rows, _ = lab.RecordedActions(t, db); len(rows) != 2 || rows[0].State != monitor.ActionUndone {
				t.Fatalf("after undo: %+v", rows)
			}
		})
	}
}
