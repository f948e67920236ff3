//go:build !unix

package fetch

import (
	"io/fs"
	"path/filepath"
)

// fileKey identifies a directory by its real path where the system gives
// no device and inode.
type fileKey struct{ real string }

func keyOf(p string, _ fs.FileInfo) fileKey {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		real = p
	}
	return fileKey{real: real}
}
