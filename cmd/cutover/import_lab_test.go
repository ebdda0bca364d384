package main

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
)

// labPeer starts a long-running peer and stops it when the test ends.
func labPeer(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// TestImportTcpdumpOfSippMatchesTshark captures real sipp calls (UDP and
// TCP) with tcpdump on lo and checks cutover import counts what tshark does.
func TestImportTcpdumpOfSippMatchesTshark(t *testing.T) {
	needTool(t, "tcpdump")
	needTool(t, "sipp")
	needTool(t, "tshark")
	dir := t.TempDir()
	pcap := filepath.Join(dir, "lo.pcap")
	udpPort, tcpPort := lab.FreePort(t), lab.FreePort(t)
	td := exec.Command("tcpdump", "-i", "lo", "-U", "--immediate-mode", "-n", "-w", pcap, fmt.Sprintf("port %d or port %d", udpPort, tcpPort))
	stderr, _ := td.StderrPipe()
	if err := td.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = td.Process.Kill(); _ = td.Wait() })
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		var lines []string
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if strings.Contains(sc.Text(), "listening on") {
				listening <- ""
			}
		}
		listening <- strings.Join(lines, "\n")
	}()
	if msg := <-listening; msg != "" {
		t.Skipf("tcpdump cannot capture here: %s", msg)
	}
	labPeer(t, "sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", fmt.Sprint(udpPort), "-nostdin")
	labPeer(t, "sipp", "-sn", "uas", "-t", "t1", "-i", "127.0.0.1", "-p", fmt.Sprint(tcpPort), "-nostdin")
	time.Sleep(300 * time.Millisecond) // the UAS must be listening before the calls start
	for _, c := range [][]string{
		{"-sn", "uac", fmt.Sprintf("127.0.0.1:%d", udpPort), "-i", "127.0.0.1", "-p", fmt.Sprint(lab.FreePort(t))},
		{"-sn", "uac", fmt.Sprintf("127.0.0.1:%d", tcpPort), "-t", "t1", "-i", "127.0.0.1", "-p", fmt.Sprint(lab.FreePort(t))},
	} {
		out, err := exec.Command("sipp", append(c, "-m", "15", "-r", "30", "-d", "100", "-nostdin", "-timeout", "20s")...).CombinedOutput()
		if err != nil {
			t.Fatalf("sipp uac %v: %v\n%s", c, err, out)
		}
	}
	// Immediate mode hands tcpdump each packet at once and -U writes it at
	// once; the pause lets the last ones land before the interrupt.
	time.Sleep(500 * time.Millisecond)
	_ = td.Process.Signal(syscall.SIGINT)
	_ = td.Wait()

	ours, sum := importStat(t, pcap, filepath.Join(dir, "lo.db"))
	theirs, _ := tsharkStat(t, pcap)
	sameStat(t, ours, theirs)
	if sum[3] == "0" || sum[4] == "0" {
		t.Fatalf("want both UDP and TCP messages, got %s UDP, %s TCP", sum[3], sum[4])
	}
}
