package hep

import (
	"fmt"
	"net"
	"testing"
)

// TestParsersKeepArrivalOrder: with several parse goroutines, the pipeline
// gets the SIP messages, and every forward target the packets, in the
// order the socket read them, each once.
func TestParsersKeepArrivalOrder(t *testing.T) {
	d := listenDownstream(t)
	c, s := startRelaying(t, Options{Forward: []string{d.addr()}}, func(c *Collector) { c.nParsers = 4 })
	conn, err := net.DialUDP("udp", nil, c.UDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pkts := numbered(t, 10_000, "")
	for i, b := range pkts {
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
		if i%500 == 499 { // keep within the sockets' buffers
			waitPackets(t, c, uint64(i+1))
		}
	}
	d.expect(t, pkts)
	waitForward(t, c, "all published", func(Stats) bool { return s.count() == len(pkts) })
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, ev := range s.events {
		if want := fmt.Sprintf("c%d@test", i); ev.SIP == nil || ev.SIP.Info == nil || ev.SIP.Info.CallID != want {
			t.Fatalf("event %d: %+v, want Call-ID %s", i, ev.SIP, want)
		}
	}
	if st := c.Stats(); st.Packets != uint64(len(pkts)) || st.QueueDropped != 0 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
}
