package hep

import (
	"net"
	"testing"
)

// TestListenAnyPortWithTCP: Listen on port 0 with TCP takes a UDP port
// from the kernel and then TCP on the same number, which an outgoing TCP
// connection may hold already. It then tries another port rather than
// failing ("bind: address already in use", seen in the tests).
func TestListenAnyPortWithTCP(t *testing.T) {
	srv, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go func() {
		for {
			c, err := srv.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	for range 600 { // outgoing connections: TCP ports of the ephemeral range, UDP free
		c, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	for i := range 300 {
		c, err := Listen(Options{Listen: "127.0.0.1:0", TCP: true})
		if err != nil {
			t.Fatalf("listen %d: %v", i, err)
		}
		if c.UDPAddr().Port != c.TCPAddr().Port {
			t.Fatalf("UDP on %d, TCP on %d", c.UDPAddr().Port, c.TCPAddr().Port)
		}
		c.close()
	}
}
