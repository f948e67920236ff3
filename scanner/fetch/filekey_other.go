//go:build !unix

package fetch

import (
	"fmt"
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

// stampOf describes a file's last change as far as the system says.
func stampOf(info fs.FileInfo) string {
	return fmt.Sprintf("%d:%d", info.Size(), info.ModTime().UnixNano())
}
