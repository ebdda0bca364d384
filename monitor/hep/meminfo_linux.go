//go:build linux && !386

package hep

import (
	"net"
	"syscall"
	"unsafe"
)

// soMeminfo and skMeminfoDrops are from <linux/sock_diag.h>: SO_MEMINFO
// reads the socket's memory counters, the ninth of which is sk_drops.
const (
	soMeminfo      = 55
	skMeminfoDrops = 8
)

// socketDrops reads the socket's drop counter now (SO_MEMINFO, Linux 4.6+):
// the drops after the last datagram delivered, which no datagram reports.
func socketDrops(conn *net.UDPConn) (uint32, bool) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return 0, false
	}
	var v [16]uint32
	l := uint32(unsafe.Sizeof(v))
	var errno syscall.Errno
	if err := raw.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.SOL_SOCKET, soMeminfo,
			uintptr(unsafe.Pointer(&v[0])), uintptr(unsafe.Pointer(&l)), 0)
	}); err != nil || errno != 0 || l < 4*(skMeminfoDrops+1) {
		return 0, false
	}
	return v[skMeminfoDrops], true
}
