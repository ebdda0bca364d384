package action

import (
	"bytes"
	"context"
	"fmt"
	"net"
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
)

// needTool finds a program the lab needs: missing, it fails the test on CI
// and skips it elsewhere.
func needTool(t *testing.T, name string) string {
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

// freePort finds a port free on 127.0.0.1 for both TCP and UDP.
func freePort(t *testing.T) int {
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

// lockedBuffer collects a process's output for failure messages.
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

// start runs a lab process until the test ends.
func start(t *testing.T, out *lockedBuffer, name string, args ...string) {
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

// waitFor polls ok until it holds, failing after limit.
func waitFor(t *testing.T, limit time.Duration, what string, ok func() error, log *lockedBuffer) {
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

// bindLab is a running named with the lab zone.
type bindLab struct {
	dir, addr, secret, otherSecret string
	port                           int
}

var secretRE = regexp.MustCompile(`secret "([^"]+)"`)

func keygen(t *testing.T, name string) (file, secret string) {
	out, err := exec.Command(needTool(t, "tsig-keygen"), "-a", "hmac-sha256", name).Output()
	if err != nil {
		t.Fatalf("tsig-keygen: %v", err)
	}
	m := secretRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("tsig-keygen: no secret in %s", out)
	}
	return string(out), string(m[1])
}

// startBIND runs named on a free port with the lab's zone, ddns-key
// allowed to update it and other-key known but not allowed.
func startBIND(t *testing.T) *bindLab {
	t.Helper()
	named := needTool(t, "named")
	dir := t.TempDir()
	key, secret := keygen(t, "ddns-key")
	other, otherSecret := keygen(t, "other-key")
	for f, k := range map[string]string{"ddns.key": key, "other.key": other} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(k), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	for _, f := range []string{"named.conf", "db.porting.test"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), "LABDIR", dir)
		s = strings.ReplaceAll(s, "port 5353", "port "+strconv.Itoa(port))
		if f == "named.conf" { // other-key: known to named, not allowed to update
			s = "include \"" + filepath.Join(dir, "other.key") + "\";\n" + s
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log := &lockedBuffer{}
	start(t, log, named, "-g", "-c", filepath.Join(dir, "named.conf"), "-u", "root")
	lab := &bindLab{dir: dir, addr: fmt.Sprintf("127.0.0.1:%d", port), port: port, secret: secret, otherSecret: otherSecret}
	d := lab.srv(secret)
	waitFor(t, 15*time.Second, "named did not answer", func() error {
		_, err := d.read(context.Background())
		return err
	}, log)
	return lab
}

func (l *bindLab) srv(secret string) *DNSSRV {
	return &DNSSRV{
		Server: l.addr, Zone: "porting.test.", Name: "_sip._udp.porting.test.",
		KeyName: "ddns-key", Secret: secret,
		LegacyTarget: "sbc-b.porting.test.", NewTarget: "sbc-a.porting.test.",
		Timeout: 5 * time.Second,
	}
}

// dig is what the operator's own tool shows: the SRV RRset, sorted.
func (l *bindLab) dig(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(needTool(t, "dig"), "@127.0.0.1", "-p", strconv.Itoa(l.port),
		"_sip._udp.porting.test", "SRV", "+short", "+norecurse").Output()
	if err != nil {
		t.Fatalf("dig: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
