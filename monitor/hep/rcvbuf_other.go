//go:build !linux

package hep

import "net"

// growReadBuffer asks for a large socket receive buffer (the system may
// cap it).
func growReadBuffer(conn *net.UDPConn, size int) { _ = conn.SetReadBuffer(size) }
