package session

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
	"github.com/cutover/cutover/store"
)

// While `cutover watch` writes a recording, `cutover act` records its
// audit through the watch's control socket: the actions land in the
// watch's recording (one writer), an undo finds them there, and once the
// watch has stopped act writes the file itself again.
func TestActRecordsThroughARunningWatch(t *testing.T) {
	fake := &fakeHTable{m: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	toml, db := actSetup(t, srv.URL+"/RPC")
	doc, _ := os.ReadFile(toml)
	doc = append([]byte(fmt.Sprintf("[hep]\nlisten = %q\n", freeAddr(t))), doc...)
	// [hep] must come after the top-level keys: put name back first.
	doc = []byte(strings.Replace(string(doc), "name = \"act test\"\n", "", 1))
	doc = append([]byte("name = \"act test\"\n"), doc...)
	if err := os.WriteFile(toml, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(toml)
	if err != nil {
		t.Fatal(err)
	}
	stopWatch := startWatch(t, f, db)

	code, actOut := actRunCmd(t, "", "outbound", "+14155550101", "--to", "new", "-c", toml, "--db", db, "--yes")
	if code != 0 || !strings.Contains(actOut, "recording through the running watch") {
		t.Fatalf("act through the watch: %d\n%s", code, actOut)
	}
	if v, _ := fake.get("+14155550101"); v != "2" {
		t.Fatalf("htable not set: %q", v)
	}
	var id string
	lab.WaitFor(t, "the action in the watch's recording", func() bool {
		rows, _ := lab.RecordedActions(t, db)
		if len(rows) == 1 && rows[0].State == monitor.ActionUnverified { // done, and the watch's fold waits for the calls to move
			id = rows[0].ID
		}
		return id != ""
	})
	code, actOut = actRunCmd(t, "", "undo", id, "-c", toml, "--db", db, "--yes")
	if code != 0 || !strings.Contains(actOut, "recording through the running watch") {
		t.Fatalf("undo through the watch: %d\n%s", code, actOut)
	}
	if _, set := fake.get("+14155550101"); set {
		t.Fatal("undo left the htable entry")
	}

	// A second watch on the same recording is refused, and leaves the
	// first one's socket alone.
	f2 := *f
	f2.HEP.Listen = freeAddr(t)
	if out, err := (Watch{File: &f2, DB: db, Session: RunOptions{Headless: true, Duration: 5 * time.Second}}).Run(context.Background()); err == nil {
		t.Errorf("a second watch on the same recording ran:\n%s", out.Summary("watch"))
	}
	if cc, err := DialControl(db); err != nil {
		t.Errorf("the first watch's socket after the second was refused: %v", err)
	} else {
		cc.Close()
	}

	stopWatch() // as SIGTERM does
	rows, steps := lab.RecordedActions(t, db)
	var states []string
	for _, s := range steps {
		states = append(states, s.Type+":"+string(s.State))
	}
	want := "outbound:requested outbound:running outbound:done outbound:unverified undo:requested undo:running undo:done outbound:undone"
	if strings.Join(states, " ") != want {
		t.Errorf("recorded steps %v, want %s", states, want)
	}
	if len(steps) > 0 && (steps[0].Expect == nil || steps[0].Expect.Trunks[0] != "new") {
		t.Errorf("the outbound action records no expectation: %+v", steps[0].Expect)
	}
	if len(rows) != 2 {
		t.Errorf("actions %+v", rows)
	}
	if _, err := os.Stat(ControlPath(db)); !os.IsNotExist(err) {
		t.Errorf("the control socket outlived the watch: %v", err)
	}
	// The watch is gone: act writes the recording itself again.
	code, actOut = actRunCmd(t, "", "command", "hello", "-c", toml, "--db", db, "--yes")
	if code != 0 || strings.Contains(actOut, "through the running watch") {
		t.Errorf("act after the watch: %d\n%s", code, actOut)
	}
}

// The socket records operators' actions and nothing else: traffic,
// garbage and time-less events get a clear error and publish nothing.
func TestControlSocketRefusesAllButActions(t *testing.T) {
	db := t.TempDir() + "/x.db"
	var mu sync.Mutex // the socket's goroutine publishes
	var got []monitor.Event
	publish := func(_ context.Context, ev monitor.Event) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
		return nil
	}
	stop, err := serveControl(context.Background(), db, publish, nil, noSnapshot, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if fi, err := os.Stat(ControlPath(db)); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}
	c, err := net.Dial("unix", ControlPath(db))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rd := bufio.NewReader(c)
	now := time.Now().UnixNano()
	for _, tc := range []struct{ line, reply string }{
		{"not json", "error: not an event"},
		{fmt.Sprintf(`{"Time":%d,"Kind":1,"SIP":{"Raw":"SU5WSVRF"}}`, now), "error: only action and port-state events"},
		// an operator's port state: valid, and only what an operator sets
		{fmt.Sprintf(`{"Time":%d,"Kind":4,"Port":{"Number":"+14155550101","State":"done","By":"dana@noc"}}`, now), "error: a port-state event needs a state"},
		{fmt.Sprintf(`{"Time":%d,"Kind":4,"Port":{"Number":"4155550101","State":"completed","By":"dana@noc"}}`, now), "error: a port-state event needs an E.164"},
		{fmt.Sprintf(`{"Time":%d,"Kind":4,"Port":{"Number":"+14155550101","State":"completed"}}`, now), "error: a port-state event by hand says who"},
		{fmt.Sprintf(`{"Time":%d,"Kind":4,"Source":"porting","Port":{"Number":"+14155550101","State":"completed","By":"dana@noc","Backwards":true,"Status":"FOC"}}`, now), "ok"},
		{`{"Kind":5,"Action":{"ID":"a1","State":"done"}}`, "error: the event's time is not now"},
		{fmt.Sprintf(`{"Time":%d,"Kind":5,"Action":{"ID":"a1","State":"done"}}`, now+int64(48*time.Hour)), "error: the event's time is not now"},
		// a client cannot pass its event off as the fold's own verification
		{fmt.Sprintf(`{"Time":%d,"Kind":5,"Source":"verify","Action":{"ID":"a1","Type":"failover","State":"verified"}}`, now), "ok"},
	} {
		fmt.Fprintln(c, tc.line)
		reply, err := rd.ReadString('\n')
		if err != nil || !strings.HasPrefix(reply, tc.reply) {
			t.Errorf("%s: reply %q (%v), want %q", tc.line, reply, err, tc.reply)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0].Source != monitor.SourceOperator || got[1].Action.ID != "a1" || monitor.Derived(got[1]) {
		t.Fatalf("published %+v", got)
	}
	if p := got[0].Port; got[0].Source != monitor.SourceOperator || p.Backwards || p.Status != "" || p.By != "dana@noc" || p.State != monitor.PortCompleted {
		t.Errorf("published port change %+v", p)
	}
}

// act records only through a socket of its own user: another user's
// listener at the control path is refused, not trusted with the audit.
func TestControlSocketOfAnotherUserRefused(t *testing.T) {
	db := t.TempDir() + "/x.db"
	ln, err := net.Listen("unix", ControlPath(db))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if cc, err := DialControl(db); err != nil {
		t.Fatalf("own socket refused: %v", err)
	} else {
		cc.Close()
	}
	if err := os.Chown(ControlPath(db), 65534, 65534); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chown (CI runs as root): %v", err)
		}
		t.Skip("chown needs root")
	}
	if _, err := DialControl(db); err == nil || !strings.Contains(err.Error(), "not a socket of this user's watch") {
		t.Fatalf("another user's socket: %v", err)
	}
}

func freeAddr(t *testing.T) string { return fmt.Sprintf("127.0.0.1:%d", lab.FreePort(t)) }

// A watch does not serve a control socket path that another user holds:
// it says whose it is instead of removing it or calling it another watch.
func TestWatchRefusesAnotherUsersControlSocket(t *testing.T) {
	db := t.TempDir() + "/x.db"
	ln, err := net.Listen("unix", ControlPath(db))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // a dead socket: today's watch would replace it
	if err := os.Chown(ControlPath(db), 65534, 65534); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chown (CI runs as root): %v", err)
		}
		t.Skip("chown needs root")
	}
	stop, err := serveControl(context.Background(), db, func(context.Context, monitor.Event) error { return nil }, nil, noSnapshot, slog.New(slog.DiscardHandler))
	if err == nil {
		stop()
		t.Fatal("another user's control socket was replaced and served")
	}
	if !errors.Is(err, store.ErrNotOwner) {
		t.Fatalf("error %v does not say the socket is another user's", err)
	}
}

// Side notes hold what the operators wrote during a replay: owner-only.
func TestSideNotesAreOwnerOnly(t *testing.T) {
	db := t.TempDir() + "/x.db"
	s, err := loadSideNotes(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.add(1, "bridge: carrier says LRN updated"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(sideNotesPath(db))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("side notes created %v, want -rw-------", fi.Mode().Perm())
	}
}

// startWatch runs a headless watch of f recording to db until the
// returned stop is called (as SIGTERM does), which waits for it to end;
// it returns once the watch's control socket answers.
func startWatch(t *testing.T, f *config.File, db string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan error, 1)
	go func() {
		_, err := Watch{File: f, DB: db, Session: RunOptions{Headless: true}}.Run(ctx)
		watched <- err
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-watched; err != nil {
				t.Errorf("watch: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	lab.WaitFor(t, "the watch's control socket", func() bool {
		cc, err := DialControl(db)
		if err == nil {
			cc.Close()
		}
		return err == nil
	})
	return stop
}

func noSnapshot() *monitor.Snapshot { return nil }
