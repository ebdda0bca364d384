// Package labtest runs the real peers of the actuators' integration tests
// on 127.0.0.1: BIND9 (named) with a zone that accepts TSIG-signed
// updates, and Kamailio with dispatcher, htable and JSON-RPC over HTTP.
// Each peer runs in the test's temporary directory on free ports and is
// stopped when the test ends. A missing program fails the test on CI
// (CI set) and skips it elsewhere.
package labtest

import (
	"bytes"
	_ "embed"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures"
)

//go:embed named.conf
var namedConf string

//go:embed porting.test.zone
var zoneFile string

// The lab's dispatcher destinations and SRV records.
const (
	NewURI    = "sip:127.0.0.1:5060"
	LegacyURI = "sip:127.0.0.1:5070"
	// SRV is the lab zone's _sip._udp.porting.test SRV RRset as Dig shows it.
	SRV = "10 50 5060 sbc-a.porting.test.\n20 50 5070 sbc-b.porting.test."
)

// NeedTool finds a program: missing, it fails the test on CI and skips it
// elsewhere.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	for _, p := range []string{name, "/usr/sbin/" + name, "/usr/bin/" + name} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed (the lab needs it on CI)", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
}

// FreePort finds a port free on 127.0.0.1 for both TCP and UDP.
func FreePort(t testing.TB) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs a peer until the test ends (SIGINT, then SIGKILL after 5 s).
func start(t testing.TB, out *lockedBuffer, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
}

// waitFor polls ok until it holds, failing the test after limit.
func waitFor(t testing.TB, limit time.Duration, what string, ok func() error, log *lockedBuffer) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := ok()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v\n%s", what, err, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func writeFile(t testing.TB, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

var secretRE = regexp.MustCompile(`secret "([^"]+)"`)

func keygen(t testing.TB, name string) (file, secret string) {
	t.Helper()
	out, err := exec.Command(NeedTool(t, "tsig-keygen"), "-a", "hmac-sha256", name).Output()
	if err != nil {
		t.Fatalf("tsig-keygen: %v", err)
	}
	m := secretRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("tsig-keygen: no secret in %s", out)
	}
	return string(out), string(m[1])
}

// BIND is a running named serving porting.test.
type BIND struct {
	Dir         string
	Addr        string // 127.0.0.1:port
	Port        int
	Secret      string // of ddns-key, which may update the zone
	OtherSecret string // of other-key, which named knows but does not let update
}

// StartBIND runs named with the lab zone on a free port.
func StartBIND(t testing.TB) *BIND {
	t.Helper()
	named := NeedTool(t, "named")
	dir := t.TempDir()
	key, secret := keygen(t, "ddns-key")
	other, otherSecret := keygen(t, "other-key")
	writeFile(t, filepath.Join(dir, "ddns.key"), key)
	writeFile(t, filepath.Join(dir, "other.key"), other)
	port := FreePort(t)
	conf := strings.NewReplacer("LABDIR", dir, "port 5353", "port "+strconv.Itoa(port)).Replace(namedConf)
	writeFile(t, filepath.Join(dir, "named.conf"), "include \""+filepath.Join(dir, "other.key")+"\";\n"+conf)
	writeFile(t, filepath.Join(dir, "db.porting.test"), zoneFile)
	log := &lockedBuffer{}
	start(t, log, named, "-g", "-c", filepath.Join(dir, "named.conf"), "-u", "root")
	b := &BIND{Dir: dir, Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, Secret: secret, OtherSecret: otherSecret}
	waitFor(t, 15*time.Second, "named did not serve the zone", func() error {
		if got := b.dig(t); got != SRV {
			return fmt.Errorf("dig: %q", got)
		}
		return nil
	}, log)
	return b
}

// Dig is the SRV RRset as the operator's own tool shows it, sorted.
func (b *BIND) Dig(t testing.TB) string {
	t.Helper()
	return b.dig(t)
}

func (b *BIND) dig(t testing.TB) string {
	out, _ := exec.Command(NeedTool(t, "dig"), "@127.0.0.1", "-p", strconv.Itoa(b.Port),
		"_sip._udp.porting.test", "SRV", "+short", "+norecurse", "+time=1", "+tries=1").Output()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// Kamailio is a running Kamailio with fixtures/kamailio-outbound.cfg.
type Kamailio struct {
	URL string // JSON-RPC over HTTP
}

// StartKamailio checks fixtures/kamailio-outbound.cfg with kamailio -c and
// runs it on free ports. Dispatcher set 1 holds NewURI (priority 10) and
// LegacyURI (5); set 2 holds NewURI. Probing is off: states change only
// when set.
func StartKamailio(t testing.TB) *Kamailio {
	t.Helper()
	kam := NeedTool(t, "kamailio")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	rpcPort := FreePort(t)
	cfg := strings.NewReplacer("LABDIR", dir, "SIPPORT", strconv.Itoa(FreePort(t)), "RPCPORT", strconv.Itoa(rpcPort)).Replace(fixtures.KamailioOutboundCfg)
	cfgPath := filepath.Join(dir, "kamailio.cfg")
	writeFile(t, cfgPath, cfg)
	writeFile(t, filepath.Join(dir, "dispatcher.list"), fmt.Sprintf("1 %s 0 10 duid=new\n1 %s 0 5 duid=legacy\n2 %s 0 10 duid=new\n", NewURI, LegacyURI, NewURI))
	if out, err := exec.Command(kam, "-c", "-f", cfgPath).CombinedOutput(); err != nil {
		t.Fatalf("kamailio -c: %v\n%s", err, out)
	}
	log := &lockedBuffer{}
	start(t, log, kam, "-f", cfgPath, "-P", filepath.Join(dir, "run", "kamailio.pid"), "-Y", filepath.Join(dir, "run"), "-DD", "-E")
	k := &Kamailio{URL: fmt.Sprintf("http://127.0.0.1:%d/RPC", rpcPort)}
	client := &http.Client{Timeout: time.Second}
	waitFor(t, 15*time.Second, "kamailio did not answer JSON-RPC", func() error {
		resp, err := client.Post(k.URL, "application/json", strings.NewReader(`{"jsonrpc":"2.0","method":"dispatcher.list","id":1}`))
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}, log)
	return k
}
