package stir

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var recordSecsipid = flag.Bool("record-secsipid", false, "rewrite testdata/secsipid from a live Kamailio run")

// needTool fails the test in CI when a tool is missing, and skips it elsewhere.
func needTool(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not installed (CI needs it): %v", n, err)
			}
			t.Skipf("%s not installed", n)
		}
	}
}

// secsipidModules finds the directory holding Kamailio's secsipid.so.
func secsipidModules(t *testing.T) string {
	t.Helper()
	matches, _ := filepath.Glob("/usr/lib/*/kamailio/modules/secsipid.so")
	more, _ := filepath.Glob("/usr/lib/kamailio/modules/secsipid.so")
	matches = append(matches, more...)
	if len(matches) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("secsipid.so not installed (package kamailio-secsipid-modules)")
		}
		t.Skip("secsipid.so not installed (package kamailio-secsipid-modules)")
	}
	return filepath.Dir(matches[0])
}

// openssl runs openssl in dir.
func openssl(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// makePKI makes an STI-CA and an SP certificate (TNAuthList SPC "555T")
// and key with openssl, and a second CA that signed nothing.
func makePKI(t *testing.T, dir string) {
	t.Helper()
	openssl(t, dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key")
	openssl(t, dir, "req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=Kamailio Test STI-CA", "-days", "3650", "-out", "ca.pem",
		"-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
	openssl(t, dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "other.key")
	openssl(t, dir, "req", "-x509", "-new", "-key", "other.key", "-subj", "/CN=Other STI-CA", "-days", "3650", "-out", "other.pem")
	openssl(t, dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sp.ec")
	openssl(t, dir, "pkcs8", "-topk8", "-nocrypt", "-in", "sp.ec", "-out", "sp.key")
	openssl(t, dir, "req", "-new", "-key", "sp.key", "-subj", "/CN=Kamailio Test STI-SP", "-out", "sp.csr")
	ext := "basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\n1.3.6.1.5.5.7.1.26=DER:3008a006160435353554\n"
	if err := os.WriteFile(filepath.Join(dir, "ext.cnf"), []byte(ext), 0o644); err != nil {
		t.Fatal(err)
	}
	openssl(t, dir, "x509", "-req", "-in", "sp.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
		"-days", "365", "-extfile", "ext.cnf", "-out", "sp.pem")
}

const kamailioCfg = `#!KAMAILIO
debug=2
log_stderror=yes
children=1
listen=udp:127.0.0.1:%d
mpath="%s/"
loadmodule "sl.so"
loadmodule "textops.so"
loadmodule "pv.so"
loadmodule "secsipid.so"
request_route {
	if (is_method("INVITE")) {
		if (!secsipid_add_identity("$fU", "$rU", "$hdr(X-Attest)", "", "%s", "%s")) {
			sl_send_reply("500", "Signing failed");
			exit;
		}
	}
	forward("127.0.0.1", %d);
}
`

const sippUAC = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="one INVITE for Kamailio to sign">
  <send>
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      X-Attest: [field1]
      Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="200"/>
</scenario>
`

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// startKamailio runs Kamailio in the foreground until the test ends and
// waits until it relays to the listener.
func startKamailio(t *testing.T, dir, cfg string, port int, sink net.PacketConn) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "kamailio.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command("kamailio", "-f", filepath.Join(dir, "kamailio.cfg"), "-DD", "-E", "-Y", run, "-P", filepath.Join(run, "kamailio.pid"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("kamailio log:\n%s", logs.String())
		}
	})
	// Ready when an OPTIONS sent to it comes out at the listener.
	probe, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	opt := "OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKping\r\nFrom: <sip:p@127.0.0.1>;tag=1\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: ping\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	buf := make([]byte, 65535)
	for i := 0; i < 50; i++ {
		_, _ = probe.Write([]byte(opt))
		_ = sink.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, _, err := sink.ReadFrom(buf); err == nil {
			return
		}
	}
	t.Fatalf("kamailio did not relay within 10 s\n%s", logs.String())
}

// relayInvite has sipp send one INVITE from orig to dest through Kamailio
// and returns it as the listener received it, with the capture time.
func relayInvite(t *testing.T, dir string, kamPort int, sink net.PacketConn, orig, dest, attest string) ([]byte, time.Time) {
	t.Helper()
	csv := filepath.Join(dir, "callers-"+attest+".csv")
	if err := os.WriteFile(csv, []byte("SEQUENTIAL\n"+orig+";"+attest+";\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	scen := filepath.Join(dir, "uac.xml")
	if err := os.WriteFile(scen, []byte(sippUAC), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sipp", "-sf", scen, "-inf", csv, "-s", dest, fmt.Sprintf("127.0.0.1:%d", kamPort),
		"-i", "127.0.0.1", "-p", fmt.Sprint(freeUDPPort(t)), "-m", "1", "-nostdin", "-timeout", "10s")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sipp: %v\n%s", err, out)
	}
	buf := make([]byte, 65535)
	for {
		_ = sink.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := sink.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no INVITE relayed: %v", err)
		}
		if bytes.HasPrefix(buf[:n], []byte("INVITE ")) {
			return bytes.Clone(buf[:n]), time.Now()
		}
	}
}

// secsipidVector is one recorded Identity header signed by secsipid.
type secsipidVector struct {
	Attest string    `json:"attest"`
	Orig   string    `json:"orig"`
	Dest   string    `json:"dest"`
	X5U    string    `json:"x5u"`
	At     time.Time `json:"at"`   // capture time
	File   string    `json:"file"` // the relayed INVITE
}

// TestKamailioSecsipid has Kamailio's secsipid module sign INVITEs relayed
// from a sipp UAC, with an openssl-made certificate, and verifies them:
// valid with the right trust store, cert-untrusted with another.
func TestKamailioSecsipid(t *testing.T) {
	needTool(t, "kamailio", "sipp", "openssl")
	modules := secsipidModules(t)
	dir := t.TempDir()
	makePKI(t, dir)
	spPEM, err := os.ReadFile(filepath.Join(dir, "sp.pem"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Write(spPEM)
	}))
	defer srv.Close()
	x5u := srv.URL + "/sp.pem"

	sink, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	kamPort := freeUDPPort(t)
	cfg := fmt.Sprintf(kamailioCfg, kamPort, modules, x5u, filepath.Join(dir, "sp.key"), sink.LocalAddr().(*net.UDPAddr).Port)
	startKamailio(t, dir, cfg, kamPort, sink)

	trust, err := LoadTrust(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := LoadTrust(filepath.Join(dir, "other.pem"))
	if err != nil {
		t.Fatal(err)
	}
	fetch := NewFetcher(FetcherOptions{Client: srv.Client(), AnyPort: true})
	good, _ := NewVerifier(Options{Trust: trust, Certs: fetch})
	wrong, _ := NewVerifier(Options{Trust: other, Certs: fetch})
	var vectors []secsipidVector
	for i, attest := range []string{"A", "B", "C"} {
		orig, dest := fmt.Sprintf("1555123000%d", i+1), "15557654321"
		raw, at := relayInvite(t, dir, kamPort, sink, orig, dest, attest)
		vd := verifyRaw(t, good, raw, at)
		if vd.Result != Valid || vd.Attest != attest || vd.Orig != orig || vd.X5U != x5u {
			t.Fatalf("secsipid %s: %s attest %s orig %s; checks %+v\n%s", attest, vd.Result, vd.Attest, vd.Orig, vd.Checks, raw)
		}
		if vd := verifyRaw(t, wrong, raw, at); vd.Result != CertUntrusted {
			t.Fatalf("secsipid %s with the wrong trust store: %s", attest, vd.Result)
		}
		name := "invite-" + attest + ".sip"
		vectors = append(vectors, secsipidVector{Attest: attest, Orig: orig, Dest: dest, X5U: x5u, At: at.UTC(), File: name})
		if *recordSecsipid {
			writeVector(t, name, raw)
		}
	}
	if *recordSecsipid {
		writeVector(t, "sp.pem", spPEM)
		ca, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
		writeVector(t, "ca.pem", ca)
		js, _ := json.MarshalIndent(vectors, "", "  ")
		writeVector(t, "vectors.json", append(js, '\n'))
	}
}

func writeVector(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := writeFile(filepath.Join("testdata", "secsipid", name), b); err != nil {
		t.Fatal(err)
	}
}

// loadSecsipid reads the recorded secsipid vectors and a verifier that
// trusts their CA and serves their certificate for the recorded x5u.
func loadSecsipid(t *testing.T) ([]secsipidVector, *Verifier, *x509.CertPool) {
	t.Helper()
	var vs []secsipidVector
	if err := json.Unmarshal(readTestdata(t, "secsipid/vectors.json"), &vs); err != nil {
		t.Fatal(err)
	}
	trust := x509.NewCertPool()
	trust.AppendCertsFromPEM(readTestdata(t, "secsipid/ca.pem"))
	return vs, newTestVerifier(t, trust, map[string][]byte{vs[0].X5U: readTestdata(t, "secsipid/sp.pem")}), trust
}
