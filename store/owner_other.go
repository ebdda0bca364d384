//go:build !unix

package store

import "io/fs"

// ownerOf cannot tell a file's owner here: the directory's ACLs guard it.
func ownerOf(fs.FileInfo) (uid int, ok bool) { return 0, false }

const openNonblock = 0
