//go:build unix

package fetch

import (
	"fmt"
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

// stampOf describes a file's identity and last change: a write changes
// its change time even when the writer restores size and mtime.
func stampOf(info fs.FileInfo) string {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d:%d:%d.%d:%d.%d", st.Dev, st.Ino, st.Size,
			mtim(st).Sec, mtim(st).Nsec, ctim(st).Sec, ctim(st).Nsec)
	}
	return fmt.Sprintf("%d:%d", info.Size(), info.ModTime().UnixNano())
}
