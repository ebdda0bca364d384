package session

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
)

// TestImportSippRTPAgreesWithTshark runs real sipp calls with RTP on lo
// (uac_pcap plays sip-tester's G.711 and RFC 4733 captures, the UAS echoes
// them with -rtp_echo from its one media port, three calls at once),
// captures them with tcpdump and imports the capture: every stream must
// equal tshark's rtp,streams on the same file. The UAS answers every call
// with the same port, so the calls' answers all name it: the source
// decides whose a packet is.
func TestImportSippRTPAgreesWithTshark(t *testing.T) {
	lab.NeedTool(t, "tcpdump")
	sipp := lab.NeedTool(t, "sipp")
	tshark := lab.NeedTool(t, "tshark")
	dir := t.TempDir()
	if err := os.Symlink("/usr/share/sip-tester", filepath.Join(dir, "pcap")); err != nil { // uac_pcap plays pcap/g711a.pcap
		t.Fatal(err)
	}
	pcap := filepath.Join(dir, "lo.pcap")
	sipPort, mediaPort := lab.FreePort(t), lab.FreePort(t)
	lab.StartTcpdump(t, pcap, fmt.Sprintf("udp and (port %d or port %d)", sipPort, mediaPort))
	uas := exec.Command(sipp, "-sn", "uas", "-i", "127.0.0.1", "-p", fmt.Sprint(sipPort), "-mi", "127.0.0.1",
		"-mp", fmt.Sprint(mediaPort), "-rtp_echo", "-nostdin")
	if err := uas.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = uas.Process.Kill(); _ = uas.Wait() })
	waitUDPBound(t, sipPort)
	uac := exec.Command(sipp, "-sn", "uac_pcap", fmt.Sprintf("127.0.0.1:%d", sipPort), "-i", "127.0.0.1", "-p", fmt.Sprint(lab.FreePort(t)),
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(lab.FreePort(t)), "-m", "3", "-l", "3", "-r", "3", "-nostdin", "-timeout", "60s")
	uac.Dir = dir
	if out, err := uac.CombinedOutput(); err != nil {
		t.Fatalf("sipp uac_pcap: %v\n%s", err, out)
	}
	waitInFile(t, pcap, []byte("CSeq: 2 BYE"), 6) // three BYEs and their 200s
	_, finals, want := importAgainstTshark(t, tshark, pcap)
	if len(finals) != 3 || len(want) != 12 {
		t.Fatalf("%d calls reported, tshark finds %d streams; want 3 calls of 4 streams (voice and events, both ways)", len(finals), len(want))
	}
}

// waitUDPBound waits until something has bound 127.0.0.1:port (UDP).
func waitUDPBound(t *testing.T, port int) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return
		}
		c.Close()
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("nothing bound UDP port %d", port)
		}
	}
}

// waitInFile waits until path holds n copies of what (tcpdump -U has
// written the packets).
func waitInFile(t *testing.T, path string, what []byte, n int) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if bytes.Count(b, what) >= n {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s holds %d of %d %q", path, bytes.Count(b, what), n, what)
		}
	}
}
