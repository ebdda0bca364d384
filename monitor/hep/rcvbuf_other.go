//go:build !linux

package hep

import "net"

// growReadBuffer asks for a large socket receive buffer (the system may
// cap it).
func growReadBuffer(conn *net.UDPConn, size int) { _ = conn.SetReadBuffer(size) }

// The kernel's drop counter is read on Linux only.
func countDrops(*net.UDPConn) bool            { return false }
func dropsInOOB([]byte) (uint32, bool)        { return 0, false }
func socketDrops(*net.UDPConn) (uint32, bool) { return 0, false }

var oobLen = 0
