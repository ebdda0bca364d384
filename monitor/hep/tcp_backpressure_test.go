package hep

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures/lab"
	"github.com/cutover/cutover/monitor"
)

// TestTCPWaitsForRoomInsteadOfDropping: a HEP stream over TCP is never
// dropped at a full parse queue. Its reader waits for room, so the
// sender's TCP window fills and the sender slows down (UDP has no such
// way and is dropped, counted). A restarted collector's SBC replaying its
// buffer lost messages this way.
func TestTCPWaitsForRoomInsteadOfDropping(t *testing.T) {
	c, err := Listen(Options{Listen: "127.0.0.1:0", TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	published := make(chan monitor.Event, 2*workQueue)
	publish := func(ev monitor.Event) bool {
		<-gate // a publisher that cannot keep up, until released
		published <- ev
		return true
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Serve(ctx, publish); close(done) }()
	defer func() { cancel(); <-done }()

	conn, err := net.DialTCP("tcp", nil, c.TCPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const n = workQueue + 2000
	one := hepBytes(t, sipPacket(""))
	sent := make(chan error, 1)
	go func() {
		var err error
		for range n {
			if _, err = conn.Write(one); err != nil {
				break
			}
		}
		sent <- err
	}()
	lab.WaitFor(t, "a full parse queue", func() bool { return c.queuedPkts.Load() >= workQueue || c.Stats().QueueDropped > 0 })
	close(gate)
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	for got := 0; got < n; got++ {
		select {
		case <-published:
		case <-time.After(20 * time.Second):
			t.Fatalf("%d of %d published; stats %+v", got, n, c.Stats())
		}
		if st := c.Stats(); got+int(st.QueueDropped) >= n {
			t.Fatalf("%d of %d published, %d dropped at the parse queue", got+1, n, st.QueueDropped)
		}
	}
	if st := c.Stats(); st.QueueDropped != 0 || st.Packets != n {
		t.Errorf("stats %+v, want %d packets and none dropped", st, n)
	}
}
