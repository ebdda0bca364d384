//go:build unix

package store

import (
	"io/fs"
	"syscall"
)

// ownerOf is the uid that owns fi (ok false where it cannot be told).
func ownerOf(fi fs.FileInfo) (uid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// openNonblock keeps an open of a FIFO planted at a path from blocking.
const openNonblock = syscall.O_NONBLOCK
