//go:build !unix

package fetch

import (
	"io/fs"
	"path/filepath"
)

// fileKey identifies a directory by its resolved path where the system gives
// no device and inode.
type fileKey struct{ resolved string }

func keyOf(p string, _ fs.FileInfo) fileKey {
	resolved, err := filepath.EvalSymlinks(p)
	if err != nil {
		resolved = p
	}
	return fileKey{resolved: resolved}
}
