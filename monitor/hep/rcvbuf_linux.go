package hep

import (
	"encoding/binary"
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

// countDrops asks the kernel to attach the socket's drop counter to every
// datagram it delivers (SO_RXQ_OVFL); false where it cannot.
func countDrops(conn *net.UDPConn) bool {
	raw, err := conn.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, 1)
	}); err != nil {
		return false
	}
	return serr == nil
}

// oobLen is room for the SO_RXQ_OVFL control message (a uint32).
var oobLen = syscall.CmsgSpace(4)

// dropsInOOB finds the SO_RXQ_OVFL control message among a datagram's and
// returns the socket's drop counter as the kernel stamped it (it wraps at
// 2^32). Parsed by hand: syscall.ParseSocketControlMessage allocates.
func dropsInOOB(oob []byte) (uint32, bool) {
	hdr := syscall.SizeofCmsghdr
	for len(oob) >= hdr {
		var n int
		if hdr == 16 { // Len is a uint64 on 64-bit platforms, a uint32 on 32-bit ones
			n = int(binary.NativeEndian.Uint64(oob[0:8]))
		} else {
			n = int(binary.NativeEndian.Uint32(oob[0:4]))
		}
		level := int32(binary.NativeEndian.Uint32(oob[hdr-8:]))
		typ := int32(binary.NativeEndian.Uint32(oob[hdr-4:]))
		if n < hdr || n > len(oob) {
			return 0, false
		}
		if level == syscall.SOL_SOCKET && typ == syscall.SO_RXQ_OVFL && n >= hdr+4 {
			return binary.NativeEndian.Uint32(oob[hdr:]), true
		}
		oob = oob[min(len(oob), syscall.CmsgSpace(n-hdr)):]
	}
	return 0, false
}
