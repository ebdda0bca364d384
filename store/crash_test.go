package store

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const helperEnv = "CUTOVER_STORE_HELPER_RECORDING"

// TestKillMidIngest kills a process that is recording, with SIGKILL, and
// checks that the recording opens and holds at least every event the
// process saw committed: a crash loses at most the last flush interval.
func TestKillMidIngest(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "killed.cutover")
	cmd, lines := startRecorder(t, path)
	var last int64
	reports := 0
	deadline := time.After(30 * time.Second)
	for reports < 6 { // several flushes have happened: kill mid-ingest
		select {
		case n, ok := <-lines:
			if !ok {
				t.Fatalf("child exited after %d reports", reports)
			}
			last, reports = n, reports+1
		case <-deadline:
			t.Fatal("child reported no commits")
		}
	}
	time.Sleep(time.Duration(rand.IntN(50)) * time.Millisecond) // anywhere between two flushes
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for n := range lines { // whatever it printed before dying was committed
		last = n
	}
	werr := cmd.Wait()
	if st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || st.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v", werr)
	}

	r := openReader(t, path)
	c, err := r.Count()
	if err != nil {
		t.Fatal(err)
	}
	if c < last {
		t.Errorf("recording holds %d events, the child saw %d committed", c, last)
	}
	if lastSeq, _ := r.LastSeq(); lastSeq != c {
		t.Errorf("LastSeq() = %d with %d events: a gap", lastSeq, c)
	}
	if r.Cutover().EndedNs != 0 {
		t.Error("a killed recording says it ended")
	}
	t.Logf("child reported %d committed; recording holds %d", last, c)
	// every committed message reads back whole from its compressed block
	want := sipEvents(0, int(c))
	_, evs := readAll(t, r, 0)
	for i, ev := range evs {
		if ev.SIP == nil || !bytes.Equal(ev.SIP.Raw, want[i].SIP.Raw) {
			t.Fatalf("event %d after the kill: %+v", i+1, ev.SIP)
		}
	}

	s, err := Open(path) // and a writer can carry on after the crash
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(s, WriterOptions{})
	if err := w.Append(sipEvents(0, 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.LastSeq(); got != c+1 {
		t.Errorf("after reopening, LastSeq() = %d, want %d", got, c+1)
	}
}

// startRecorder starts TestHelperProcess recording into path, and returns
// the committed counts it reports (closed when its output ends).
func startRecorder(t *testing.T, path string) (*exec.Cmd, <-chan int64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan int64, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if n, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
				v, _ := strconv.ParseInt(n, 10, 64)
				lines <- v
			}
		}
	}()
	return cmd, lines
}

// TestHelperProcess is the child of TestKillMidIngest: it records events
// as fast as it can until it is killed, printing the committed count
// whenever it grows.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestKillMidIngest")
	}
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if _, err := s.BeginCutover(testConfig(), "live", t0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	w := NewWriter(s, WriterOptions{FlushInterval: 50 * time.Millisecond})
	var reported uint64
	for i := 0; ; i += 32 {
		if err := w.Append(sipEvents(i, 32)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if n := w.Recorded(); n != reported {
			fmt.Printf("committed %d\n", n) // stdout is a pipe: unbuffered writes
			reported = n
		}
		time.Sleep(2 * time.Millisecond) // about 16k events/s: live traffic, not a bulk import
	}
}
