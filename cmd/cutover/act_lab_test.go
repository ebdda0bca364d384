package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
)

// labTrunksToml are the lab's two carriers as trunks.
const labTrunksToml = `
[[trunks]]
name = "legacy"
role = "legacy"
addrs = ["127.0.0.1:5070"]
[[trunks]]
name = "new"
role = "new"
addrs = ["127.0.0.1:5060"]
`

// labSRVToml is a failover target on lab.StartBIND's zone (%s: its
// address); the TSIG secret comes from CUTOVER_TEST_TSIG.
const labSRVToml = `
[[actions.failover]]
name = "sbc-srv"
  [actions.failover.dns]
  server = "%s"
  zone = "porting.test."
  name = "_sip._udp.porting.test."
  key_name = "ddns-key"
  key_secret_env = "CUTOVER_TEST_TSIG"
  legacy_target = "sbc-b.porting.test."
  new_target = "sbc-a.porting.test."
`

const actLabToml = `name = "act lab"` + labTrunksToml + `[actions]
timeout = "5s"` + labSRVToml + `[[actions.failover]]
name = "sbc-dispatcher"
  [actions.failover.dispatcher]
  url = "%s"
  set = 1
  legacy = ["%s"]
  new = ["%s"]
`

// dispatcherFlags reads set 1's FLAGS with a plain JSON-RPC call.
func dispatcherFlags(t *testing.T, url string) map[string]string {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"jsonrpc":"2.0","method":"dispatcher.list","id":1}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Result struct {
			Records []struct {
				Set struct {
					ID      int
					Targets []struct{ Dest struct{ URI, Flags string } }
				}
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, rec := range r.Result.Records {
		for _, d := range rec.Set.Targets {
			if rec.Set.ID == 1 {
				out[d.Dest.URI] = d.Dest.Flags
			}
		}
	}
	return out
}

// The check: after `cutover act failover`, dig shows the new
// priorities and dispatcher.list the new states; undo restores both
// exactly; a wrong TSIG key is a clear, audited error that changes nothing.
func TestActFailoverLab(t *testing.T) {
	bind := lab.StartBIND(t)
	kam := lab.StartKamailio(t)
	dir := t.TempDir()
	toml, db := filepath.Join(dir, "cutover.toml"), filepath.Join(dir, "night.db")
	body := fmt.Sprintf(actLabToml, bind.Addr, kam.URL, lab.LegacyURI, lab.NewURI)
	if err := os.WriteFile(toml, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CUTOVER_TEST_TSIG", bind.Secret)

	code, out := actRunCmd(t, "", "failover", "-c", toml, "--db", db, "--yes", "--operator", "Dana")
	if code != 0 {
		t.Fatalf("failover: %d\n%s", code, out)
	}
	if got := bind.Dig(t); got != "10 50 5070 sbc-b.porting.test.\n20 50 5060 sbc-a.porting.test." {
		t.Fatalf("dig after failover: %q", got)
	}
	if f := dispatcherFlags(t, kam.URL); f[lab.NewURI] != "DX" || f[lab.LegacyURI] != "AX" {
		t.Fatalf("dispatcher after failover: %v", f)
	}
	if !strings.Contains(out, "TTL 30s") || !strings.Contains(out, "(T+30s)") {
		t.Errorf("no TTL notes:\n%s", out)
	}
	rows, _ := recordedActions(t, db)
	if len(rows) != 2 || rows[0].State != monitor.ActionDone || rows[1].State != monitor.ActionDone || rows[0].Target != "sbc-srv" {
		t.Fatalf("recorded: %+v", rows)
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if code, out := actRunCmd(t, "", "undo", rows[i].ID, "-c", toml, "--db", db, "--yes"); code != 0 {
			t.Fatalf("undo %s: %d\n%s", rows[i].ID, code, out)
		}
	}
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("dig after undo: %q, want exactly the records before", got)
	}
	if f := dispatcherFlags(t, kam.URL); f[lab.NewURI] != "AX" || f[lab.LegacyURI] != "AX" {
		t.Fatalf("dispatcher after undo: %v", f)
	}

	t.Setenv("CUTOVER_TEST_TSIG", bind.OtherSecret)
	code, out = actRunCmd(t, "", "failover", "sbc-srv", "-c", toml, "--db", db, "--yes")
	if code != 1 || !strings.Contains(out, `TSIG key "ddns-key" was not accepted`) {
		t.Fatalf("wrong key: %d\n%s", code, out)
	}
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("a refused update changed the zone: %q", got)
	}
	rows, _ = recordedActions(t, db)
	last := rows[len(rows)-1]
	if last.State != monitor.ActionFailed || !strings.Contains(last.Error, "TSIG") || last.Undo != "" {
		t.Fatalf("audit of the refused update: %+v", last)
	}
}

// --priority sets the SRV priorities of one DNS target; a host that is
// not in the RRset, a target that is not DNS and a malformed value are
// refused with a clear message; undo restores the records exactly.
func TestActFailoverExplicitPriorities(t *testing.T) {
	bind := lab.StartBIND(t)
	dir := t.TempDir()
	toml, db := filepath.Join(dir, "cutover.toml"), filepath.Join(dir, "night.db")
	body := fmt.Sprintf(actLabToml, bind.Addr, "http://127.0.0.1:1/RPC", lab.LegacyURI, lab.NewURI)
	if err := os.WriteFile(toml, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CUTOVER_TEST_TSIG", bind.Secret)
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"restore", "--priority", "sbc-a.porting.test=5"}, 2, "--priority sets the SRV records of one TARGET"},
		{[]string{"restore", "sbc-srv", "--priority", "sbc-a.porting.test=high"}, 2, "want HOST=PRIORITY"},
		{[]string{"outbound", "+14155550101", "--to", "new", "--priority", "sbc-a.porting.test=5"}, 2, "--priority applies to failover and restore only"},
		{[]string{"restore", "sbc-dispatcher", "--priority", "sbc-a.porting.test=5"}, 1, "sbc-dispatcher is not a DNS SRV target"},
		{[]string{"restore", "sbc-srv", "--priority", "sbc-c.porting.test=5"}, 1, "no SRV record points at sbc-c.porting.test."},
	} {
		code, out := actRunCmd(t, "", append(c.args, "-c", toml, "--db", db, "--yes")...)
		if code != c.code || !strings.Contains(out, c.msg) {
			t.Errorf("%v: %d\n%s", c.args, code, out)
		}
	}
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("a refused request changed the zone: %q", got)
	}
	code, out := actRunCmd(t, "", "restore", "sbc-srv", "--priority", "sbc-a.porting.test=5,sbc-b.porting.test.=40", "-c", toml, "--db", db, "--yes")
	if code != 0 {
		t.Fatalf("restore --priority: %d\n%s", code, out)
	}
	if got := bind.Dig(t); got != "40 50 5070 sbc-b.porting.test.\n5 50 5060 sbc-a.porting.test." {
		t.Fatalf("dig after restore --priority: %q", got)
	}
	rows, _ := recordedActions(t, db)
	last := rows[len(rows)-1]
	if last.State != monitor.ActionDone || !strings.Contains(last.Undo, `"Priorities":{"sbc-a.porting.test":5,"sbc-b.porting.test.":40}`) {
		t.Fatalf("recorded: %+v", last)
	}
	if code, out := actRunCmd(t, "", "undo", last.ID, "-c", toml, "--db", db, "--yes"); code != 0 {
		t.Fatalf("undo: %d\n%s", code, out)
	}
	if got := bind.Dig(t); got != lab.SRV {
		t.Fatalf("dig after undo: %q, want exactly the records before", got)
	}
}
