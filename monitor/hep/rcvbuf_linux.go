package hep

import (
	"net"
	"syscall"
)

// growReadBuffer asks for a large socket receive buffer, beyond
// net.core.rmem_max where the process may (SO_RCVBUFFORCE, root or
// CAP_NET_ADMIN), so a burst waits in the kernel instead of being lost.
func growReadBuffer(conn *net.UDPConn, size int) {
	if raw, err := conn.SyscallConn(); err == nil {
		var serr error
		_ = raw.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, size)
		})
		if serr == nil {
			return
		}
	}
	_ = conn.SetReadBuffer(size)
}
