//go:build unix

package fetch

import (
	"io/fs"
	"syscall"
)

// fileKey identifies a directory by device and inode, whatever the path
// (or link) it was reached by.
type fileKey struct{ dev, ino uint64 }

func keyOf(_ string, info fs.FileInfo) fileKey {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return fileKey{dev: uint64(st.Dev), ino: uint64(st.Ino)}
	}
	return fileKey{}
}
